"""A Vision Transformer classifier, with the parameter names of timm and of
the official MAE code: `patch_embed.proj`, `cls_token`, `pos_embed`,
`blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}`, `norm`, `head`.
The optimizer's rules select parameters by these names (`*pos_embed`,
`blocks.{}.*` for layer decay), so keep them."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Classifier, check_images


def check_transformer(img_size: int, patch: int, dim: int, heads: int) -> None:
    """The constraints the registry states in words, as errors that say which argument."""
    if img_size % patch:
        raise ValueError(f"`patch` ({patch}) must divide `img_size` ({img_size})")
    if dim % heads:
        raise ValueError(f"`dim` ({dim}) must be a multiple of `heads` ({heads})")


class PatchEmbed(nn.Module):
    """Non-overlapping `patch`x`patch` patches → `dim` tokens, row-major."""

    def __init__(self, img_size: int, patch: int, channels: int, dim: int):
        super().__init__()
        self.num_patches = (img_size // patch) ** 2
        self.proj = nn.Conv2d(channels, dim, patch, stride=patch)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)  # (B, N, dim)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        x = F.scaled_dot_product_attention(q, k, v)
        return self.proj(x.transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """A pre-norm transformer block (MLP ratio 4, as in ViT and MAE)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def token(*shape: int) -> nn.Parameter:
    """A learned token or position table, initialised as in timm (std 0.02)."""
    p = nn.Parameter(torch.zeros(*shape))
    nn.init.trunc_normal_(p, std=0.02)
    return p


class ViT(Classifier):
    """ViT with a class token; features are the class token's final state."""

    def __init__(self, channels: int, img_size: int, patch: int, dim: int, depth: int,
                 heads: int, num_classes: int):
        super().__init__()
        check_transformer(img_size, patch, dim, heads)
        self.channels, self.img_size = channels, img_size
        self.patch_embed = PatchEmbed(img_size, patch, channels, dim)
        self.cls_token = token(1, 1, dim)
        # learned positions (not MAE's fixed sin-cos table): every parameter trains
        self.pos_embed = token(1, 1 + self.patch_embed.num_patches, dim)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.feat_dim = dim
        self.head = nn.Linear(dim, num_classes)

    def features(self, x: Tensor) -> Tensor:
        check_images(x, self.channels, self.img_size, "vit")
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], 1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.norm(x)[:, 0]
