"""A small convolutional classifier (also the backbone of the self-supervised
wrappers, whose `width` is the channels of its first stage)."""

from __future__ import annotations

from torch import Tensor, nn

from ...registry.models import BACKBONES
from .base import Classifier, check_images


class ConvBlock(nn.Module):
    """conv 3x3 → BatchNorm → ReLU (no conv bias: the norm's shift replaces it)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.bn(self.conv(x)))


class ConvNet(Classifier):
    """Three stages of `width`, 2·`width`, 4·`width` channels, the last two at
    stride 2 (8x8 → 8, 4, 2), global average pooling, a linear `head`.
    Pooling makes it work at any `img_size`; the argument is checked against
    the data so that a recipe mismatch is reported, not silently absorbed."""

    def __init__(self, channels: int, img_size: int, width: int, num_classes: int):
        super().__init__()
        self.channels, self.img_size = channels, img_size
        self.layers = nn.ModuleList([
            ConvBlock(channels, width, 1),
            ConvBlock(width, 2 * width, 2),
            ConvBlock(2 * width, 4 * width, 2),
        ])
        self.feat_dim = 4 * width
        self.head = nn.Linear(self.feat_dim, num_classes)

    def features(self, x: Tensor) -> Tensor:
        check_images(x, self.channels, self.img_size, "convnet")
        for layer in self.layers:
            x = layer(x)
        return x.mean((2, 3))


def feature_extractor(model: str, backbone: str, channels: int, img_size: int, width: int) -> ConvNet:
    """The backbone named `backbone` of a self-supervised `model`: the convnet
    without its classification head (`features(x)`, `feat_dim`, `layers`)."""
    if backbone not in BACKBONES:
        raise ValueError(f"{model}: unknown backbone `{backbone}`")
    net = ConvNet(channels, img_size, width, num_classes=1)
    del net.head
    return net
