_base_ = [
    '../_base_/models/simsiam.py',
    '../_base_/datasets/imagenet_mocov2.py',
    '../_base_/schedules/sgd_coslr-200e_in1k.py',
    '../_base_/default_runtime.py',
]

# the base learning rate, shared by the optimizer and the hook
lr = 0.05

# the predictor keeps a fixed lr (the `fix_lr` groups below)
custom_hooks = [dict(type='SimSiamHook', priority='HIGH', fix_pred_lr=True, lr=lr)]

optimizer = dict(type='SGD', lr=lr, weight_decay=1e-4, momentum=0.9)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=optimizer,
    paramwise_cfg=dict(custom_keys={'predictor': dict(fix_lr=True)}))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))  # the newest 3
