# expect: E407@7:28 E407@8:38
recipe e407_ordered_against_itself
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook ema = EMAHook() after ema
hook CheckpointHook(keep = 2) before CheckpointHook
