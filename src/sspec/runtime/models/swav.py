"""SwAV (Caron et al., 2020), after MMSelfSup 1.x's SwAV (algorithm, SwAVNeck,
SwAVLoss), on the convnet:

- every view of a batch goes through the backbone and the neck (SwAVNeck:
  linear-BatchNorm-ReLU-linear to `proj_dim`, the recipe's `feat_dim`, then
  L2-normalized): the embeddings z;
- `prototypes`, a bias-free linear layer whose weight rows are renormalized
  to unit length (in place, without gradient) before every step, scores each
  embedding against every prototype: cosine similarities;
- the views listed in `crops_for_assign` get codes q: the Sinkhorn-Knopp
  solution (`sinkhorn`) of their detached scores, an assignment of the
  batch to the prototypes that is as even as `epsilon` allows;
- swapped prediction: every other view predicts a view's code,
  loss = mean over assigned views c of the mean over views v != c of
  cross-entropy(q_c, softmax(scores_v / temperature)).

Multi-crop: all views of the batch take part; the digits data gives views of
one size, so MMSelfSup's grouping of crops by resolution is not needed. A
batch with a single view uses it twice, as two views.

The queue (MMSelfSup's SwAVLoss): `queue` is None, or a tensor
(len(crops_for_assign), rows, proj_dim) that SwAVHook hands to the model.
In every step, for the i-th assigned view: once the queue holds features
(its last row non-zero, after which `use_queue` stays on), the scores of the
queued embeddings are put before the batch's, so the codes are balanced over
more samples than one batch; then the queue shifts by the batch size and its
first rows take the view's newest embeddings (detached). The queue is a plain
attribute, not a buffer: it starts as None and belongs to the hook, which
keeps it in checkpoints. `queue_used` (0/1) reports whether this step used it.

`features(x)` is the backbone's pooled features; `feat_dim` is their size
(4·`width`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import dist
from .convnet import feature_extractor

NUMERIC_FLOOR = 1e-12  # added to the codes when a prototype's total underflows to 0


@torch.no_grad()
def sinkhorn(scores: Tensor, iterations: int, epsilon: float) -> Tensor:
    """Sinkhorn-Knopp codes (B, K) of the scores (B, K) of B samples against K
    prototypes, over all processes: exp(scores / epsilon), then alternately
    every prototype's total set to 1/K and every sample's to 1/B_total
    (B_total the samples of all processes); in the result each sample's code
    sums to 1 and each prototype gets about B_total/K of the mass.

    Sums over samples are all-reduced, as in MMSelfSup's distributed_sinkhorn
    and facebookresearch/swav's. (MMSelfSup all-reduces a prototype's total
    only when one underflowed to 0; here it always is, as in the original,
    which is what an even assignment over all processes needs.)

    For stability the largest score of all processes is subtracted before
    the exponential (which the first normalization cancels): exp(1 / epsilon)
    overflows float32 for epsilon < 0.0113. Computed in float32.
    """
    scores = scores.float()
    top = dist.all_gather_cat(scores.max().reshape(1)).max()
    q = torch.exp((scores - top) / epsilon).t()  # (K, B)
    k = q.shape[0]
    b = q.shape[1] * dist.world()[1]
    q /= dist.all_reduce_sum_(q.sum())
    for _ in range(iterations):
        per_prototype = q.sum(dim=1, keepdim=True)
        if bool((per_prototype == 0).any()):
            q += NUMERIC_FLOOR
            per_prototype = q.sum(dim=1, keepdim=True)
        q /= dist.all_reduce_sum_(per_prototype)
        q /= k
        q /= q.sum(dim=0, keepdim=True)
        q /= b
    return (q * b).t()


def views_of(batch) -> list[Tensor]:
    """The views of a batch: its tuple of views, or one view used twice."""
    x = batch[0]
    if isinstance(x, (tuple, list)):
        return list(x) if len(x) > 1 else [x[0], x[0]]
    return [x, x]


class SwAVNeck(nn.Module):
    """Linear-BatchNorm-ReLU-linear, then L2 normalization."""

    def __init__(self, in_dim: int, hid: int, out: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hid), nn.BatchNorm1d(hid), nn.ReLU(inplace=True),
                                 nn.Linear(hid, out))

    def forward(self, x: Tensor) -> Tensor:
        return F.normalize(self.mlp(x), dim=1)


class SwAV(nn.Module):
    # SwAVHook freezes the prototypes for the first iterations: under
    # DistributedDataParallel those steps leave parameters without gradients
    find_unused_parameters = True

    def __init__(self, backbone: str, width: int, channels: int, img_size: int, feat_dim: int,
                 num_prototypes: int, temperature: float, epsilon: float, sinkhorn_iterations: int,
                 crops_for_assign=(0, 1)):
        super().__init__()
        if not crops_for_assign:
            raise ValueError("swav: `crops_for_assign` must name at least one view")
        self.backbone = feature_extractor("swav", backbone, channels, img_size, width)
        hid = self.backbone.feat_dim
        self.feat_dim = hid
        self.proj_dim = feat_dim
        self.neck = SwAVNeck(hid, hid, feat_dim)
        self.prototypes = nn.Linear(feat_dim, num_prototypes, bias=False)
        self.temperature = float(temperature)
        self.epsilon = float(epsilon)
        self.sinkhorn_iterations = int(sinkhorn_iterations)
        self.crops_for_assign = [int(c) for c in crops_for_assign]
        self.queue: Tensor | None = None  # SwAVHook's
        self.use_queue = False

    def features(self, x: Tensor) -> Tensor:
        return self.backbone.features(x)

    @torch.no_grad()
    def _normalize_prototypes(self) -> None:
        self.prototypes.weight.copy_(F.normalize(self.prototypes.weight, dim=1))

    @torch.no_grad()
    def _codes(self, i: int, scores: Tensor, embedding: Tensor) -> Tensor:
        """Codes of one assigned view (its scores (B, K) and embeddings (B, D)),
        with the i-th queue's scores in front once it is full; then enqueue."""
        queue = self.queue
        if queue is not None:
            if self.use_queue or bool(queue[i, -1].any()):
                self.use_queue = True
                scores = torch.cat([queue[i] @ self.prototypes.weight.t().to(queue.dtype), scores.to(queue.dtype)])
            n = min(len(embedding), queue.shape[1])
            if n < queue.shape[1]:
                queue[i, n:] = queue[i, :-n].clone()
            queue[i, :n] = embedding[:n].to(queue.dtype)
        return sinkhorn(scores, self.sinkhorn_iterations, self.epsilon)[-len(embedding):]

    def train_step(self, batch) -> dict:
        views = views_of(batch)
        bad = [c for c in self.crops_for_assign if c >= len(views)]
        if bad:
            raise ValueError(f"swav: `crops_for_assign` names view {bad[0]}, but the data gives "
                             f"{len(views)} views per sample (its `views`)")
        bs, n_views = len(views[0]), len(views)
        self._normalize_prototypes()
        z = self.neck(self.features(torch.cat(views)))
        scores = self.prototypes(z)
        log_p = F.log_softmax(scores / self.temperature, dim=1).split(bs)
        used = False
        loss = scores.new_zeros(())
        for i, crop in enumerate(self.crops_for_assign):
            part = slice(crop * bs, (crop + 1) * bs)
            q = self._codes(i, scores[part].detach(), z[part].detach())
            used = used or self.use_queue
            predicted = [-(q * log_p[v]).sum(dim=1).mean() for v in range(n_views) if v != crop]
            loss = loss + torch.stack(predicted).mean()
        loss = loss / len(self.crops_for_assign)
        return {"loss": loss, "queue_used": float(used)}
