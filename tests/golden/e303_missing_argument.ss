# expect: E303@8:18 E303@10:6
recipe e303_missing_argument
train { epochs = 12  iters_per_epoch = 8 }
data = synthetic_images(n = 512, batch = 64)
model = mlp()
optimizer SGD(lr = 0.1)
schedule lr {
    [0ep, 12ep)  StepLR(gamma = 0.5)  per epoch
}
hook SimSiamHook(fix_pred_lr = true)
