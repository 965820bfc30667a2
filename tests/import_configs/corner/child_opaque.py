_base_ = 'base_sgd.py'

# the lr comes from a call the importer does not run
optim_wrapper = dict(optimizer=dict(lr=round(0.123, 2)))
