"""DenseCL (Wang et al., 2021), after MMSelfSup's DenseCL, on the convnet:

- a query encoder (`backbone`, `neck`) and a key encoder (`key_backbone`,
  `key_neck`) updated as an exponential moving average of it
  (`key = momentum * key + (1 - momentum) * query`) before each step; the
  key encoder's tensors are buffers, so they are in `state_dict` (and
  checkpoints) and never reach the optimizer;
- the neck (DenseCLNeck): a global MLP on the pooled features and a dense
  1x1-conv MLP on the feature map, plus the pooled dense projection;
- two queues of `queue_len` negative keys (`queue`, `queue2`, with their
  pointers), also buffers;
- the global InfoNCE loss (query vs. its key and the queue) and the dense
  one: each query location's positive is the key location whose backbone
  feature is most similar; negatives are the dense queue, which holds each
  key image's mean dense projection;
- loss = (1 - loss_lambda) · global + loss_lambda · dense, `loss_lambda` a
  plain attribute (DenseCLHook writes it), reported in the metrics.

Single process: no shuffle-BN (MMSelfSup's needs several GPUs); the key
encoder's BatchNorm runs in train mode on the key batch.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .convnet import feature_extractor
from .simsiam import two_views


def as_buffers(module: nn.Module) -> nn.Module:
    """`module` with every parameter turned into a buffer of the same name."""
    for m in module.modules():
        for name, p in list(m._parameters.items()):
            del m._parameters[name]
            m.register_buffer(name, None if p is None else p.detach().clone())
    return module


class DenseCLNeck(nn.Module):
    def __init__(self, in_dim: int, hid: int, out: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hid), nn.ReLU(inplace=True), nn.Linear(hid, out))
        self.mlp2 = nn.Sequential(nn.Conv2d(in_dim, hid, 1), nn.ReLU(inplace=True), nn.Conv2d(hid, out, 1))

    def forward(self, fmap: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(global (B, out), dense grid (B, out, S²), pooled dense (B, out))."""
        g = self.mlp(fmap.mean((2, 3)))
        d = self.mlp2(fmap).flatten(2)
        return g, d, d.mean(2)


class DenseCL(nn.Module):
    def __init__(self, backbone: str, width: int, channels: int, img_size: int, feat_dim: int,
                 queue_len: int, momentum: float, temperature: float, loss_lambda: float):
        super().__init__()
        self.backbone = feature_extractor("densecl", backbone, channels, img_size, width)
        hid = self.backbone.feat_dim
        self.feat_dim = hid
        self.proj_dim = feat_dim
        self.neck = DenseCLNeck(hid, hid, feat_dim)
        self.key_backbone = as_buffers(copy.deepcopy(self.backbone))
        self.key_neck = as_buffers(copy.deepcopy(self.neck))
        self.queue_len = int(queue_len)
        self.momentum = float(momentum)
        self.temperature = float(temperature)
        self.loss_lambda = float(loss_lambda)
        self.register_buffer("queue", F.normalize(torch.randn(feat_dim, queue_len), dim=0))
        self.register_buffer("queue_ptr", torch.zeros((), dtype=torch.long))
        self.register_buffer("queue2", F.normalize(torch.randn(feat_dim, queue_len), dim=0))
        self.register_buffer("queue2_ptr", torch.zeros((), dtype=torch.long))

    def _fmap(self, net: nn.Module, x: Tensor) -> Tensor:
        from .base import check_images

        check_images(x, net.channels, net.img_size, "densecl")
        for layer in net.layers:
            x = layer(x)
        return x

    def features(self, x: Tensor) -> Tensor:
        return self.backbone.features(x)

    @torch.no_grad()
    def _momentum_update(self) -> None:
        for q, k in ((self.backbone, self.key_backbone), (self.neck, self.key_neck)):
            kb = dict(k.named_buffers())
            for name, p in q.named_parameters():
                kb[name].mul_(self.momentum).add_(p.detach(), alpha=1 - self.momentum)

    @torch.no_grad()
    def _enqueue(self, queue: Tensor, ptr: Tensor, keys: Tensor) -> None:
        n = len(keys)
        if n >= self.queue_len:
            queue.copy_(keys[-self.queue_len:].T)
            ptr.zero_()
            return
        idx = (int(ptr) + torch.arange(n, device=queue.device)) % self.queue_len
        queue[:, idx] = keys.T.to(queue.dtype)
        ptr.fill_((int(ptr) + n) % self.queue_len)

    def _infonce(self, pos: Tensor, neg: Tensor) -> Tensor:
        logits = torch.cat([pos[:, None], neg], 1) / self.temperature
        return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long, device=logits.device))

    def train_step(self, batch) -> dict:
        im_q, im_k = two_views(batch)
        q_fmap = self._fmap(self.backbone, im_q)
        q, q_grid, _ = self.neck(q_fmap)
        q_b = F.normalize(q_fmap.flatten(2), dim=1)      # (B, C, S²)
        q = F.normalize(q, dim=1)
        q_grid = F.normalize(q_grid, dim=1)             # (B, D, S²)

        with torch.no_grad():
            if self.training:
                self._momentum_update()
            k_fmap = self._fmap(self.key_backbone, im_k)
            k, k_grid, k2 = self.key_neck(k_fmap)
            k_b = F.normalize(k_fmap.flatten(2), dim=1)
            k = F.normalize(k, dim=1)
            k2 = F.normalize(k2, dim=1)
            k_grid = F.normalize(k_grid, dim=1)
            # each query location's positive: the most similar key location
            match = torch.einsum("bcs,bct->bst", q_b.detach(), k_b).argmax(2)   # (B, S²)
            k_matched = torch.gather(k_grid, 2, match[:, None, :].expand_as(k_grid))

        loss_global = self._infonce((q * k).sum(1), q @ self.queue.clone().detach())
        d = q_grid.shape[1]
        q_dense = q_grid.permute(0, 2, 1).reshape(-1, d)                # (B·S², D)
        pos_dense = (q_grid * k_matched).sum(1).reshape(-1)
        loss_dense = self._infonce(pos_dense, q_dense @ self.queue2.clone().detach())
        lam = float(self.loss_lambda)
        loss = (1 - lam) * loss_global + lam * loss_dense

        if self.training:
            self._enqueue(self.queue, self.queue_ptr, k)
            self._enqueue(self.queue2, self.queue2_ptr, k2)
        return {"loss": loss, "loss_global": float(loss_global.detach()),
                "loss_dense": float(loss_dense.detach()), "loss_lambda": lam}
