# expect: E104@8:5
recipe layer_decay_twice
train { epochs = 12  iters_per_epoch = 8 }
model = vit()
data = synthetic_images(n = 512, batch = 64)
optimizer AdamW(lr = 1e-3) {
    layer_decay(rate = 0.65, layers = 4)
    layer_decay(rate = 0.75, layers = 4)
}
