_base_ = 'base_sgd.py'
import os

work_dir = os.path.join('work_dirs', 'skipped')
classes = [f'class_{i}' for i in range(10)]
tag = f'{len(classes)}-way'


def scale(x):
    return 2 * x


optim_wrapper = dict(optimizer=dict(lr=0.2))
