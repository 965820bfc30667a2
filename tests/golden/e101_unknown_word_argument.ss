# expect: E101@7:32
recipe e101_unknown_word_argument
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook CheckpointHook(interval = every_epoch)
