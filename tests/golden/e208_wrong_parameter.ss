# expect: E208@8:18 E208@11:18
recipe e208_wrong_parameter
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule momentum {
    [0ep, 12ep)  LinearLR()  per iter
}
schedule weight_decay {
    [0ep, 12ep)  OneCycleLR()  per iter
}
