"""Lamb: layer-wise adaptive moments (You et al., https://arxiv.org/abs/1904.00962),
with the update of MMPretrain's `Lamb` (timm's NVLAMB-like variant).

One step:

1. The global gradient norm N over every parameter with a gradient (all
   groups); each gradient is divided by N / max_grad_norm when
   N > max_grad_norm (`max_grad_norm` is the optimizer's, not a group's).
2. Per group, a step counter t (one per group, counted on every `step()`),
   and bias corrections c1 = 1 - beta1^t, c2 = 1 - beta2^t (1 without
   `bias_correction`).
3. Per parameter:  m = beta1 m + (1 - beta1 if grad_averaging else 1) g,
   v = beta2 v + (1 - beta2) g^2,  u = (m / c1) / (sqrt(v) / sqrt(c2) + eps),
   u += weight_decay * p.  When weight_decay != 0 or `always_adapt`, u is
   scaled by the trust ratio |p| / |u| (1 when either norm is 0; at most 1
   with `trust_clip`).  p -= lr * u.

Unlike MMPretrain's, this one leaves `p.grad` as it was (MMPretrain divides
the gradients in place by the clipping factor); the parameters and state come
out the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.optim.optimizer import Optimizer

__all__ = ["Lamb"]


class Lamb(Optimizer):
    """Lamb (MMPretrain semantics; see the module doc).

    Args:
        params: parameters, or dicts defining parameter groups.
        lr: learning rate.
        bias_correction: correct the moments for their zero initialization.
        betas: decay rates of the first and second moments.
        eps: added to the denominator.
        weight_decay: decoupled weight decay, added to the update before the
            trust ratio.
        grad_averaging: scale the gradient by (1 - beta1) in the first moment.
        max_grad_norm: clip the global gradient norm to this value.
        trust_clip: clip the trust ratio to at most 1 (NVLAMB's LAMBC).
        always_adapt: apply the trust ratio also where weight_decay is 0.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, bias_correction: bool = True,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-6,
                 weight_decay: float = 0.01, grad_averaging: bool = True,
                 max_grad_norm: float = 1.0, trust_clip: bool = False,
                 always_adapt: bool = False) -> None:
        if lr < 0.0:
            raise ValueError(f"invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"invalid eps: {eps}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"invalid betas: {betas}")
        if weight_decay < 0.0:
            raise ValueError(f"invalid weight_decay: {weight_decay}")
        if max_grad_norm < 0.0:
            raise ValueError(f"invalid max_grad_norm: {max_grad_norm}")
        defaults = dict(lr=lr, bias_correction=bias_correction, betas=tuple(betas), eps=eps,
                        weight_decay=weight_decay, grad_averaging=grad_averaging,
                        max_grad_norm=max_grad_norm, trust_clip=trust_clip,
                        always_adapt=always_adapt)
        super().__init__(params, defaults)

    def _clip_factor(self) -> torch.Tensor | None:
        """N / max_grad_norm when the global gradient norm N exceeds it, else 1."""
        grads = [p.grad for group in self.param_groups for p in group["params"]
                 if p.grad is not None]
        if not grads:
            return None
        device = grads[0].device
        total = torch.zeros(1, device=device)
        for grad in grads:
            if grad.is_sparse:
                raise RuntimeError("Lamb does not support sparse gradients, "
                                   "consider SparseAdam instead")
            total.add_(grad.pow(2).sum().to(device))
        norm = torch.sqrt(total)
        limit = torch.tensor(self.defaults["max_grad_norm"], device=device)
        return torch.where(norm > limit, norm / limit, torch.ones_like(norm))

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        clip = self._clip_factor()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            beta3 = 1 - beta1 if group["grad_averaging"] else 1.0
            group["step"] = group.get("step", 0) + 1
            if group["bias_correction"]:
                c1 = 1 - beta1 ** group["step"]
                c2 = 1 - beta2 ** group["step"]
            else:
                c1 = c2 = 1.0
            wd = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad / clip.to(p.grad.device)
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(grad, alpha=beta3)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (v.sqrt() / math.sqrt(c2)).add_(group["eps"])
                update = (m / c1).div_(denom)
                if wd != 0:
                    update.add_(p, alpha=wd)
                if wd != 0 or group["always_adapt"]:
                    w_norm = p.norm(2.0)
                    u_norm = update.norm(2.0)
                    one = torch.ones_like(w_norm)
                    trust = torch.where((w_norm > 0) & (u_norm > 0), w_norm / u_norm, one)
                    if group["trust_clip"]:
                        trust = torch.minimum(trust, one)
                    update.mul_(trust)
                p.add_(update, alpha=-group["lr"])
        return loss
