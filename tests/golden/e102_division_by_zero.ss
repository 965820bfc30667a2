# expect: E102@7:9 E102@8:9 E102@9:9
recipe e102_division_by_zero
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
let a = 1 / 0
let b = 5 // (2 - 2)
let c = 7 % 0
