# expect: E401@7:41
recipe cycle_against_priorities
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook a = EMAHook(momentum = 0.01) after c
hook b = CheckpointHook(interval = 1ep) after a
hook c = LoggerHook(interval = 5it) after b
