# expect: E101@7:9
recipe e101_forward_reference
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
let a = b * 2
let b = 3
