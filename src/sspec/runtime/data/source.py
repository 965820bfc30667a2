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
    Training batches are tuples `(x, y, index)`: `x` is a float tensor
    (B, C, H, W), or a tuple of such tensors when the source gives several
    views per sample; `y` holds int64 labels (B,); `index` (B,) the samples'
    positions in the training split, for models that keep per-sample state
    (a memory bank, pseudo-labels). Validation batches are `(x, y)`.

    `set_uniform_sampling(labels, k)` makes every later epoch draw its samples
    uniformly over the classes of `labels` (DeepCluster's sampler); None
    goes back to plain shuffling.
    """

    def __init__(self, *, n_train: int, batch: int, drop_last: bool, seed: int,
                 num_classes: int, sample_shape: tuple[int, ...]):
        self.n_train, self.batch, self.drop_last, self.seed = n_train, batch, drop_last, seed
        self.num_classes = num_classes
        self.sample_shape = tuple(sample_shape)  # of one image: (C, H, W)
        self.uniform: tuple[Tensor, int] | None = None  # (labels, k) of uniform sampling
        self.rank, self.world_size = 0, 1  # this process's share: see `shard`

    @property
    def iters_per_epoch(self) -> int:
        # the registry's rule (one definition), which `sspec check` also uses
        return batches_per_epoch(self.n_train, self.batch, self.drop_last, self.world_size)

    def shard(self, rank: int, world_size: int) -> None:
        """Make `batches` give process `rank`'s share of every epoch, as
        MMEngine's DefaultSampler (round_up=True): the epoch's order padded by
        wrapping around to a multiple of `world_size`, then every
        `world_size`-th sample from position `rank`. Batch k of the processes
        together is then batch k of one process with a `world_size` times
        larger batch, sample for sample."""
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
        self.rank, self.world_size = rank, world_size

    def set_uniform_sampling(self, labels: Tensor | None, k: int = 0) -> None:
        """Sample uniformly over the `k` classes of `labels` (one per training
        sample) from the next epoch on; None: shuffle all samples again."""
        if labels is None:
            self.uniform = None
            return
        labels = torch.as_tensor(labels, dtype=torch.long).cpu()
        if labels.shape != (self.n_train,):
            raise ValueError(f"uniform sampling needs one label per training sample "
                             f"({self.n_train}), got shape {tuple(labels.shape)}")
        self.uniform = (labels.clone(), int(k))

    def order(self, epoch: int) -> Tensor:
        """The training samples of `epoch`, in order: a permutation of the
        training split, or with uniform sampling as many samples drawn evenly
        from the non-empty classes (MMSelfSup's DeepClusterSampler: an equal
        share per class, drawn with replacement only where a class is smaller
        than its share, then shuffled and cut to the split's size)."""
        gen = generator(self.seed, "epoch", epoch)
        if self.uniform is None:
            return torch.randperm(self.n_train, generator=gen)
        labels, _ = self.uniform
        classes = labels.unique().tolist()  # the non-empty ones, in order
        share = self.n_train // len(classes) + 1
        picked = []
        for c in classes:
            members = torch.nonzero(labels == c).flatten()
            if len(members) >= share:
                picked.append(members[torch.randperm(len(members), generator=gen)[:share]])
            else:
                picked.append(members[torch.randint(len(members), (share,), generator=gen)])
        pool = torch.cat(picked)
        return pool[torch.randperm(len(pool), generator=gen)][:self.n_train]

    def batches(self, epoch: int, start: int = 0) -> Iterator[tuple]:
        """The training batches of `epoch`, from batch `start` on.

        Skipping costs nothing: batch k depends only on (seed, epoch, k).
        """
        if start < 0:
            raise ValueError(f"start must be >= 0, got {start}")
        return self._batches(epoch, start)

    def _batches(self, epoch: int, start: int) -> Iterator[tuple]:
        order, b = self._share(self.order(epoch)), self.batch
        for k in range(start, self.iters_per_epoch):
            index = order[k * b:(k + 1) * b]
            # one process keeps the streams it always had; several draw their own
            gen = (generator(self.seed, "batch", epoch, k) if self.world_size == 1
                   else generator(self.seed, "batch", epoch, k, "rank", self.rank))
            yield (*self.train_batch(index, gen), index)

    def _share(self, order: Tensor) -> Tensor:
        """This process's part of an epoch's order (see `shard`)."""
        if self.world_size == 1:
            return order
        per = -(-len(order) // self.world_size)  # ceil
        total = per * self.world_size
        padded = order.repeat(-(-total // len(order)))[:total]
        return padded[self.rank::self.world_size]

    def train_batch(self, index: Tensor, gen: torch.Generator) -> tuple:
        """`(x, y)` of the training samples `index`; `gen` for its random
        augmentation (`batches` appends `index`)."""
        raise NotImplementedError

    def val_batches(self) -> Iterator[tuple] | None:
        """The validation batches `(x, y)` in a fixed order, never augmented,
        one view; None when the source has no validation split."""
        return None
