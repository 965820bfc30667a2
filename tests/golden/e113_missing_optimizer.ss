# expect: E113@1:1
recipe missing_optimizer
train { iters = 100 }
model = mlp()
data = digits()
