"""ODC, Online Deep Clustering (Zhan et al., 2020), after MMSelfSup 1.x's ODC,
ODCNeck, ClsHead and ODCMemory, on the convnet:

- `backbone` (the convnet; `features` and `feat_dim` are its pooled
  features, for the linear probe), `neck` (ODCNeck: linear → BatchNorm
  without affine, momentum 0.001 → ReLU → dropout 0.5 → linear → ReLU, to
  the recipe's `feat_dim`), `head` (a linear classifier to `num_classes`
  clusters, initialized N(0, 0.01) with a zero bias, also by
  `reset_parameters()`);
- `memory_bank` (ODCMemory below): a feature and a pseudo-label per training
  sample, and one centroid per cluster. DeepClusterHook(init_memory = true)
  fills it before training from `cluster_features` (the neck's output) and
  k-means; ODCHook keeps the centroids and cluster sizes in shape;
- `loss_weight` (a buffer, 1/`num_classes` each until a hook sets it): the
  per-class weights of the cross-entropy. As mmcls's CrossEntropyLoss with
  `class_weight`, the loss is the plain mean over the batch of
  `loss_weight[target] · ce` (not divided by the weights' sum), so it is
  about 1/`num_classes` of an unweighted one.

`train_step((x, y, index))` classifies the batch (the first view when there
are several) against the bank's labels of its samples, `label_bank[index]`;
the true labels `y` are never used. It then updates the bank's entries of
these samples (see `ODCMemory.update_samples_memory`) and reports the
fraction of them whose label changed, `change_ratio`.

Every memory-bank tensor is a buffer, so it is in `state_dict` and in
checkpoints. The bank holds nothing until `init_memory` sizes it to the
training split; loading a state dict resizes it to the saved one, so a
resumed run gets its bank back.

Under several processes every process keeps the whole bank (MMSelfSup keeps
the features on rank 0 only): the batch's features and indices are gathered
from all processes (`sspec.runtime.dist.all_gather_cat`) so every bank sees
the same updates, and what is decided from the bank (centroids, new labels)
is broadcast from rank 0 so the banks cannot drift apart.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..dist import all_gather_cat, broadcast_
from .convnet import feature_extractor

EPS = 1e-10  # MMSelfSup's guard against dividing by a zero norm


def _normalized(x: Tensor) -> Tensor:
    return x / (x.norm(dim=1, keepdim=True) + EPS)


class ODCNeck(nn.Module):
    """Pooled backbone features → the features the memory bank stores."""

    def __init__(self, in_dim: int, hid: int, out: int):
        super().__init__()
        self.fc0 = nn.Linear(in_dim, hid)
        # MMSelfSup's tiny BN momentum: the running statistics barely move
        self.bn0 = nn.BatchNorm1d(hid, momentum=0.001, affine=False)
        self.dropout = nn.Dropout(0.5)
        self.fc1 = nn.Linear(hid, out)

    def forward(self, x: Tensor) -> Tensor:
        x = self.dropout(F.relu(self.bn0(self.fc0(x))))
        return F.relu(self.fc1(x))


class ClsHead(nn.Linear):
    """MMSelfSup's ClsHead: one linear layer, initialized N(0, 0.01) with a
    zero bias; DeepClusterHook's `reset_parameters()` does the same."""

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, 0.0, 0.01)
        nn.init.zeros_(self.bias)


class ODCMemory(nn.Module):
    """One L2-normalized feature (`feature_bank`, (N, D)) and one cluster id
    (`label_bank`, (N,)) per training sample, and the clusters' centroids
    (`centroids`, (K, D): the mean of their members' features, not
    normalized). Empty until `init_memory`."""

    def __init__(self, feat_dim: int, num_classes: int, momentum: float, min_cluster: int):
        super().__init__()
        self.feat_dim, self.num_classes = int(feat_dim), int(num_classes)
        self.momentum, self.min_cluster = float(momentum), int(min_cluster)
        self.register_buffer("feature_bank", torch.zeros(0, feat_dim))
        self.register_buffer("label_bank", torch.zeros(0, dtype=torch.long))
        self.register_buffer("centroids", torch.zeros(num_classes, feat_dim))

    @property
    def initialized(self) -> bool:
        return self.feature_bank.shape[0] > 0

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the bank is sized by init_memory: take the saved size before loading
        for name in ("feature_bank", "label_bank"):
            saved = state_dict.get(prefix + name)
            mine = getattr(self, name)
            if saved is not None and saved.shape != mine.shape:
                setattr(self, name, torch.zeros(saved.shape, dtype=mine.dtype, device=mine.device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ------------------------------------------------------------ filling

    @torch.no_grad()
    def init_memory(self, features: Tensor, labels: Tensor) -> None:
        """Features (N, D) and cluster ids (N,) of the whole training split;
        every one of the `num_classes` clusters must have a member."""
        features = torch.as_tensor(features, dtype=torch.float32)
        labels = torch.as_tensor(labels, dtype=torch.long)
        if features.dim() != 2 or features.shape[1] != self.feat_dim or labels.shape != features.shape[:1]:
            raise ValueError(f"odc: init_memory needs features (N, {self.feat_dim}) and labels (N,), "
                             f"got {tuple(features.shape)} and {tuple(labels.shape)}")
        if len(labels) and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(f"odc: init_memory needs cluster ids in 0..{self.num_classes - 1} "
                             f"(the model's num_classes), got {int(labels.min())}..{int(labels.max())}")
        sizes = torch.bincount(labels.cpu(), minlength=self.num_classes)
        if (sizes == 0).any():
            raise ValueError(f"odc: init_memory needs every cluster to have a member; "
                             f"{int((sizes == 0).sum())} of the {self.num_classes} clusters are empty")
        device = self.centroids.device
        self.feature_bank = _normalized(features).to(device)
        self.label_bank = labels.clone().to(device)
        self.update_centroids_memory()

    def assign_labels(self, labels: Tensor) -> None:
        """Replace every sample's cluster id (one per training sample)."""
        labels = torch.as_tensor(labels, dtype=torch.long).to(self.centroids.device)
        if self.initialized and labels.shape != self.label_bank.shape:
            raise ValueError(f"odc: {len(labels)} labels for a memory bank of {len(self.label_bank)} samples")
        self.label_bank = labels.clone()

    def _check_initialized(self) -> None:
        if not self.initialized:
            raise ValueError("odc: the memory bank was never initialized; the recipe needs "
                             "`hook DeepClusterHook(..., init_memory = true, initial = true)` "
                             "to fill it before training")

    # ------------------------------------------------------------ updates

    @torch.no_grad()
    def update_samples_memory(self, index: Tensor, features: Tensor) -> float:
        """Move the bank features of samples `index` by `momentum` toward
        their new (normalized) `features`, renormalize, and relabel each with
        its most similar centroid (dot product). Returns the fraction of the
        samples whose label changed."""
        self._check_initialized()
        index = all_gather_cat(index.to(self.label_bank.device))
        features = all_gather_cat(_normalized(features.float()))
        mixed = (1 - self.momentum) * self.feature_bank[index] + self.momentum * features
        updated = broadcast_(_normalized(mixed))
        self.feature_bank[index] = updated
        new_labels = (updated @ self.centroids.T).argmax(dim=1)
        change_ratio = float((new_labels != self.label_bank[index]).float().mean())
        self.label_bank[index] = new_labels
        return change_ratio

    @torch.no_grad()
    def update_centroids_memory(self, clusters: list[int] | None = None) -> None:
        """Centroids of `clusters` (default: all) recomputed as their members'
        mean feature; an empty cluster keeps its centroid."""
        self._check_initialized()
        wanted = range(self.num_classes) if clusters is None else clusters
        for c in wanted:
            members = self.label_bank == c
            if members.any():
                self.centroids[c] = self.feature_bank[members].mean(dim=0)
        broadcast_(self.centroids)

    @torch.no_grad()
    def deal_with_small_clusters(self) -> None:
        """Clusters with fewer than `min_cluster` members (empty ones too) are
        emptied: each member moves to its most similar centroid among the
        clusters that are not small. Then each emptied cluster, in turn,
        takes half of the largest cluster (see `_split_largest_into`)."""
        self._check_initialized()
        sizes = torch.bincount(self.label_bank, minlength=self.num_classes)
        small = torch.nonzero(sizes < self.min_cluster).flatten()
        if len(small) == 0:
            return
        if len(small) == self.num_classes:
            raise ValueError(f"odc: every cluster has fewer than min_cluster = {self.min_cluster} "
                               f"samples; lower `min_cluster` or `num_classes`")
        keep = torch.ones(self.num_classes, dtype=torch.bool, device=sizes.device)
        keep[small] = False
        kept = torch.nonzero(keep).flatten()
        for s in small.tolist():
            members = torch.nonzero(self.label_bank == s).flatten()
            if len(members):
                nearest = (self.feature_bank[members] @ self.centroids[kept].T).argmax(dim=1)
                self.label_bank[members] = kept[nearest]
        for s in small.tolist():
            self._split_largest_into(s)
        broadcast_(self.label_bank)

    def _split_largest_into(self, empty: int) -> None:
        """The largest cluster is split in two by 2-means on its features
        (scikit-learn, seed 0, at most 20 iterations, as MMSelfSup); the second part
        becomes cluster `empty`, and both centroids are recomputed. Should
        2-means leave a side empty, the split is a random half, drawn from a
        generator seeded with the two cluster ids and the size (so a resumed
        run splits the same way)."""
        from sklearn.cluster import KMeans
        from sklearn.exceptions import ConvergenceWarning

        if (self.label_bank == empty).any():
            raise RuntimeError(f"odc: cluster {empty} should be empty before it is refilled")
        largest = int(torch.bincount(self.label_bank, minlength=self.num_classes).argmax())
        members = torch.nonzero(self.label_bank == largest).flatten()
        if len(members) < 2:
            raise ValueError(f"odc: cannot split the largest cluster ({len(members)} sample) to refill "
                               f"cluster {empty}; lower `num_classes`")
        feats = self.feature_bank[members].cpu().numpy().astype(np.float64)
        if not np.isfinite(feats).all():
            raise RuntimeError("odc: the memory bank holds NaN or infinite features")
        # one k-means++ start (scikit-learn's default today; MMSelfSup's then was 10): the starts
        # only choose among local optima, and ten make a split, run up to every iteration, 8x slower
        with warnings.catch_warnings():  # identical features: one side only, handled below
            warnings.simplefilter("ignore", ConvergenceWarning)
            sides = KMeans(n_clusters=2, random_state=0, max_iter=20, n_init=1).fit(feats).labels_
        second = members[torch.from_numpy(sides == 1).to(members.device)]
        if len(second) in (0, len(members)):
            rng = np.random.default_rng([largest, empty, len(members)])
            picked = np.sort(rng.choice(len(members), len(members) - len(members) // 2, replace=False))
            second = members[torch.from_numpy(picked).to(members.device)]
        self.label_bank[second] = empty
        self.update_centroids_memory([largest, empty])


class ODC(nn.Module):
    def __init__(self, backbone: str, width: int, channels: int, img_size: int, feat_dim: int,
                 num_classes: int, memory_momentum: float, min_cluster: int):
        super().__init__()
        self.backbone = feature_extractor("odc", backbone, channels, img_size, width)
        hid = self.backbone.feat_dim
        self.feat_dim = hid
        self.proj_dim = feat_dim
        self.num_classes = int(num_classes)
        self.neck = ODCNeck(hid, hid, feat_dim)
        self.head = ClsHead(feat_dim, num_classes)
        self.memory_bank = ODCMemory(feat_dim, num_classes, memory_momentum, min_cluster)
        self.register_buffer("loss_weight", torch.full((num_classes,), 1.0 / num_classes))

    def features(self, x: Tensor) -> Tensor:
        return self.backbone.features(x)

    def cluster_features(self, x: Tensor) -> Tensor:
        """What the memory bank stores: the neck's output (not normalized)."""
        return self.neck(self.features(x))

    def assign_labels(self, labels: Tensor) -> None:
        self.memory_bank.assign_labels(labels)

    def train_step(self, batch) -> dict:
        x, index = batch[0], batch[2]
        if isinstance(x, (tuple, list)):
            x = x[0]
        self.memory_bank._check_initialized()
        feature = self.cluster_features(x)
        targets = self.memory_bank.label_bank[index.to(self.memory_bank.label_bank.device)]
        loss = F.cross_entropy(self.head(feature), targets, weight=self.loss_weight, reduction="none").mean()
        change_ratio = self.memory_bank.update_samples_memory(index, feature.detach())
        return {"loss": loss, "change_ratio": change_ratio}
