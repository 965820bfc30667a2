# expect: E204@9:12
recipe e204_after_training
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [0ep, 12ep)  LinearLR()  per iter
    [12ep, 20ep) ConstantLR()  per epoch
}
