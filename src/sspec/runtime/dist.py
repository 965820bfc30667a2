"""The collective operations hooks and models use, correct in one process too.

Without an initialized process group (a plain `sspec run`) each one is the
identity; under `torch.distributed` it is the collective of the same name.
Models and hooks call these and never `torch.distributed` directly, so the
same code runs in one process and in N.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["all_gather_cat", "all_reduce_mean_", "all_reduce_sum_", "broadcast_", "is_distributed", "world"]


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def world() -> tuple[int, int]:
    """(rank, world size) of this process: (0, 1) outside torch.distributed."""
    if not is_distributed():
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def all_reduce_sum_(t: Tensor) -> Tensor:
    """`t` summed over all processes, in place."""
    if is_distributed():
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def all_reduce_mean_(t: Tensor) -> Tensor:
    """`t` averaged over all processes, in place."""
    if is_distributed():
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        t.div_(dist.get_world_size())
    return t


def all_gather_cat(t: Tensor) -> Tensor:
    """Every process's `t` (same shape everywhere), concatenated along dim 0
    in rank order. Not differentiable."""
    if not is_distributed():
        return t
    parts = [torch.empty_like(t) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, t.contiguous())
    return torch.cat(parts)


def broadcast_(t: Tensor, src: int = 0) -> Tensor:
    """`t` replaced, in place, by process `src`'s."""
    if is_distributed():
        dist.broadcast(t, src)
    return t
