"""What every classifier shares: cross-entropy `train_step`, `predict`, and
checks that say which recipe argument disagrees with the data."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def unpack(batch) -> tuple[Tensor, Tensor | None]:
    """(images, labels) of a batch `(x, y)` or `(x,)`.

    A data source with `views > 1` gives `x` as a tuple of views of the same
    samples; a model without a use of its own for views trains on all of them,
    as one larger batch (the labels repeated).
    """
    x = batch[0]
    y = batch[1] if len(batch) > 1 else None
    if isinstance(x, (tuple, list)):
        y = None if y is None else y.repeat(len(x))
        x = torch.cat(list(x))
    return x, y


def check_images(x: Tensor, channels: int, img_size: int, model: str) -> None:
    """A mismatch between model and data arguments is a recipe error: say so."""
    if x.dim() != 4 or tuple(x.shape[1:]) != (channels, img_size, img_size):
        raise ValueError(
            f"{model} expects images of shape (batch, {channels}, {img_size}, {img_size}) "
            f"(its `channels` and `img_size`), got {tuple(x.shape)}")


class Classifier(nn.Module):
    """A supervised classifier: `features` then a linear `head`."""

    feat_dim: int
    head: nn.Linear

    def features(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))

    @torch.no_grad()
    def predict(self, x: Tensor) -> Tensor:
        return self(x).argmax(-1)

    def train_step(self, batch) -> dict:
        x, y = unpack(batch)
        if y is None:
            raise ValueError(f"{type(self).__name__} is a classifier: its batches need labels")
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        acc = (logits.detach().argmax(-1) == y).float().mean().item()
        return {"loss": loss, "acc": acc}
