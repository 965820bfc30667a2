# expect: E111@1:1
recipe no_train
model = mlp()
data = digits()
optimizer SGD(lr = 0.1)
