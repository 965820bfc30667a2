# SimSiam: a ResNet-50, a 3-layer projector and a bottleneck predictor.
model = dict(
    type='SimSiam',
    data_preprocessor=dict(mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375),
                           bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=50, in_channels=3, out_indices=[4],
                  norm_cfg=dict(type='SyncBN'), zero_init_residual=True),
    neck=dict(type='NonLinearNeck', in_channels=2048, hid_channels=2048, out_channels=2048,
              num_layers=3, with_last_bn_affine=False, with_avg_pool=True),
    head=dict(
        type='LatentPredictHead',
        loss=dict(type='CosineSimilarityLoss'),
        predictor=dict(type='NonLinearNeck', in_channels=2048, hid_channels=512,
                       out_channels=2048, with_avg_pool=False, with_last_bn=False,
                       with_last_bias=True)),
)
