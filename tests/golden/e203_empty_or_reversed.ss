# expect: E203@8:5 E203@9:5 E203@10:6
recipe e203_empty_or_reversed
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [2ep, 2ep)     LinearLR()  per iter
    [8ep, 4ep)     CosineAnnealingLR()  per iter
    [-1ep, 12ep)   ConstantLR()  per iter
}
