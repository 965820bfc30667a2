# expect: W202@8:6 W202@9:6
recipe w202_gaps
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [1ep, 4ep)   LinearLR()  per iter
    [6ep, 12ep)  CosineAnnealingLR()  per iter
}
