# After MMSelfSup's SwAV recipe (swav_resnet50_8xb32-mcrop-2-6-coslr-200e):
# LARS with a cosine lr, 2 views whose codes (Sinkhorn-Knopp assignments to the
# prototypes) the other views predict, SwAVHook starting the feature queue at a
# later epoch and keeping the prototypes frozen for the first iterations.
# Scaled down to scikit-learn's digits: 100 prototypes for 10 classes, a queue
# of 4 batches from epoch 5, and the prototypes frozen for the first epoch
# (MMSelfSup: 3000 prototypes, 3840 queued features from epoch 15, 5005
# iterations, one ImageNet epoch). A 48-wide convnet: at width 32 the
# random-init linear probe is about as good as the trained one.
recipe swav_digits

train {
    epochs = 20
    seed   = 0
}

let batch        = 64
let base_lr      = 0.6
let queue_starts = 5     # epoch from which SwAVHook queues features
let frozen_iters = 22    # the prototypes stay frozen for one epoch (1438 // 64 batches)

model = swav(backbone = "convnet", width = 48, feat_dim = 128, num_prototypes = 100,
             temperature = 0.1, epsilon = 0.05, sinkhorn_iterations = 3, crops_for_assign = [0, 1])
data  = digits(batch = batch, augment = true, views = 2, drop_last = true)

optimizer LARS(lr = base_lr, momentum = 0.9, weight_decay = 1e-6) {
    params norm, bias { decay_mult = 0  lars_exclude = true }
}

schedule lr {
    [0ep, end)  CosineAnnealingLR(eta_min = base_lr * 1e-3)  per iter
}

hook SwAVHook(batch_size = batch, epoch_queue_starts = queue_starts, crops_for_assign = [0, 1], feat_dim = 128,
              queue_length = 4 * batch, frozen_layers_cfg = {prototypes: frozen_iters})  priority VERY_HIGH
hook CheckpointHook(interval = 5ep, keep = 2)
hook LoggerHook(interval = 10it)
