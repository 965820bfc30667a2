# expect: E211@8:43 E211@9:48
recipe e211_unknown_step_unit
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [0ep, 6ep)   CosineAnnealingLR()  per it
    [6ep, 12ep)  ConstantLR(factor = 0.5)  per step
}
