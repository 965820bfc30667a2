# expect: E112@3:9
recipe epoch_length_unknown
train { epochs = 12 }
model = mlp()
data = "my_data:loader"(batch = 32)
optimizer SGD(lr = 0.1)
schedule lr {
    [0ep, 12ep)  CosineAnnealingLR()
}
