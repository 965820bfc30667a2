# expect: E101@7:16
recipe e101_unknown_name
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
let lr = 0.1 * bsz / 256
