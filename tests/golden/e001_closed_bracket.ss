# expect: E001@8:15
recipe closed_bracket
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
schedule lr {
    [0ep, 40ep]  LinearLR(start_factor = 1e-4)  per iter
}
