"""LoggerHook: prints training progress every `interval` iterations and the
validation metrics. On a terminal the progress line is rewritten in place;
otherwise (a file, a pipe, CI) every report is a plain line. With several
processes, process 0 alone prints (the values it prints are the means over
the processes)."""

from __future__ import annotations

import sys
import time

from .base import Hook, iters_of


class LoggerHook(Hook):
    priority = "BELOW_NORMAL"

    def __init__(self, interval=10, ignore_last: bool = True, stream=None):
        self.every = iters_of(interval)
        self.ignore_last = bool(ignore_last)
        self.stream = stream

    def _out(self):
        return self.stream or sys.stdout

    def _tty(self) -> bool:
        try:
            return self._out().isatty()
        except (AttributeError, ValueError):
            return False

    def before_run(self, runner) -> None:
        self.t0 = time.perf_counter()
        self.started = None
        self.pending = False
        self.quiet = getattr(runner, "rank", 0) != 0
        world_size = getattr(runner, "world_size", 1)
        self._print(f"training {runner.plan.get('recipe')}: {runner.max_iters} iterations "
                    f"({runner.ipe} per epoch) on {runner.device}, {runner.precision}"
                    + (f", {world_size} processes" if world_size > 1 else ""))

    def after_train_iter(self, runner) -> None:
        i = runner.iter
        if self.started is None:
            self.started = (i, time.perf_counter())
        done = i + 1
        inner = i % runner.ipe + 1  # as MMEngine: every `interval` batches of an epoch
        end_of_epoch = inner == runner.ipe
        if not (inner % self.every == 0 or (end_of_epoch and not self.ignore_last)
                or done == runner.max_iters):
            return
        first, t = self.started
        rate = (i - first + 1) / max(time.perf_counter() - t, 1e-9)
        lr = runner.values.values.get("lr")
        parts = [f"iter {done}/{runner.max_iters}", f"epoch {runner.epoch + 1}"]
        if lr is not None:
            parts.append(f"lr {float(lr[i]):.4e}")
        for k, v in runner.outputs.items():
            if isinstance(v, (int, float)):
                parts.append(f"{k} {v:.4f}")
        parts.append(f"{rate:.1f} it/s")
        text = "  ".join(parts)
        if getattr(self, "quiet", False):
            return
        if self._tty():
            self._out().write("\r\x1b[K" + text)
            self._out().flush()
            self.pending = True
        else:
            self._print(text)

    def after_val_epoch(self, runner) -> None:
        m = runner.val_metrics
        self._print(f"val epoch {m.get('epoch')}: accuracy {m.get('accuracy', float('nan')):.4f}")

    def after_run(self, runner) -> None:
        s = getattr(runner, "summary", None) or {}
        self._print(f"done: {s.get('iterations')} iterations in {s.get('seconds')} s"
                    + (f", val accuracy {s['val_accuracy']:.4f}" if "val_accuracy" in s else "")
                    + (f", linear probe {s['probe_acc']:.4f} (random init {s['probe_acc_random_init']:.4f})"
                       if "probe_acc" in s else "")
                    + f"; files in {runner.work_dir}")

    def _print(self, text: str) -> None:
        if getattr(self, "quiet", False):
            return
        out = self._out()
        if getattr(self, "pending", False):
            out.write("\n")
            self.pending = False
        out.write(text + "\n")
        out.flush()
