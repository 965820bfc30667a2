"""A multi-layer perceptron classifier on flattened inputs."""

from __future__ import annotations

import itertools

import torch.nn.functional as F
from torch import Tensor, nn

from .base import Classifier


class MLP(Classifier):
    """`depth` linear layers in all: `depth - 1` hidden ones (`layers.N`, ReLU)
    and the classifier `head`. Features are the last hidden activations (the
    flattened input itself when `depth == 1`)."""

    def __init__(self, in_dim: int, hidden: int, depth: int, num_classes: int):
        super().__init__()
        self.in_dim = in_dim
        dims = [in_dim] + [hidden] * (depth - 1)
        # a ModuleList, not a Sequential with ReLUs in it, so that the linear
        # layers are numbered 0, 1, 2 ... (`*layers.{}.*` for layer decay)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))
        self.head = nn.Linear(dims[-1], num_classes)
        self.feat_dim = dims[-1]

    def features(self, x: Tensor) -> Tensor:
        x = x.flatten(1)
        if x.shape[1] != self.in_dim:
            raise ValueError(f"mlp expects {self.in_dim} input features (its `in_dim`), "
                             f"got {x.shape[1]} from inputs of shape {tuple(x.shape)}")
        for layer in self.layers:
            x = F.relu(layer(x))
        return x
