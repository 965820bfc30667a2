# expect: W210@8:38
recipe per_epoch_in_iteration_run
train { iters = 920 }
model = mlp()
data = digits()
optimizer SGD(lr = 0.1)
schedule lr {
    [0it, end)  CosineAnnealingLR()  per epoch
}
