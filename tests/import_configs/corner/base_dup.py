# Defines train_cfg again: clashes with base_sgd.py in one _base_ list.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50)
