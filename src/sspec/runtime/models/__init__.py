"""sspec's models, built from a Plan's `model` entry.

Every model offers one training interface, so the training loop never needs
to know which model it drives:

- `model.train_step(batch) -> dict`: `"loss"`, a scalar tensor to
  back-propagate, and optionally other metrics as Python floats (`"acc"`).
  `batch` is a data source's batch, `(x, y)`; `x` may be a tuple of views.
- `model.features(x) -> Tensor`: one feature vector per image, `(B, D)` with
  `D = model.feat_dim` (for linear probes and clustering hooks; the caller
  decides about `no_grad` and `eval()`).
- classifiers also have `model.predict(x) -> Tensor` of class indices.
"""

from __future__ import annotations

from typing import Mapping

import torch

from ..resolve import resolve

__all__ = ["build_model"]


def build_model(spec: Mapping, uses=()) -> torch.nn.Module:
    """The model of a Plan's `model` entry (`{"type", "user", "args"}`).

    Respects the current default device, so `with torch.device("meta"):`
    builds a model without allocating its weights.
    """
    factory, args = resolve(spec, "model", uses)
    model = factory(**args)
    if not isinstance(model, torch.nn.Module) or not callable(getattr(model, "train_step", None)):
        raise TypeError(
            f"model `{spec['type']}` must be a torch.nn.Module with a "
            f"`train_step(batch) -> dict` method; got {type(model).__name__}")
    return model
