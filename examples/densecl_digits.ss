# After MMSelfSup's DenseCL recipe (densecl_resnet50_8xb32-coslr-200e): SGD with
# a cosine lr, a momentum key encoder, global and dense queues, and DenseCLHook
# keeping the dense loss off (loss_lambda = 0) for the first iterations.
# Scaled down to scikit-learn's digits: 40 epochs of 1438 images, so a larger
# lr (0.4 per 256) than ImageNet's 0.03 per 256, a shorter queue and momentum.
recipe densecl_digits

train {
    epochs = 40
    seed   = 0
}

let batch   = 64
let base_lr = 0.4 * batch / 256

model = densecl(backbone = "convnet", width = 32, feat_dim = 128, queue_len = 1024,
                momentum = 0.99, temperature = 0.2, loss_lambda = 0.5)
data  = digits(batch = batch, augment = true, views = 2)

optimizer SGD(lr = base_lr, momentum = 0.9, weight_decay = 1e-4)

schedule lr {
    [0ep, end)  CosineAnnealingLR(eta_min = 0)  per epoch
}

hook DenseCLHook(start_iters = 100)
hook CheckpointHook(interval = 5ep, keep = 2)
hook LoggerHook(interval = 10it)
