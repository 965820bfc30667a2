# expect: E401@8:29
recipe e401_three_hook_cycle
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook a = EMAHook()
hook b = LoggerHook() after a
hook c = CheckpointHook() after b before a
