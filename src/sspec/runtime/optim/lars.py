"""LARS: layer-wise adaptive rate scaling for SGD (You, Gitman & Ginsburg,
https://arxiv.org/abs/1708.03888), with MMSelfSup 1.x's update.

For each parameter p with gradient g, in a group with lr, weight decay wd,
momentum m, dampening d, trust coefficient eta and eps:

    local_lr = eta * |p| / (|g| + wd * |p| + eps)   if |p| != 0 and |g| != 0, else 1
    step     = (g + wd * p) * (lr * local_lr)
    buf      = step (first step), else m * buf + (1 - d) * step      (when m != 0)
    step     = step + m * buf (nesterov), else buf                    (when m != 0)
    p       -= step

Note that the lr sits inside the momentum buffer, as in MMSelfSup (and unlike
torch's SGD). A param group with `lars_exclude = True` takes the plain step
`g * lr` into the same momentum: no trust ratio and no weight decay. (MMSelfSup's
LARS skips only the trust ratio there and leaves weight decay to the group's
`weight_decay`; its recipes always pair `lars_exclude=True` with
`decay_mult=0`, where the two agree.)

The trust ratio is computed on the device, in float64 0-dim tensors: the same
IEEE operations as MMSelfSup's Python floats (`.item()`), so the numbers agree
bit for bit, without a host synchronization per parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.optim.optimizer import Optimizer

__all__ = ["LARS"]


class LARS(Optimizer):
    """LARS for SGD (MMSelfSup 1.x semantics; see the module doc).

    Args:
        params: parameters, or dicts defining parameter groups. A group may set
            `lars_exclude=True` (no trust ratio, no weight decay).
        lr: learning rate (required, as in MMSelfSup).
        momentum: momentum factor.
        weight_decay: L2 penalty added to the gradient (and to the trust ratio's
            denominator).
        dampening: dampening for momentum.
        eta: the LARS trust coefficient.
        nesterov: Nesterov momentum (needs momentum > 0 and dampening = 0).
        eps: added to the trust ratio's denominator. A param-group key here
            (MMSelfSup keeps one per optimizer).
    """

    def __init__(self, params: Iterable, lr: float, momentum: float = 0,
                 weight_decay: float = 0, dampening: float = 0, eta: float = 0.001,
                 nesterov: bool = False, eps: float = 1e-8) -> None:
        for name, value in (("learning rate", lr), ("momentum", momentum),
                            ("weight_decay", weight_decay), ("LARS coefficient eta", eta)):
            if value < 0.0:
                raise ValueError(f"invalid {name}: {value}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, eta=eta, eps=eps,
                        lars_exclude=False)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("lars_exclude", False)
            group.setdefault("eps", 1e-8)

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        for group in self.param_groups:
            lr = group["lr"]
            wd = group["weight_decay"]
            momentum = group["momentum"]
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            exclude = bool(group.get("lars_exclude", False))
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if grad.is_sparse:
                    raise RuntimeError("LARS does not support sparse gradients")
                if exclude:
                    update = grad.mul(lr)
                else:
                    update = grad.add(p, alpha=wd).mul(self._scaled_lr(p, grad, group))
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = torch.clone(update).detach()
                    else:
                        buf.mul_(momentum).add_(update, alpha=1 - dampening)
                    update = update.add(buf, alpha=momentum) if nesterov else buf
                p.sub_(update)
        return loss

    @staticmethod
    def _scaled_lr(p: torch.Tensor, grad: torch.Tensor, group: dict) -> torch.Tensor:
        """lr * the trust ratio, a float64 0-dim tensor on p's device."""
        dtype = torch.float32 if p.device.type == "mps" else torch.float64  # MPS has no float64
        w = torch.linalg.vector_norm(p).to(dtype)
        g = torch.linalg.vector_norm(grad).to(dtype)
        trust = group["eta"] * w / (g + group["weight_decay"] * w + group["eps"])
        ok = (w != 0) & (g != 0)
        return torch.where(ok, trust, torch.ones_like(trust)) * group["lr"]
