_base_ = 'base_sgd.py'

# Re-assigning the helper variable changes nothing: optim_wrapper (from the base)
# still holds the base's optimizer.
optimizer = dict(type='SGD', lr=0.8, momentum=0.9, weight_decay=5e-4)
