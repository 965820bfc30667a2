# expect: E308@6:15 E303@8:18 E308@8:25
recipe e308_positional_argument
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(0.1, momentum = 0.9)
schedule lr {
    [0ep, 12ep)  StepLR(2ep, gamma = 0.5)  per epoch
}
