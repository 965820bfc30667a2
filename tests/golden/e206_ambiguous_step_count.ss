# expect: E206@8:57 E206@9:37
recipe e206_ambiguous_step_count
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [0ep, 6ep)   CosineAnnealingLR(eta_min = 0, T_max = 10)  per iter
    [6ep, 12ep)  StepLR(step_size = 2)  per iter
}
