# expect: E402@7:39 E402@8:38 E402@9:29
recipe e402_unknown_reference
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook LoggerHook(interval = 5it) after ema
hook EMAHook(momentum = 0.01) before CheckpointHok
hook CheckpointHook() after DenseCLHook
