"""SimSiam (Chen & He, 2021), after MMSelfSup's SimSiam: a convnet backbone,
a projector MLP (its last BatchNorm without affine), a bottleneck predictor
(`predictor.*`, whose lr SimSiamHook keeps fixed), and the symmetric negative
cosine loss with a stop-gradient on the target branch.

`features(x)` is the backbone's pooled features; `feat_dim` is their size
(4·`width`); the projector's output size is `proj_dim` (the recipe's
`feat_dim` argument).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .convnet import feature_extractor


def two_views(batch) -> tuple[Tensor, Tensor]:
    """The two views of a batch; a single view is used twice."""
    x = batch[0]
    if isinstance(x, (tuple, list)):
        if len(x) < 2:
            return x[0], x[0]
        return x[0], x[1]
    return x, x


class SimSiam(nn.Module):
    def __init__(self, backbone: str, width: int, channels: int, img_size: int,
                 feat_dim: int, pred_dim: int):
        super().__init__()
        self.backbone = feature_extractor("simsiam", backbone, channels, img_size, width)
        hid = self.backbone.feat_dim
        self.feat_dim = hid
        self.proj_dim = feat_dim
        self.projector = nn.Sequential(
            nn.Linear(hid, hid, bias=False), nn.BatchNorm1d(hid), nn.ReLU(inplace=True),
            nn.Linear(hid, hid, bias=False), nn.BatchNorm1d(hid), nn.ReLU(inplace=True),
            nn.Linear(hid, feat_dim, bias=False), nn.BatchNorm1d(feat_dim, affine=False),
        )
        self.predictor = nn.Sequential(
            nn.Linear(feat_dim, pred_dim, bias=False), nn.BatchNorm1d(pred_dim), nn.ReLU(inplace=True),
            nn.Linear(pred_dim, feat_dim),
        )

    def features(self, x: Tensor) -> Tensor:
        return self.backbone.features(x)

    def train_step(self, batch) -> dict:
        x1, x2 = two_views(batch)
        z = self.projector(self.features(torch.cat([x1, x2])))
        p = self.predictor(z)
        z1, z2 = z.chunk(2)
        p1, p2 = p.chunk(2)
        loss = 0.5 * (-F.cosine_similarity(p1, z2.detach(), dim=-1).mean()
                      - F.cosine_similarity(p2, z1.detach(), dim=-1).mean())
        return {"loss": loss}
