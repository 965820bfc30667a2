# expect: E108@8:6 E108@8:15 E108@10:32 E108@11:28
recipe e108_unknown_unit
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
schedule lr {
    [0epochs, 40epochs)  LinearLR()  per iter
}
hook CheckpointHook(interval = 5iters)
hook LoggerHook(interval = 10xyz)
