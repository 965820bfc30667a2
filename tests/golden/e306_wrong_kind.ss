# expect: E306@6:11 E306@8:18 E306@10:6
recipe e306_wrong_kind
train { epochs = 12  iters_per_epoch = 8 }
model = mlp()
data = synthetic_images(n = 512, batch = 64)
optimizer LinearLR(start_factor = 0.1)
schedule lr {
    [0ep, 12ep)  SGD()  per iter
}
hook AdamW()
