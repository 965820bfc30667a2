# expect: E304@5:9 E304@6:20 E304@7:44 E304@8:31
recipe e304_wrong_type
train { epochs = 12  iters_per_epoch = 8 }
data = synthetic_images(n = 512, batch = 64)
model = 3
optimizer SGD(lr = "fast")
hook CheckpointHook(interval = 1ep, keep = 2.5)
hook LoggerHook(ignore_last = 1)
