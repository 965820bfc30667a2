# expect: E001@6:24
recipe missing_comma
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1 momentum = 0.9)
