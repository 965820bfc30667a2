_base_ = [
    '../_base_/models/densecl.py',
    '../_base_/datasets/imagenet_mocov2.py',
    '../_base_/schedules/sgd_coslr-200e_in1k.py',
    '../_base_/default_runtime.py',
]

find_unused_parameters = True

# DenseCL's warm-up of the dense loss: loss_lambda stays 0 for the first 1000
# iterations. (MMSelfSup ships DenseCLHook; its released config does not list it.)
custom_hooks = [dict(type='DenseCLHook', start_iters=1000)]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))  # the newest 3
