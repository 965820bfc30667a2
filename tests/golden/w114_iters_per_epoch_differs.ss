# expect: W114@3:40
recipe iters_per_epoch_differs
train { epochs = 12  iters_per_epoch = 10 }
model = mlp()
data = digits(batch = 64)
optimizer SGD(lr = 0.1)
