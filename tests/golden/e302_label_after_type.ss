# expect: E302@7:16
recipe label_after_type
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook EMAHook() ema = 1
