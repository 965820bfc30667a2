"""DeepCluster (Caron et al., 2018), after MMSelfSup 1.x's DeepCluster, on the convnet:

- the backbone's globally average-pooled features (MMSelfSup's AvgPool2dNeck
  is the convnet's own pooling here) go to a linear `head` with one output
  per cluster (`num_classes`, the k of DeepClusterHook's k-means);
- the targets are `pseudo_labels[index]`, the cluster ids DeepClusterHook
  assigned to the batch's samples (`index`: their positions in the training
  split); the true labels `y` are never read;
- the loss is the cross-entropy weighted per class by `loss_weight` (a
  buffer of k values, 1/k each until DeepClusterHook re-weights it by
  inverse cluster size), normalized by the batch's total weight. MMSelfSup
  1.x averages the weighted per-sample losses instead, which with uniform
  weights is the cross-entropy divided by k; the normalized form (MMSelfSup
  0.x's, torch's weighted cross-entropy) keeps the loss, and so the lr that
  suits it, independent of k; `cluster_acc`, the fraction of the batch
  whose prediction is its pseudo-label, is reported with it;
- the head starts, and is re-initialized by the hook after every clustering,
  as MMSelfSup's ClsHead: weights normal with std 0.01, biases zero
  (`ClusterHead.reset_parameters`).

`pseudo_labels` is a buffer, so it is in `state_dict` and checkpoints; it is
empty until the first `assign_labels` (only then is the number of training
samples known) and takes the size of the one a state dict brings.

MMSelfSup's DeepCluster can put a fixed Sobel filter in front of RGB input
(`with_sobel`); on 1-channel digits there is no colour to remove, so sspec
has none.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .convnet import feature_extractor


class ClusterHead(nn.Linear):
    """The linear classifier over the clusters, initialized as MMSelfSup's
    ClsHead (normal, std 0.01; zero bias) whenever it is reset."""

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, std=0.01)
        if self.bias is not None:
            nn.init.zeros_(self.bias)


class DeepCluster(nn.Module):
    def __init__(self, backbone: str, width: int, channels: int, img_size: int, num_classes: int):
        super().__init__()
        self.backbone = feature_extractor("deepcluster", backbone, channels, img_size, width)
        self.feat_dim = self.backbone.feat_dim
        self.num_classes = int(num_classes)
        self.head = ClusterHead(self.feat_dim, self.num_classes)
        self.register_buffer("loss_weight", torch.full((self.num_classes,), 1.0 / self.num_classes))
        self.register_buffer("pseudo_labels", torch.empty(0, dtype=torch.long))

    def features(self, x: Tensor) -> Tensor:
        return self.backbone.features(x)

    @torch.no_grad()
    def assign_labels(self, labels: Tensor) -> None:
        """Make `labels` (one cluster id in [0, num_classes) per training
        sample) the targets of the following steps."""
        labels = torch.as_tensor(labels)
        if labels.dim() != 1 or labels.dtype.is_floating_point:
            raise ValueError(f"deepcluster: pseudo-labels must be a 1-d integer tensor, got "
                             f"{labels.dtype} of shape {tuple(labels.shape)}")
        if len(labels) and not (0 <= int(labels.min()) and int(labels.max()) < self.num_classes):
            raise ValueError(f"deepcluster: pseudo-labels must lie in [0, {self.num_classes}) "
                             f"(`num_classes`), got [{int(labels.min())}, {int(labels.max())}]")
        self.pseudo_labels = labels.to(self.pseudo_labels.device, torch.long).clone()

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the buffer's size is only known once labels exist: take the saved one's
        saved = state_dict.get(prefix + "pseudo_labels")
        if saved is not None and saved.shape != self.pseudo_labels.shape:
            self.pseudo_labels = torch.empty_like(saved, device=self.pseudo_labels.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _targets(self, index: Tensor) -> Tensor:
        if len(self.pseudo_labels) == 0:
            raise ValueError("deepcluster: the samples have no pseudo-labels yet; DeepClusterHook "
                             "(with `initial = true`) must assign them before training")
        if int(index.max()) >= len(self.pseudo_labels):
            raise ValueError(f"deepcluster: a batch holds sample {int(index.max())}, but pseudo-labels "
                             f"were assigned to {len(self.pseudo_labels)} training samples")
        return self.pseudo_labels[index.to(self.pseudo_labels.device)]

    def train_step(self, batch) -> dict:
        if len(batch) < 3:
            raise ValueError("deepcluster: batches must carry the samples' positions `(x, y, index)`; "
                             "its targets are the pseudo-labels of those samples")
        x, index = batch[0], batch[2]
        if isinstance(x, (tuple, list)):  # one view is trained on, as in MMSelfSup
            x = x[0]
        targets = self._targets(index).to(x.device)
        logits = self.head(self.features(x))
        loss = F.cross_entropy(logits, targets, weight=self.loss_weight.to(logits.dtype))
        acc = (logits.detach().argmax(-1) == targets).float().mean().item()
        return {"loss": loss, "cluster_acc": acc}
