# expect: E213@8:18 E213@9:18
recipe rejected_by_mmengine
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1)
schedule lr {
    [0ep, 6ep)   CosineRestartLR(periods = [2ep, 4ep], restart_weights = [1], eta_min = 0)  per epoch
    [6ep, end)   OneCycleLR(eta_max = 0.1, total_steps = 40it)  per iter
}
