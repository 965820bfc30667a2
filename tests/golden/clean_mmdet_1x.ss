# expect:
# MMDetection's 1x schedule (schedule_1x.py): SGD at 0.02, a linear warm-up over
# the first 500 iterations stacked on a step decay at epochs 8 and 11.
# MMEngine multiplies the two schedulers where they overlap; `stack` says so.
# The detector itself is out of scope here: a small convnet stands in for it.
recipe mmdet_1x

train { epochs = 12  iters_per_epoch = 7330 }

model = convnet(channels = 3, width = 32, num_classes = 80, img_size = 32)
data  = synthetic_images(n = 117_280, size = 32, batch = 16, num_classes = 80)

optimizer SGD(lr = 0.02, momentum = 0.9, weight_decay = 1e-4)

schedule lr {
    stack {
        [0it, 500it)  LinearLR(start_factor = 0.001)                  per iter
        [0ep, 12ep)   MultiStepLR(milestones = [8, 11], gamma = 0.1)  per epoch
    }
}

hook CheckpointHook(interval = 1ep)      # MMDetection's default: every epoch
hook LoggerHook(interval = 50it)
