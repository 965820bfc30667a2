# expect: E406@8:6 E406@10:6
recipe e406_label_used_twice
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook ema = EMAHook()
hook ema = CheckpointHook()
hook LoggerHook()
hook LoggerHook = EMAHook()
