"""Generated images whose classes can be learned: no download, any size.

Each class has a smooth random pattern (a random 4x4 grid per channel,
bilinearly resized to `size`); image i is the pattern of its label plus
Gaussian noise (std NOISE_STD, values not clamped). Labels are drawn
uniformly. Everything comes from `seed`, and image i from (seed, i) alone, so
a batch costs the same whichever samples it holds and memory is O(n) labels,
not O(n) images. There is no validation split (the registry says so):
`val_batches()` is None.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .source import DataSource, generator

GRID = 4          # each class pattern is a GRID x GRID grid of random values, resized
NOISE_STD = 0.3   # per-pixel noise: classes stay separable, not trivially so


class SyntheticImages(DataSource):
    def __init__(self, *, n: int, size: int, channels: int, num_classes: int, batch: int,
                 seed: int, drop_last: bool):
        super().__init__(n_train=n, batch=batch, drop_last=drop_last, seed=seed,
                         num_classes=num_classes, sample_shape=(channels, size, size))
        g = generator(seed, "classes")
        grid = torch.rand(num_classes, channels, GRID, GRID, generator=g)
        self.patterns = F.interpolate(grid, size=(size, size), mode="bilinear", align_corners=False)
        self.labels = torch.randint(num_classes, (n,), generator=g)

    def image(self, i: int) -> Tensor:
        noise = torch.randn(self.sample_shape, generator=generator(self.seed, "image", i))
        return self.patterns[self.labels[i]] + NOISE_STD * noise

    def train_batch(self, index: Tensor, gen: torch.Generator) -> tuple:
        # `gen` is unused: the images are fixed, only their order changes per epoch
        x = torch.stack([self.image(int(i)) for i in index])
        return x, self.labels[index]


def synthetic_images(**args) -> SyntheticImages:
    """The registry's `synthetic_images` (`sspec.runtime.data.synthetic:synthetic_images`)."""
    return SyntheticImages(**args)
