# expect: E111@3:22
recipe epochs_and_iters
train { epochs = 12  iters = 1000 }
model = mlp()
data = digits()
optimizer SGD(lr = 0.1)
