# A second base: hooks only.
default_hooks = dict(logger=dict(type='LoggerHook', interval=20),
                     checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
custom_hooks = [dict(type='EMAHook', momentum=0.0001, priority=49)]
