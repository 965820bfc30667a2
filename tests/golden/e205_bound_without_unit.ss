# expect: E205@8:6 E205@9:11
recipe e205_bound_without_unit
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [0, 5ep)        LinearLR()  per iter
    [5ep, "end")    CosineAnnealingLR()  per iter
}
