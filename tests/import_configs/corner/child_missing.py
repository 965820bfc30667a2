_base_ = [
    'base_sgd.py',
    'no_such_base.py',
]
