# expect: E305@6:20 E305@8:42 E305@10:28
recipe e305_value_not_allowed
train { epochs = 12  iters_per_epoch = 8 }
data = synthetic_images(n = 512, batch = 64)
model = mlp()
optimizer SGD(lr = -0.1)
schedule lr {
    [0ep, 12ep)  LinearLR(start_factor = 2)  per iter
}
hook LoggerHook(interval = 1ep)
