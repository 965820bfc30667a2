"""scikit-learn's bundled 8x8 handwritten digits (no download).

Images are float32 (1, 8, 8) scaled from the data set's 0..16 to [0, 1]
(divided by 16, not standardised: the values stay bounded and augmentation
can clamp them back into range). The split is the registry's rule: the 1797
samples are permuted with `seed`; the first round(1797 * val_fraction) are
the validation set, the rest the training set.
"""

from __future__ import annotations

import functools
from typing import Iterator

import torch
from torch import Tensor

from ...registry.data import DIGITS_SAMPLES, digits_split
from .source import DataSource, generator

MAX_SHIFT = 1     # pixels of random translation (of 8)
NOISE_STD = 0.05  # Gaussian pixel noise, before clamping to [0, 1]


@functools.lru_cache(maxsize=1)
def load() -> tuple[Tensor, Tensor]:
    """All 1797 images (N, 1, 8, 8) in [0, 1] and their labels (N,); read once."""
    from sklearn.datasets import load_digits

    raw = load_digits()
    x = torch.tensor(raw.images, dtype=torch.float32).div_(16).unsqueeze(1)
    y = torch.tensor(raw.target, dtype=torch.int64)
    if len(x) != DIGITS_SAMPLES:  # the registry's batch counts rely on it
        raise RuntimeError(f"scikit-learn's digits have {len(x)} samples, sspec expects {DIGITS_SAMPLES}")
    return x, y


def augment(x: Tensor, gen: torch.Generator) -> Tensor:
    """Each image shifted by up to MAX_SHIFT pixels each way (zeros fill in),
    plus Gaussian noise, clamped to [0, 1]."""
    b, _, h, w = x.shape
    s = MAX_SHIFT
    padded = torch.nn.functional.pad(x, (s, s, s, s))
    dy, dx = torch.randint(0, 2 * s + 1, (2, b, 1), generator=gen)
    rows = (torch.arange(h) + dy)[:, :, None]  # (b, h, 1)
    cols = (torch.arange(w) + dx)[:, None, :]  # (b, 1, w)
    shifted = padded[torch.arange(b)[:, None, None], :, rows, cols]  # (b, h, w, c)
    shifted = shifted.permute(0, 3, 1, 2)
    return (shifted + NOISE_STD * torch.randn(shifted.shape, generator=gen)).clamp_(0, 1)


class Digits(DataSource):
    """`views` > 1 gives `x` as a tuple of that many copies of the batch, each
    augmented independently when `augment` is on (identical otherwise)."""

    def __init__(self, *, batch: int, seed: int, drop_last: bool, val_fraction: float,
                 augment: bool, views: int):
        n_train, n_val = digits_split(val_fraction)
        super().__init__(n_train=n_train, batch=batch, drop_last=drop_last, seed=seed,
                         num_classes=10, sample_shape=(1, 8, 8))
        self.augment, self.views = augment, views
        x, y = load()
        perm = torch.randperm(DIGITS_SAMPLES, generator=generator(seed, "split"))
        self.val_x, self.val_y = x[perm[:n_val]], y[perm[:n_val]]
        self.train_x, self.train_y = x[perm[n_val:]], y[perm[n_val:]]

    def train_batch(self, index: Tensor, gen: torch.Generator) -> tuple:
        x = self.train_x[index]
        views = [augment(x, gen) if self.augment else x.clone() for _ in range(self.views)]
        return (views[0] if self.views == 1 else tuple(views)), self.train_y[index]

    def val_batches(self) -> Iterator[tuple] | None:
        if not len(self.val_y):
            return None
        b = self.batch
        return ((self.val_x[i:i + b], self.val_y[i:i + b]) for i in range(0, len(self.val_y), b))


def digits(**args) -> Digits:
    """The registry's `digits` (`sspec.runtime.data.digits:digits`)."""
    return Digits(**args)
