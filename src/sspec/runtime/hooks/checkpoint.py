"""CheckpointHook: saves `WORK_DIR/checkpoints/iter_<N>.pt` every `interval`
(iterations or epochs), keeps the newest `keep` (-1: all), and saves at the
end of training when `save_last`. The files and their content are
sspec.runtime.checkpoint's; `sspec run --resume` reads them back."""

from __future__ import annotations

from .base import Hook


class CheckpointHook(Hook):
    priority = "VERY_LOW"

    def __init__(self, interval=None, keep: int = -1, save_last: bool = True,
                 save_optimizer: bool = True):
        interval = interval or {"value": 1, "unit": "ep", "iters": None}
        self.unit = interval.get("unit", "ep") if isinstance(interval, dict) else "it"
        self.every = int(interval["value"] if isinstance(interval, dict) else interval)
        self.keep = int(keep)
        self.save_last = bool(save_last)
        self.save_optimizer = bool(save_optimizer)

    def after_train_iter(self, runner) -> None:
        done = runner.iter + 1
        if self.unit == "it" and done % self.every == 0:
            self._save(runner, done)

    def after_train_epoch(self, runner) -> None:
        done = runner.iter
        if self.unit == "ep" and done % runner.ipe == 0 and (done // runner.ipe) % self.every == 0:
            self._save(runner, done)

    def after_train(self, runner) -> None:
        if self.save_last and runner.last_saved != runner.iter:
            self._save(runner, runner.iter)

    def _save(self, runner, done: int) -> None:
        if runner.last_saved == done:
            return
        runner.save_checkpoint(done, self.save_optimizer)
        if self.keep > 0 and getattr(runner, "rank", 0) == 0:  # process 0 writes the files
            from ..checkpoint import list_checkpoints

            found = list_checkpoints(runner.checkpoint_dir)
            for _, path in found[:-self.keep] if len(found) > self.keep else []:
                path.unlink(missing_ok=True)
