# expect: E309@6:25 E309@8:49 E309@10:31
recipe e309_exclusive_arguments
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, nesterov = true)
schedule lr {
    [0ep, 12ep)  CosineAnnealingLR(eta_min = 0, eta_min_ratio = 0.1)  per iter
}
hook EMAHook(begin_iter = 10, begin_epoch = 2)
