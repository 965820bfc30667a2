"""The data-source interface the training loop reads, and its randomness.

Every random choice (the split, each epoch's order, each batch's
augmentation, each synthetic image) draws from its own `torch.Generator`,
seeded from the data's `seed` and what the choice is for. Nothing depends on
torch's global RNG or on what was drawn before, so any batch of any epoch can
be produced on its own: an interrupted run resumes mid-epoch with exactly the
batches it would have seen.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

import torch
from torch import Tensor

from ...registry.data import batches as batches_per_epoch


def generator(*parts: int | str) -> torch.Generator:
    """A generator seeded from `parts` (the data's seed, then tags and
    counters: `(seed, "epoch", 3)`). A hash keeps the streams of different
    purposes and counters independent (`seed * K + epoch` lets two seeds'
    streams collide), and, unlike Python's `hash`, is the same in every process.
    """
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest, "little") >> 1)


class DataSource:
    """The training split, reshuffled every epoch, and an optional validation split.

    Subclasses say how to make the training batch of given sample indices
    (`train_batch`) and what their validation batches are (`val_batches`).
    Batches are tuples `(x, y)`: `x` is a float tensor (B, C, H, W), or a
    tuple of such tensors when the source gives several views per sample;
    `y` holds int64 labels (B,).
    """

    def __init__(self, *, n_train: int, batch: int, drop_last: bool, seed: int,
                 num_classes: int, sample_shape: tuple[int, ...]):
        self.n_train, self.batch, self.drop_last, self.seed = n_train, batch, drop_last, seed
        self.num_classes = num_classes
        self.sample_shape = tuple(sample_shape)  # of one image: (C, H, W)

    @property
    def iters_per_epoch(self) -> int:
        # the registry's rule (one definition), which `sspec check` also uses
        return batches_per_epoch(self.n_train, self.batch, self.drop_last)

    def order(self, epoch: int) -> Tensor:
        """The permutation of the training samples in `epoch`."""
        return torch.randperm(self.n_train, generator=generator(self.seed, "epoch", epoch))

    def batches(self, epoch: int, start: int = 0) -> Iterator[tuple]:
        """The training batches of `epoch`, from batch `start` on.

        Skipping costs nothing: batch k depends only on (seed, epoch, k).
        """
        if start < 0:
            raise ValueError(f"start must be >= 0, got {start}")
        return self._batches(epoch, start)

    def _batches(self, epoch: int, start: int) -> Iterator[tuple]:
        order, b = self.order(epoch), self.batch
        for k in range(start, self.iters_per_epoch):
            yield self.train_batch(order[k * b:(k + 1) * b], generator(self.seed, "batch", epoch, k))

    def train_batch(self, index: Tensor, gen: torch.Generator) -> tuple:
        """The batch of training samples `index`; `gen` for its random augmentation."""
        raise NotImplementedError

    def val_batches(self) -> Iterator[tuple] | None:
        """The validation batches `(x, y)` in a fixed order, never augmented,
        one view; None when the source has no validation split."""
        return None
