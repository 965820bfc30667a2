# expect: E105@7:9 E105@8:9 E105@9:9 E105@10:9 E105@11:9 E105@12:9
recipe e105_huge_numbers
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
let a = 1e999
let b = 2 ** 64
let c = 10 ** 10 ** 10
let d = 123456789012345678901234567890
let e = 1e200 * 1e200
let f = 1e999ep
