# expect: N310@7:11 W202@8:16 N310@9:6
recipe used_module
use my_lab.components
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer MyOptimizer(lr = 0.1)
schedule lr { [1ep, 12ep) CosineAnnealingLR() per iter }
hook MyHook(strength = 3)
