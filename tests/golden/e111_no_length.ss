# expect: E111@3:1
recipe no_length
train { seed = 1 }
model = mlp()
data = digits()
optimizer SGD(lr = 0.1)
