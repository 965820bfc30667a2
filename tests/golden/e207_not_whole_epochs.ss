# expect: E207@8:11 E207@9:6 E207@10:38
recipe e207_not_whole_epochs
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    [0ep, 2.5ep)  LinearLR()  per epoch
    [20it, 40it)  ConstantLR()  per epoch
    [5ep, 12ep)   StepLR(step_size = 12it)  per epoch
}
