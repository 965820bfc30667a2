# expect: W408@9:6
recipe writers
train { epochs = 10 }
model = densecl(loss_lambda = 0.5)
data = digits(augment = true, views = 2)
optimizer SGD(lr = 0.03, momentum = 0.9, weight_decay = 1e-4)
schedule lr { [0ep, end) CosineAnnealingLR(eta_min = 0) }
schedule model.loss_lambda { [0ep, end) LinearParamScheduler(start_factor = 0.1) }
hook DenseCLHook(start_iters = 100)
