"""MMSelfSup 1.x's self-supervised hooks (mmselfsup/engine/hooks):

- SimSiamHook: the lr of the param groups marked `fixed_lr` is set to `lr`,
  at each epoch's start (`adjust_by_epoch`) or else before every iteration
  (the loop's schedules leave those groups' lr alone).
- DenseCLHook: remembers the model's `loss_lambda` before training; before
  each iteration sets it to 0 while `runner.iter < start_iters`, to the
  remembered value from then on.
"""

from __future__ import annotations

from .base import Hook


class SimSiamHook(Hook):
    priority = "HIGH"

    def __init__(self, fix_pred_lr: bool, lr: float, adjust_by_epoch: bool = True):
        self.fix_pred_lr = bool(fix_pred_lr)
        self.lr = float(lr)
        self.adjust_by_epoch = bool(adjust_by_epoch)

    def _fix(self, runner) -> None:
        if not self.fix_pred_lr:
            return
        for group in runner.optimizer.param_groups:
            if group.get("fixed_lr"):
                group["lr"] = self.lr

    def before_train_epoch(self, runner) -> None:
        if self.adjust_by_epoch:
            self._fix(runner)

    def before_train_iter(self, runner) -> None:
        if not self.adjust_by_epoch:
            self._fix(runner)


class DenseCLHook(Hook):
    priority = "NORMAL"

    def __init__(self, start_iters: int = 1000):
        self.start_iters = int(start_iters)
        self.loss_lambda = None

    def before_train(self, runner) -> None:
        if not hasattr(runner.model, "loss_lambda"):
            raise AttributeError("DenseCLHook needs a model with a `loss_lambda` attribute")
        self.loss_lambda = float(runner.model.loss_lambda)

    def before_train_iter(self, runner) -> None:
        if self.loss_lambda is None:
            self.before_train(runner)
        runner.model.loss_lambda = self.loss_lambda if runner.iter >= self.start_iters else 0.0
