# expect: E001@7:5
recipe optimizer_body
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1) {
    lr_mult = 2
}
