# After MMSelfSup's ODC recipe (odc_resnet50_8xb64-steplr-440e_in1k): SGD with a
# step lr and no momentum for the head; DeepClusterHook clusters the training
# set once before training (k-means without PCA) to fill the memory bank, and
# ODCHook then keeps the clusters online: small clusters every iteration,
# cluster sizes logged every 50 iterations.
# Scaled down to scikit-learn's digits: 30 clusters of 1438 images. The class
# weights sum to 1, so the loss is about 1/30 of a plain cross-entropy (1/10000
# in MMSelfSup's recipe): hence a much larger lr than its 0.06 per 64 images
# (3.0 here is about a plain cross-entropy's 0.1; at 0.5 the loss barely moves
# off ln(30)/30). MMSelfSup's memory momentum 0.5 and centroids every 10
# iterations relabel 60-90% of each batch at every step on a data set this
# small, so the head chases noise: momentum 0.1 and centroids once an epoch
# (23 iterations) keep the labels stable enough to learn. 10 epochs, the lr
# stepped down for the last 2: 20 to 40 leave the probe lower on some seeds.
recipe odc_digits

train {
    epochs = 10
    seed   = 0
}

let batch    = 64
let clusters = 30
let base_lr  = 3.0 * batch / 64

model = odc(backbone = "convnet", width = 32, feat_dim = 128, num_classes = clusters,
            memory_momentum = 0.1, min_cluster = 20)
data  = digits(batch = batch, augment = true)

optimizer SGD(lr = base_lr, momentum = 0.9, weight_decay = 1e-5) {
    params "head.*" { momentum = 0 }
}

schedule lr {
    [0ep, end)  MultiStepLR(milestones = [8], gamma = 0.4)  per epoch
}

hook DeepClusterHook(clustering = {type: "kmeans", k: clusters, pca_dim: -1}, unif_sampling = false,
                     reweight = true, reweight_pow = 0.5, init_memory = true, initial = true,
                     interval = 1_000_000)
hook ODCHook(centroids_update_interval = 23, deal_with_small_clusters_interval = 1,
             evaluate_interval = 50, reweight = true, reweight_pow = 0.5)
hook CheckpointHook(interval = 5ep, keep = 2)
hook LoggerHook(interval = 50it)
