"""A masked autoencoder (He et al., 2021), after the official MAE code and
MMSelfSup's MAE: a ViT encoder sees a random subset of the patches; a light
decoder fills the rest with `mask_token` and predicts their pixels; the loss
is the mean squared error on the masked patches only.

Parameter names follow the official code: `patch_embed.*`, `cls_token`,
`pos_embed`, `blocks.N.*`, `norm` (encoder); `mask_token`, `decoder_embed`,
`decoder_pos_embed`, `decoder_blocks.N.*`, `decoder_norm`, `decoder_pred`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .base import check_images, unpack
from .vit import Block, PatchEmbed, check_transformer, token


class MAEViT(nn.Module):
    """`mask_ratio` is a plain attribute read at every step, so a schedule of
    `model.mask_ratio` takes effect at once. The masking draws from torch's
    global RNG (as the official code does): the training loop seeds it and
    keeps its state in checkpoints."""

    def __init__(self, channels: int, img_size: int, patch: int, dim: int, depth: int,
                 heads: int, decoder_dim: int, decoder_depth: int, mask_ratio: float,
                 norm_pix_loss: bool):
        super().__init__()
        check_transformer(img_size, patch, dim, heads)
        self.channels, self.img_size, self.patch = channels, img_size, patch
        self.mask_ratio = float(mask_ratio)
        self.norm_pix_loss = bool(norm_pix_loss)
        num_patches = (img_size // patch) ** 2

        self.patch_embed = PatchEmbed(img_size, patch, channels, dim)
        self.cls_token = token(1, 1, dim)
        self.pos_embed = token(1, 1 + num_patches, dim)  # learned, like ViT's
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.feat_dim = dim

        # the decoder keeps the encoder's head count where it divides
        # decoder_dim; gcd always does, so any decoder_dim is valid
        decoder_heads = math.gcd(heads, decoder_dim)
        self.decoder_embed = nn.Linear(dim, decoder_dim)
        self.mask_token = token(1, 1, decoder_dim)
        self.decoder_pos_embed = token(1, 1 + num_patches, decoder_dim)
        self.decoder_blocks = nn.ModuleList(Block(decoder_dim, decoder_heads)
                                            for _ in range(decoder_depth))
        self.decoder_norm = nn.LayerNorm(decoder_dim)
        self.decoder_pred = nn.Linear(decoder_dim, patch * patch * channels)

    def patchify(self, imgs: Tensor) -> Tensor:
        """(B, C, H, W) → (B, N, p·p·C), patches in PatchEmbed's row-major order."""
        b, c, p = len(imgs), self.channels, self.patch
        h = self.img_size // p
        x = imgs.reshape(b, c, h, p, h, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(b, h * h, p * p * c)

    def kept(self, n: int) -> int:
        """Patches the encoder sees: at least one, and (when there are two or
        more) at least one masked, so that the loss is always defined."""
        keep = int(n * (1 - self.mask_ratio))
        return max(1, min(keep, n - 1)) if n > 1 else 1

    def encode(self, imgs: Tensor, mask: bool) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """Encoder tokens (class token first); with `mask`, also the mask
        (B, N; 1 = masked) and the permutation that restores patch order."""
        x = self.patch_embed(imgs) + self.pos_embed[:, 1:]
        masked = restore = None
        if mask:
            b, n, d = x.shape
            keep = self.kept(n)
            shuffle = torch.rand(b, n, device=x.device).argsort(1)  # random per sample
            restore = shuffle.argsort(1)
            x = x.gather(1, shuffle[:, :keep, None].expand(-1, -1, d))
            masked = torch.ones(b, n, device=x.device)
            masked[:, :keep] = 0
            masked = masked.gather(1, restore)
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(len(x), -1, -1)
        x = torch.cat([cls, x], 1)
        for block in self.blocks:
            x = block(x)
        return self.norm(x), masked, restore

    def decode(self, x: Tensor, restore: Tensor) -> Tensor:
        """Pixel predictions (B, N, p·p·C) for every patch."""
        x = self.decoder_embed(x)
        b, kept, d = x.shape
        fill = self.mask_token.expand(b, restore.shape[1] + 1 - kept, -1)
        patches = torch.cat([x[:, 1:], fill], 1).gather(1, restore[..., None].expand(-1, -1, d))
        x = torch.cat([x[:, :1], patches], 1) + self.decoder_pos_embed
        for block in self.decoder_blocks:
            x = block(x)
        return self.decoder_pred(self.decoder_norm(x))[:, 1:]

    def forward(self, imgs: Tensor) -> dict:
        check_images(imgs, self.channels, self.img_size, "mae_vit")
        latent, masked, restore = self.encode(imgs, mask=True)
        pred = self.decode(latent, restore)
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            mean, var = target.mean(-1, keepdim=True), target.var(-1, keepdim=True)
            target = (target - mean) / (var + 1e-6).sqrt()
        per_patch = ((pred - target) ** 2).mean(-1)
        loss = (per_patch * masked).sum() / masked.sum().clamp(min=1)
        return {"loss": loss}

    def train_step(self, batch) -> dict:
        imgs, _ = unpack(batch)  # labels, if any, are not used
        return self(imgs)

    def features(self, x: Tensor) -> Tensor:
        """The class token of the unmasked encoder (MAE's linear-probe features)."""
        check_images(x, self.channels, self.img_size, "mae_vit")
        return self.encode(x, mask=False)[0][:, 0]
