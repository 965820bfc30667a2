# expect: E301@5:9 E301@6:11 E301@8:18 E301@10:6
recipe e301_unknown_component
train { epochs = 12  iters_per_epoch = 8 }
data = synthetic_images(n = 512, batch = 64)
model = mlpp()
optimizer SDG(lr = 0.1)
schedule lr {
    [0ep, 12ep)  CosineAnealingLR()  per iter
}
hook CheckpointHok(interval = 1ep)
