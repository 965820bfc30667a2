# expect: W503@7:19
recipe lars_exclude_without_lars
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9) {
    params bias { lars_exclude = true }
}
