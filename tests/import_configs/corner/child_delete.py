_base_ = 'base_sgd.py'

# replace the whole wrapper: nothing of the SGD settings may leak into Adam
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3))
