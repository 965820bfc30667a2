# expect: E502@7:12 E502@7:21
recipe unknown_parameter_class
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer AdamW(lr = 1e-3) {
    params weights, bais, "*.bias" { decay_mult = 0 }
    params norm { lr_mult = 0.1 }
}
