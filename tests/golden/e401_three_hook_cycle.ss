# expect: E401@8:30
recipe e401_three_hook_cycle
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
hook a = EMAHook()
hook b = DenseCLHook() after a
hook c = SwAVHook(batch_size = 32) after b before a
