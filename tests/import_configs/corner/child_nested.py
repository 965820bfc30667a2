_base_ = 'base_sgd.py'

# only the lr changes; type, momentum and weight decay come from the base
optim_wrapper = dict(optimizer=dict(lr=0.4))
train_cfg = dict(max_epochs=100)
