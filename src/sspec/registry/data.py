"""Data: small data sets that need no download.

Each one knows its length: `iters_per_epoch(args, world_size=1)` (args with
defaults filled in) is the number of training batches per epoch of one
process when `world_size` processes share the data, computed exactly as the
runtime splits, shards and batches it.
"""

from __future__ import annotations

import math
from typing import Mapping

from . import Component
from .schema import boolean, integer, number, obj

DIGITS_SAMPLES = 1797  # scikit-learn's bundled 8x8 digits


def batches(n: int, batch: int, drop_last: bool, world_size: int = 1) -> int:
    """Batches per epoch of each of `world_size` processes sharing `n` samples.

    As MMEngine's DefaultSampler (round_up=True): every process gets
    ceil(n / world_size) samples, the last ones padded by wrapping around to
    the start of the epoch's order; a partial last batch counts unless dropped.
    """
    n = math.ceil(n / world_size)
    return n // batch if drop_last else math.ceil(n / batch)


def digits_split(val_fraction: float) -> tuple[int, int]:
    """(train, validation) sample counts of `digits`."""
    n_val = round(DIGITS_SAMPLES * val_fraction)
    return DIGITS_SAMPLES - n_val, n_val


def _digits_iters(args: Mapping, world_size: int = 1) -> int:
    n_train, _ = digits_split(args["val_fraction"])
    return batches(n_train, args["batch"], args["drop_last"], world_size)


def _synthetic_iters(args: Mapping, world_size: int = 1) -> int:
    return batches(args["n"], args["batch"], args["drop_last"], world_size)


def common(batch: int = 64) -> dict:
    return dict(
        batch=integer("samples per batch", batch, minimum=1),
        seed=integer("seed of the data's randomness (split, shuffling, augmentation)", 0, minimum=0),
        drop_last=boolean("drop the last, partial batch of each epoch", False),
    )


DIGITS = Component(
    name="digits",
    kind="data",
    schema=obj(
        dict(
            **common(),
            val_fraction=number(
                "fraction held out for validation: round(1797 * val_fraction) samples "
                "(Python's round, halves to even), the rest train",
                0.2,
                minimum=0,
                exclusive_maximum=1,
            ),
            augment=boolean("apply random augmentation (shifts, noise) to training images", False),
            views=integer("augmented views of each training image per sample (2 for siamese methods)", 1, minimum=1),
        )
    ),
    doc=(
        "scikit-learn's bundled 8x8 handwritten digits (1797 images, 1 channel, 10 classes). "
        "The samples are shuffled with `seed`; the first round(1797 * val_fraction) of "
        "the permutation are the validation set, the rest the training set "
        "(1438 training samples at the default 0.2). Training batches are reshuffled every epoch."
    ),
    impl="sspec.runtime.data.digits:digits",
    iters_per_epoch=_digits_iters,
)

SYNTHETIC_IMAGES = Component(
    name="synthetic_images",
    kind="data",
    schema=obj(
        dict(
            n=integer("number of training images", 512, minimum=1),
            size=integer("image height and width", 32, minimum=1),
            channels=integer("image channels", 3, minimum=1),
            num_classes=integer("number of classes of the random labels", 10, minimum=1),
            **common(),
        )
    ),
    doc=(
        "Random images and labels generated from `seed`, all used for training "
        "(no validation split). For tests, benchmarks and recipes that only need shapes."
    ),
    impl="sspec.runtime.data.synthetic:synthetic_images",
    iters_per_epoch=_synthetic_iters,
)

COMPONENTS: tuple[Component, ...] = (DIGITS, SYNTHETIC_IMAGES)
