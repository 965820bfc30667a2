"""The base class of every hook: one method per hook point (HOOK_POINTS).

Each method takes the runner (sspec.runtime.loop.Runner), whose attributes
say where training is: `iter` (0-based global iteration of the current or
last iteration), `epoch`, `inner_iter`, `outputs` (the last train_step's
metrics), `model`, `optimizer`, `plan`, `work_dir`. The two checkpoint
points also take the checkpoint dict, which they may read or extend.
"""

from __future__ import annotations

from typing import Any


class Hook:
    priority = "NORMAL"

    def before_run(self, runner) -> None: ...
    def before_train(self, runner) -> None: ...
    def before_train_epoch(self, runner) -> None: ...
    def before_train_iter(self, runner) -> None: ...
    def after_train_iter(self, runner) -> None: ...
    def after_train_epoch(self, runner) -> None: ...
    def before_val_epoch(self, runner) -> None: ...
    def after_val_epoch(self, runner) -> None: ...
    def before_save_checkpoint(self, runner, checkpoint: dict[str, Any]) -> None: ...
    def after_load_checkpoint(self, runner, checkpoint: dict[str, Any]) -> None: ...
    def after_train(self, runner) -> None: ...
    def after_run(self, runner) -> None: ...


def iters_of(duration: Any) -> int:
    """Iterations of a Plan duration (`{"value", "unit", "iters"}`) or an int."""
    if isinstance(duration, dict):
        return int(duration["iters"])
    return int(duration)


def every_n_iters(runner, n: int) -> bool:
    """After the iteration just finished, whether it is the n-th, 2n-th, ...
    of the run (MMEngine's `Hook.every_n_train_iters`)."""
    return (runner.iter + 1) % n == 0


def every_n_epochs(runner, n: int) -> bool:
    """At an epoch's end (`runner.epoch` still the finished epoch's index),
    whether it is the n-th, 2n-th, ... (MMEngine's `Hook.every_n_epochs`)."""
    return (runner.epoch + 1) % n == 0
