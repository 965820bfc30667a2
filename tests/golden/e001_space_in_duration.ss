# expect: E001@8:8
recipe space_in_duration
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
schedule lr {
    [0 ep, 12ep)  LinearLR()
}
