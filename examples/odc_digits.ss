# After MMSelfSup's ODC recipe (odc_resnet50_8xb64-steplr-440e_in1k): SGD with a
# step lr and no momentum for the head; DeepClusterHook clusters the training
# set once before training (k-means without PCA) to fill the memory bank, and
# ODCHook then keeps the clusters online: centroids every 10 iterations, small
# clusters every iteration, cluster sizes logged every 50 iterations.
# Scaled down to scikit-learn's digits: 30 clusters of 1438 images. The class
# weights sum to 1, so the loss is about 1/30 of a plain cross-entropy (1/10000
# in MMSelfSup's recipe): hence a larger lr than its 0.06 per 64 images.
recipe odc_digits

train {
    epochs = 20
    seed   = 0
}

let batch    = 64
let clusters = 30
let base_lr  = 0.5 * batch / 64

model = odc(backbone = "convnet", width = 32, feat_dim = 128, num_classes = clusters,
            memory_momentum = 0.5, min_cluster = 20)
data  = digits(batch = batch, augment = true)

optimizer SGD(lr = base_lr, momentum = 0.9, weight_decay = 1e-5) {
    params "head.*" { momentum = 0 }
}

schedule lr {
    [0ep, end)  MultiStepLR(milestones = [16], gamma = 0.4)  per epoch
}

hook DeepClusterHook(clustering = {type: "kmeans", k: clusters, pca_dim: -1}, unif_sampling = false,
                     reweight = true, reweight_pow = 0.5, init_memory = true, initial = true,
                     interval = 1_000_000)
hook ODCHook(centroids_update_interval = 10, deal_with_small_clusters_interval = 1,
             evaluate_interval = 50, reweight = true, reweight_pow = 0.5)
hook CheckpointHook(interval = 5ep, keep = 2)
hook LoggerHook(interval = 50it)
