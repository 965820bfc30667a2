# expect: E104@7:1 E104@8:1 E104@9:1 E104@11:5 E104@12:16 E104@13:38
recipe e104_given_twice
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
train { epochs = 6 }
model = mlp(depth = 3)
optimizer Adam(lr = 0.1)
let a = 1
let a = 2
let m = {k: 1, k: 2}
hook EMAHook() priority LOW priority HIGH
