# expect: E307@6:25 E307@7:47
recipe e307_argument_twice
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, lr = 0.2)
hook CheckpointHook(interval = 1ep, keep = 2, keep = 3)
