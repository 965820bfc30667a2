# expect: E101@8:11
recipe e101_phase_bound
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
schedule lr {
    [0ep, warm)  LinearLR()
}
