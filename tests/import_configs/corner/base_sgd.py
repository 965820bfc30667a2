# A base: SGD, a cosine over 100 epochs, the runner's own hooks.
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=100)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
