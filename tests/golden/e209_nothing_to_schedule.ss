# expect: E209@7:10 E209@10:10
recipe e209_nothing_to_schedule
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9)
schedule lrr {
    [0ep, 12ep)  LinearParamScheduler()  per iter
}
schedule betas2 {
    [0ep, 12ep)  LinearParamScheduler()  per iter
}
