# expect:
# Many forms on one page; statements separated by spaces or newlines.
recipe everything
train { epochs = 10 iters_per_epoch = 23 precision = fp16 accumulate = 2 clip_grad_norm = 1.0 device = cpu }
let batch = 64
let base_lr = 1.5e-4 * batch / 256
let warm = 2 * 1ep
model = vit(img_size = 32, patch = 4, dim = 64, depth = 4, heads = 4)
data = synthetic_images(n = 1_472, size = 32, batch = batch)
optimizer AdamW(lr = base_lr, betas = (0.9, 0.95), weight_decay = 0.05) {
    params norm, bias, "*pos_embed" { decay_mult = 0 }
    params "head.*" { lr_mult = 10 }
    layer_decay(rate = 0.65, layers = 4)
}
schedule lr {
    stack {
        [0it, 100it)   LinearLR(start_factor = 1e-3)  per iter
        [0ep, end)     MultiStepLR(milestones = [6, 8], gamma = 0.1)  per epoch
    }
}
schedule weight_decay { [0ep, end) CosineAnnealingWeightDecay(eta_min = 0.01, T_max = 10ep) per iter }
schedule model.mask_ratio { [0ep, warm) LinearParamScheduler(start_factor = 0.5) per iter }
hook ema = EMAHook(momentum = 0.0002) priority ABOVE_NORMAL
hook slow_ema = EMAHook(momentum = 0.0001) after ema
hook CheckpointHook(interval = 1ep, keep = 3) priority VERY_LOW
hook LoggerHook(interval = 10it) priority 60 before CheckpointHook
