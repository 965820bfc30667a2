# expect:
recipe iteration_based
train { iters = 1_000  seed = 3 }
let warm = 100it
model = convnet(width = 16)
data = digits(batch = 32)
optimizer SGD(lr = 0.1, momentum = 0.9, weight_decay = 5e-4, nesterov = true)
schedule lr {
    [0it, warm)      LinearLR(start_factor = 0.01)  per iter
    [warm, end)      CosineAnnealingLR(eta_min_ratio = 0.01)  per iter
}
schedule momentum {
    [0it, end)       CosineAnnealingMomentum(eta_min = 0.85)
}
hook ema = EMAHook(momentum = 0.001, begin_iter = 200)  priority ABOVE_NORMAL
hook CheckpointHook(interval = 250it, keep = 2)
hook LoggerHook(interval = 50it) after ema
