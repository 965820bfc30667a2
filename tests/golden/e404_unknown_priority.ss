# expect: E404@7:25 E404@8:32
recipe e404_unknown_priority
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook EMAHook() priority VERY_HGH
hook CheckpointHook() priority URGENT
