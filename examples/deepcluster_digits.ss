# After MMSelfSup's DeepCluster recipe (deepcluster_resnet50_8xb64-steplr-200e_in1k):
# SGD with weight decay and no momentum on the head (it is re-initialized after
# every clustering), k-means on the whole training set before training and
# after every epoch, and epochs sampled uniformly over the clusters.
# Scaled down to scikit-learn's digits: 1438 images, so k = 50 clusters
# (ImageNet's 10000 is about one per 128 images) and PCA to 32 dimensions;
# 30 epochs with a step down for the last 10; and a larger lr than ImageNet's
# 0.1, because the freshly re-initialized head has only 23 iterations per
# epoch to learn the new clusters (0.1 leaves the linear probe at about the
# random-init level).
recipe deepcluster_digits

train {
    epochs = 30
    seed   = 0
}

let batch   = 64
let k       = 50
let base_lr = 0.5

model = deepcluster(backbone = "convnet", width = 32, num_classes = k)
data  = digits(batch = batch, augment = true)

optimizer SGD(lr = base_lr, momentum = 0.9, weight_decay = 1e-5) {
    params "head.*" { momentum = 0 }
}

schedule lr {
    [0ep, end)  MultiStepLR(milestones = [20], gamma = 0.1)  per epoch
}

hook DeepClusterHook(clustering = {type: "kmeans", k: k, pca_dim: 32}, unif_sampling = true,
                     reweight = false, reweight_pow = 0.5, initial = true, interval = 1)
hook CheckpointHook(interval = 5ep, keep = 2)
hook LoggerHook(interval = 10it)
