# expect: E212@8:39
recipe e212_cannot_step_that_way
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [0ep, 12ep)  ReduceOnPlateauLR()  per iter
}
