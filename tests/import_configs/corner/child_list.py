_base_ = ['base_sgd.py', 'base_hooks.py']
