# expect: E403@7:25 E403@8:32 E403@9:28
recipe e403_priority_out_of_range
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook EMAHook() priority 101
hook CheckpointHook() priority -1
hook LoggerHook() priority 2.5
