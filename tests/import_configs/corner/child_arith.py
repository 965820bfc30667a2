_base_ = 'base_sgd.py'

# names of this file, names of the bases through _base_, constant arithmetic
batch = 64
gpus = 8
base_lr = 0.1 * batch * gpus / 256
max_epochs = _base_.train_cfg.max_epochs // 2
warmup = max_epochs // 10

optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=1e-4 * 5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1 / 3, by_epoch=True, begin=0, end=warmup,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup, eta_min=base_lr * 1e-2,
         by_epoch=True, begin=warmup, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval={{_base_.train_cfg.max_epochs}} // 20))
