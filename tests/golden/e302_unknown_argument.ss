# expect: E302@5:13 E302@6:25 E302@7:1 E302@8:1
recipe e302_unknown_argument
train { epochs = 12  iters_per_epoch = 8 }
data = synthetic_images(n = 512, batch = 64)
model = mlp(hiden = 64)
optimizer SGD(lr = 0.1, momentun = 0.9)
modle = mlp()
train2 = 1
