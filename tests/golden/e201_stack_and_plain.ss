# expect: E201@12:5
recipe e201_stack_and_plain
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lr {
    stack {
        [0it, 16it)   LinearLR(start_factor = 0.001)  per iter
        [0ep, 6ep)    MultiStepLR(milestones = [2, 4])  per epoch
    }
    [5ep, 12ep)  ConstantLR(factor = 0.5)  per epoch
}
