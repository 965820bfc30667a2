# expect: E201@9:5 E201@12:5
recipe e201_iterations_and_split_schedules
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [0it, 50it)   LinearLR()  per iter
    [49it, 96it)  CosineAnnealingLR()  per iter
}
schedule lr {
    [90it, end)   ConstantLR()  per iter
}
