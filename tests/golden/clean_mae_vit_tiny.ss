# expect:
# examples/mae_vit_tiny.ss
# After MMSelfSup's MAE ViT-B/16 recipe (8x512 batch, 300 epochs), scaled to a CPU.
recipe mae_vit_tiny

train {
    epochs          = 300
    iters_per_epoch = 8            # optional when the data block knows its length
    device          = auto         # cuda when available, else cpu
    precision       = bf16         # fp32 | fp16 | bf16 (autocast; fp16 uses a grad scaler)
    accumulate      = 1            # gradient accumulation steps
    clip_grad_norm  = none         # or a number
    seed            = 0
}

let batch   = 64
let base_lr = 1.5e-4 * batch / 256           # constant arithmetic, no Python eval

model = mae_vit(img_size = 32, patch = 4, dim = 64, depth = 4, heads = 4)
data  = synthetic_images(n = 512, size = 32, batch = batch)

optimizer AdamW(lr = base_lr, betas = (0.9, 0.95), weight_decay = 0.05) {
    params norm, bias, "*pos_embed", "*cls_token", "*mask_token" { decay_mult = 0 }
}

schedule lr {
    [0ep, 40ep)    LinearLR(start_factor = 1e-4)  per iter   # convert_to_iter_based
    [40ep, 300ep)  CosineAnnealingLR(eta_min = 0)  per iter   # T_max defaults to the phase length
}

hook CheckpointHook(interval = 10ep, keep = 3)   priority VERY_LOW
hook LoggerHook(interval = 10it)                 priority BELOW_NORMAL
