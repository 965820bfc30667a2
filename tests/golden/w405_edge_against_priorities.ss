# expect: W405@8:56
recipe w405_edge_against_priorities
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook ema = EMAHook(momentum = 0.01) priority HIGH
hook LoggerHook(interval = 5it) priority LOWEST before ema
