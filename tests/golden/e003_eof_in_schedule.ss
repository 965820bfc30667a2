# expect: E003@8:46
recipe eof_in_schedule
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
schedule lr {
    [0ep, 12ep)  LinearLR(start_factor = 0.1)
