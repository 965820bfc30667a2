# expect: E409@7:6 E409@8:6
recipe parts
train { epochs = 10 }
model = simsiam(feat_dim = 64)
data = digits(augment = true, views = 2)
optimizer SGD(lr = 0.05, momentum = 0.9)
hook DenseCLHook(start_iters = 100)
hook SwAVHook(batch_size = 64)
