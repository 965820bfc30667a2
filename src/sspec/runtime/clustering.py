"""What the clustering hooks share (DeepClusterHook, ODCHook): k-means on
features, the statistics of an assignment, and the loss weights that
counter unequal cluster sizes. numpy and scikit-learn only (no faiss)."""

from __future__ import annotations

import numpy as np

__all__ = ["cluster_sizes", "cluster_stats", "inverse_size_weights", "kmeans"]


def cluster_sizes(labels: np.ndarray, k: int) -> np.ndarray:
    """How many samples each of the `k` clusters holds."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=k)


def cluster_stats(labels: np.ndarray, k: int) -> dict[str, int]:
    """The numbers MMSelfSup's clustering hooks log: empty clusters, the
    smallest and the largest cluster's size."""
    sizes = cluster_sizes(labels, k)
    return {"cluster_empty": int((sizes == 0).sum()), "cluster_min": int(sizes.min()),
            "cluster_max": int(sizes.max())}


def inverse_size_weights(labels: np.ndarray, k: int, power: float) -> np.ndarray:
    """Per-cluster loss weights (1 / size) ** power, normalized to sum to 1
    (an empty cluster gets a huge weight, but no sample carries its label)."""
    sizes = cluster_sizes(labels, k).astype(np.float64)
    inv = (1.0 / (sizes + 1e-10)) ** power
    return (inv / inv.sum()).astype(np.float32)


def kmeans(features: np.ndarray, k: int, pca_dim: int = -1, seed: int | None = 0) -> np.ndarray:
    """Cluster ids (int64) of the rows of `features`, as MMSelfSup's Kmeans
    prepares them: PCA to `pca_dim` dimensions with whitening (-1: none, and
    never more dimensions than the data has), then rows scaled to unit
    length, then k-means (scikit-learn's, `seed` for its initialization)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    x = np.asarray(features, dtype=np.float32)
    if pca_dim != -1:
        dims = min(pca_dim, x.shape[0], x.shape[1])
        x = PCA(n_components=dims, whiten=True, random_state=seed).fit_transform(x).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-10
    km = KMeans(n_clusters=k, n_init=1, random_state=seed, max_iter=20)
    return km.fit_predict(x).astype(np.int64)
