# A first recipe: a small MLP on scikit-learn's digits, with a linear lr
# warm-up then a cosine decay. Trains on a laptop CPU in seconds:
#     sspec run examples/quickstart.ss
recipe quickstart

train {
    epochs = 12
    seed   = 0
}

model = mlp(hidden = 128)
data  = digits(batch = 32)

optimizer SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4) {
    params bias { decay_mult = 0 }
}

schedule lr {
    [0ep, 1ep)   LinearLR(start_factor = 0.01)   per iter
    [1ep, end)   CosineAnnealingLR(eta_min = 0)  per iter
}

hook CheckpointHook(interval = 1ep, keep = 3)
hook LoggerHook(interval = 20it)
