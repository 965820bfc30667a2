# After MMSelfSup's SimSiam recipe (simsiam_resnet50_8xb32-coslr-100e): SGD with
# a cosine lr, except for the predictor, whose lr stays fixed (`fixed_lr`), which
# SimSiamHook enforces. Scaled down to scikit-learn's digits: 100 epochs of
# 1438 images, so a larger lr (0.2 per 256) than ImageNet's 0.05 per 256.
recipe simsiam_digits

train {
    epochs = 100
    seed   = 0
}

let batch   = 64
let base_lr = 0.2 * batch / 256

model = simsiam(backbone = "convnet", width = 32, feat_dim = 128, pred_dim = 32)
data  = digits(batch = batch, augment = true, views = 2)

optimizer SGD(lr = base_lr, momentum = 0.9, weight_decay = 1e-4) {
    params "predictor.*" { fixed_lr = true }
}

schedule lr {
    [0ep, end)  CosineAnnealingLR(eta_min = 0)  per epoch
}

hook SimSiamHook(fix_pred_lr = true, lr = base_lr, adjust_by_epoch = true)  priority HIGH
hook CheckpointHook(interval = 5ep, keep = 2)
hook LoggerHook(interval = 10it)
