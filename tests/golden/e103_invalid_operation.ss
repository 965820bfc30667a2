# expect: E103@7:9 E103@8:9 E103@9:9 E103@10:9
recipe e103_invalid_operation
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
let a = 10ep + 5it
let b = "a" * 2
let c = -"x"
let d = 10ep * 2ep
