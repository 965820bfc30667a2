# expect: E201@14:5
# The exact case from LANGUAGE.md's Diagnostics section: lines 13 and 14,
# 300 epochs of 8 iterations, phases overlapping by 10 epochs (80 iterations).
recipe language_md
train {
    epochs          = 300
    iters_per_epoch = 8
}
model = mlp()
data  = synthetic_images(n = 512, batch = 64)
optimizer AdamW(lr = 1e-3)
schedule lr {
    [0ep, 40ep)    LinearLR(start_factor = 1e-4)  per iter
    [30ep, 300ep)  CosineAnnealingLR(eta_min = 0)  per iter
}
