# expect: W410@7:6
recipe unmarked
train { epochs = 10 }
model = simsiam()
data = digits(augment = true, views = 2)
optimizer SGD(lr = 0.05, momentum = 0.9)
hook SimSiamHook(fix_pred_lr = true, lr = 0.05)
