# SGD with a cosine decay over 200 epochs, stepped once an epoch.
optimizer = dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)

param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=200, by_epoch=True, begin=0, end=200),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
