# DenseCL: a ResNet-50 with a global and a dense projection head, MoCo-style queue.
model = dict(
    type='DenseCL',
    queue_len=65536,
    feat_dim=128,
    momentum=0.999,
    loss_lambda=0.5,
    data_preprocessor=dict(mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375),
                           bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=50, in_channels=3, out_indices=[4],
                  norm_cfg=dict(type='BN')),
    neck=dict(type='DenseCLNeck', in_channels=2048, hid_channels=2048, out_channels=128,
              num_grid=None),
    head=dict(type='ContrastiveHead', loss=dict(type='mmcls.CrossEntropyLoss'),
              temperature=0.2),
)
