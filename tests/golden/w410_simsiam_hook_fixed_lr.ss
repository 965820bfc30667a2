# expect: W410@9:43
recipe fixed
train { epochs = 10 }
model = simsiam()
data = digits(augment = true, views = 2)
optimizer SGD(lr = 0.05, momentum = 0.9) {
    params "predictor.*" { fixed_lr = true  lr_mult = 0.5 }
}
hook SimSiamHook(fix_pred_lr = true, lr = 0.05)
hook off = SimSiamHook(fix_pred_lr = false, lr = 0.05)
hook SimSiamHook(fix_pred_lr = true, lr = 0.025)
