"""EMAHook: an averaged copy of the model's weights (MMEngine's EMAHook and
its averaged models). ExponentialMovingAverage: `ema = (1 - m) * ema + m *
param` every `interval` iterations; MomentumAnnealingEMA: m = max(momentum,
gamma / (gamma + steps)); StochasticWeightAverage: the running mean. Before
`begin_iter` / `begin_epoch` the copy follows the model. Validation uses the
averaged weights; checkpoints keep the average (`ema` entry) so a resumed run
continues it exactly."""

from __future__ import annotations

import copy

import torch

from .base import Hook


class EMAHook(Hook):
    priority = "NORMAL"

    def __init__(self, momentum: float = 0.0002, interval: int = 1, update_buffers: bool = False,
                 begin_iter: int = 0, begin_epoch: int = 0, strict_load: bool = False,
                 ema_type: str = "ExponentialMovingAverage", gamma: float | None = None):
        self.momentum = float(momentum)
        self.interval = int(interval)
        self.update_buffers = bool(update_buffers)
        self.begin_iter, self.begin_epoch = int(begin_iter), int(begin_epoch)
        self.strict_load = bool(strict_load)
        self.ema_type = ema_type
        self.gamma = 100.0 if gamma is None else float(gamma)
        self.steps = 0
        self.ema = None

    def before_run(self, runner) -> None:
        self.ema = copy.deepcopy(runner.model).requires_grad_(False)
        self.ema.eval()

    def _tensors(self, model):
        params = dict(model.named_parameters())
        if self.update_buffers:
            params.update(model.named_buffers())
        return params

    def _started(self, runner) -> bool:
        # MMEngine's EMAHook._ema_started
        if self.begin_epoch > 0:
            return runner.epoch + 1 >= self.begin_epoch
        return runner.iter + 1 >= self.begin_iter

    @torch.no_grad()
    def after_train_iter(self, runner) -> None:
        model = runner.model
        if not self._started(runner):
            self.ema.load_state_dict(model.state_dict())
            return
        src = self._tensors(model)
        dst = self._tensors(self.ema)
        if self.steps % self.interval == 0:
            if self.steps == 0:
                for k, p in dst.items():
                    p.copy_(src[k])
            else:
                m = self._momentum()
                for k, p in dst.items():
                    if not p.dtype.is_floating_point:
                        p.copy_(src[k])
                    elif self.ema_type == "StochasticWeightAverage":
                        p.add_((src[k] - p) / (self.steps / self.interval + 1))
                    else:
                        p.lerp_(src[k], m)
        if not self.update_buffers:
            for (k, b), (_, sb) in zip(self.ema.named_buffers(), model.named_buffers()):
                b.copy_(sb)
        self.steps += 1

    def _momentum(self) -> float:
        if self.ema_type == "MomentumAnnealingEMA":
            return max(self.momentum, self.gamma / (self.gamma + self.steps))
        return self.momentum

    def _swap(self, runner) -> None:
        for (_, a), (_, b) in zip(runner.model.named_parameters(), self.ema.named_parameters()):
            tmp = a.data.clone()
            a.data.copy_(b.data)
            b.data.copy_(tmp)

    def before_val_epoch(self, runner) -> None:
        self._swap(runner)

    def after_val_epoch(self, runner) -> None:
        self._swap(runner)

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        checkpoint["ema"] = {"state_dict": self.ema.state_dict(), "steps": self.steps}

    def after_load_checkpoint(self, runner, checkpoint) -> None:
        if "ema" in checkpoint:
            self.ema.load_state_dict(checkpoint["ema"]["state_dict"], strict=self.strict_load)
            self.steps = int(checkpoint["ema"]["steps"])
        else:
            self.ema.load_state_dict(runner.model.state_dict())
