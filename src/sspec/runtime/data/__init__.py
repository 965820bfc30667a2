"""sspec's data sources, built from a Plan's `data` entry.

A `DataSource` (see `source.py`) has `iters_per_epoch` (equal to the
registry's `iters_per_epoch` for the same arguments), `batches(epoch, start)`
(deterministic in (seed, epoch); `start` skips batches for free, to resume
mid-epoch), `val_batches()` (None without a validation split),
`num_classes` and `sample_shape`.
"""

from __future__ import annotations

import inspect
from typing import Mapping

from ..resolve import resolve
from .source import DataSource, generator

__all__ = ["DataSource", "build_data", "generator"]


def build_data(spec: Mapping, seed: int = 0, uses=()) -> DataSource:
    """The data source of a Plan's `data` entry (`{"type", "user", "args"}`).

    The data's own `seed` argument (every built-in has one, default 0) decides
    its split, order, augmentation and generated images, as the registry
    documents. `seed` here is only the fallback for a user data source whose
    arguments carry none but whose callable takes a `seed`.
    """
    factory, args = resolve(spec, "data", uses)
    if "seed" not in args and _takes(factory, "seed"):
        args["seed"] = seed
    source = factory(**args)
    missing = [a for a in ("iters_per_epoch", "batches", "val_batches") if not hasattr(source, a)]
    if missing:
        raise TypeError(f"data `{spec['type']}` gave a {type(source).__name__}, which lacks "
                        + ", ".join(f"`{a}`" for a in missing) + " (see sspec.runtime.data.DataSource)")
    return source


def _takes(factory, name: str) -> bool:
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
