"""The training loop of a Plan (what `sspec run` drives).

    runner = Runner(plan, work_dir, device="auto", resume=False)
    summary = runner.run()

Semantics (MMEngine's, see docs/run.md): one iteration is one batch. With
`accumulate = N` the gradients of N consecutive iterations are summed (each
loss divided by N, the last incomplete group of the run by its own size) and
the optimizer steps every N iterations and after the last one; the schedules
still advance per iteration, and the values of the iteration that steps are
the ones used. The scheduled values are computed once by
`sspec.schedules.compute(plan)` and written into the param groups before the
step of every iteration, so iteration i uses exactly `values.at(target, i)`.

Hooks report what they do with `runner.record(name=value, ...)`: the values
go into the metrics line of the iteration under way (or, from an epoch-level
hook point, of the next one), and those recorded after the last iteration
into `summary.json`'s `"hooks"`. Pending records are part of checkpoints, so
a resumed run writes the same lines.

Several processes (started by `sspec run --nproc N` or torchrun; see
sspec.runtime.distributed) train one model: each reads its share of every
batch, DDP averages the gradients, the logged numbers are the means over the
processes, and process 0 alone writes files and runs the linear probe.

Files in the work directory: `metrics.jsonl` (one line per iteration),
`checkpoints/iter_<N>.pt` (CheckpointHook), `summary.json` (with, for a
model that has `features` trained on digits, `probe_acc` and
`probe_acc_random_init`: sspec.runtime.probe's linear-probe accuracy of the
trained model and of the same model at its initialization).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..registry import HOOK_POINTS
from . import checkpoint as ckpt_io
from . import distributed
from .dist import world
from .hooks.base import Hook

__all__ = ["RunError", "Runner", "build_hooks"]

STOP_ENV = "SSPEC_TEST_STOP_AFTER"  # test-only: stop after this many iterations


class RunError(Exception):
    """The Plan cannot be run (a hook without implementation, ...)."""


def resolve_device(device: str) -> torch.device:
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RunError(f"device `{device}` asked for, but CUDA is not available")
    return torch.device(device)


def build_hooks(plan: Mapping[str, Any]) -> dict[str, Hook]:
    """label -> hook instance, for every hook of the Plan. Raises RunError
    for a hook whose implementation cannot be loaded (all of them are
    reported at once)."""
    from .resolve import implementation

    hooks, problems = {}, []
    for d in plan.get("hook_defs") or []:
        label, name = d["label"], d["type"]
        try:
            cls = implementation(name, "hook", uses=plan.get("uses") or ())
        except ImportError as exc:
            where = f" (line {d['line']})" if d.get("line") else ""
            problems.append(f"hook `{name}`{where}: {exc}")
            continue
        try:
            hooks[label] = cls(**(d.get("args") or {}))
        except TypeError as exc:
            problems.append(f"hook `{name}`: cannot build it: {exc}")
    if problems:
        raise RunError("\n".join(problems))
    return hooks


def _to(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to(b, device) for b in batch)
    return batch


class Runner:
    def __init__(self, plan: Mapping[str, Any], work_dir: str | Path, device: str | None = None,
                 resume: bool = False, log: Callable[[str], None] = print,
                 stop_after: int | None = None):
        from ..schedules import compute
        from .data import build_data
        from .models import build_model
        from .optim import build_optimizer

        self.plan = plan
        self.work_dir = Path(work_dir)
        self.log = log
        self.resume = resume
        train = plan["train"]
        self.train_cfg = train
        self.max_iters = int(train["iters"])
        self.accumulate = int(train.get("accumulate") or 1)
        self.clip = train.get("clip_grad_norm")
        self.precision = train.get("precision") or "fp32"
        self.seed = int(train.get("seed") or 0)
        if stop_after is None and os.environ.get(STOP_ENV):
            stop_after = int(os.environ[STOP_ENV])
        self.stop_after = stop_after

        # hooks first: an unimplemented hook is an error before anything is built
        self.hooks = build_hooks(plan)
        self.order = {p: [self.hooks[label] for label in (plan.get("hooks") or {}).get(p, [])
                          if label in self.hooks] for p in HOOK_POINTS}

        self.device = resolve_device(device if device not in (None, "auto")
                                     else train.get("device", "auto"))
        if distributed.launched():  # started by `sspec run --nproc` or torchrun
            if self.device.type == "cuda" and distributed.local_rank() >= torch.cuda.device_count():
                raise RunError(f"process {distributed.local_rank()} of this machine needs GPU "
                               f"{distributed.local_rank()}, but it has {torch.cuda.device_count()}:"
                               " start at most one process per GPU")
            self.device = distributed.init(self.device)
        self.rank, self.world_size = world()
        if self.rank != 0:  # rank 0 speaks for all: the messages are the same
            self.log = lambda text: None
        planned = int(train.get("world_size") or 1)
        if planned != self.world_size:
            raise RunError(f"the Plan is for {planned} process(es) (`train.world_size`), but "
                           f"{self.world_size} are training: compile it with "
                           f"`--set train.world_size={self.world_size}`")
        self._seed_all(self.seed)  # the same seed in every process, as MMEngine's default
        uses = plan.get("uses") or ()
        self.model = build_model(plan["model"], uses).to(self.device)
        self.data = build_data(plan["data"], self.seed, uses)
        if self.world_size > 1:
            if not callable(getattr(self.data, "shard", None)):
                raise RunError(f"data `{plan['data']['type']}` cannot be shared by several "
                               "processes: its source has no `shard(rank, world_size)` "
                               "(see sspec.runtime.data.DataSource)")
            self.data.shard(self.rank, self.world_size)
        from .probe import probe_applies

        # the model at its initialization, for the random-init linear probe
        self.init_state = ({k: v.detach().clone() for k, v in self.model.state_dict().items()}
                           if probe_applies(plan, self.model, self.data) else None)
        self.ipe = int(train.get("iters_per_epoch") or self.data.iters_per_epoch)
        if self.ipe != self.data.iters_per_epoch:
            raise RunError(f"the recipe has {self.ipe} iterations per epoch (`iters_per_epoch`), "
                           f"but the data `{plan['data']['type']}` gives "
                           f"{self.data.iters_per_epoch} batches per epoch")
        self.built = build_optimizer(plan, self.model)
        self.optimizer = self.built.optimizer
        # DDP around train_step; `self.model` stays the bare model hooks use
        self.ddp = distributed.wrap(self.model, self.device) if self.world_size > 1 else None
        self.values = compute(plan)
        self._prepare_schedules()

        amp = self.precision in ("fp16", "bf16")
        self.amp_dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.precision)
        self.autocast = amp
        self.scaler = torch.amp.GradScaler(self.device.type) if self.precision == "fp16" else None
        self.skipped_steps = 0

        self.iter = 0          # the current (0-based) iteration; after training: max_iters
        self.epoch = 0
        self.inner_iter = 0
        self.outputs: dict[str, Any] = {}
        self.val_metrics: dict[str, float] = {}
        self.last_saved: int | None = None
        self.applied: int | None = None
        self.records: dict[str, Any] = {}  # hook values for the next metrics line
        self._row: dict[str, Any] | None = None  # this iteration's line, until written
        self._metrics_file = None
        self._check_hook_requirements()

    # ------------------------------------------------------------ setup

    def _check_hook_requirements(self) -> None:
        """A hook needs parts of the model (`Hook.requires`): say which is
        missing before training starts, naming the recipe line."""
        from ..registry import lookup

        problems = []
        for d in self.plan.get("hook_defs") or []:
            hook, component = self.hooks.get(d["label"]), lookup(d["type"])
            requires = (component.requires if component is not None and component.kind == "hook"
                        else getattr(hook, "requires", ()))
            missing = [a for a in requires if not hasattr(self.model, a)]
            if missing:
                where = f" (line {d['line']})" if d.get("line") else ""
                problems.append(
                    f"hook `{d['type']}`{where} needs a model with "
                    + ", ".join(f"`{a}`" for a in missing)
                    + f"; model `{self.plan['model']['type']}` has none")
        if problems:
            raise RunError("\n".join(problems))

    def record(self, **values: Any) -> None:
        """Hook values for the metrics (see the module docstring)."""
        self.records.update(values)

    @staticmethod
    def _seed_all(seed: int) -> None:
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)

    def _prepare_schedules(self) -> None:
        """For every torch param group, the (key, curve, scale) to write each
        iteration; and the metric columns."""
        values = self.values
        known = set(values.group_info)
        self.writes: list[tuple[dict, str, np.ndarray, float]] = []
        fixed: dict[tuple[str, str], tuple[dict, str]] = {}  # groups SimSiamHook sets, not the loop
        self._write_info: list[tuple[str, str]] = []  # (schedule group, target) of each write
        self.model_writes: list[tuple[str, np.ndarray]] = []
        adam_like = lambda g: "momentum" not in g and "betas" in g
        for tg, info in zip(self.optimizer.param_groups, self.built.groups):
            sg = info["schedule_group"]
            scale = float(info.get("lr_scale") or 1.0)
            for target in values.values:
                if target.startswith("model."):
                    continue
                if target == "lr" and tg.get("fixed_lr"):
                    fixed.setdefault((sg, target), (tg, "lr"))
                    continue
                if sg == "default":
                    curve = values.curve(target)
                elif sg in known:
                    curve = values.curve(target, sg)
                else:  # a combination of rules: computed as a rule of its own
                    curve = self._combined(sg, info["settings"]).get(target, values.curve(target))
                key = "betas" if target == "momentum" and adam_like(tg) else target
                if key not in tg:
                    continue
                self.writes.append((tg, key, curve, scale if target == "lr" else 1.0))
                self._write_info.append((sg, target))
        for target in values.values:
            if target.startswith("model."):
                self.model_writes.append((target[len("model."):], values.values[target]))
        # metric columns: read from a torch group that holds the value unscaled
        holder: dict[tuple[str, str], tuple[dict, str]] = dict(fixed)
        for (tg, key, _, scale), info in zip(self.writes, self._write_info):
            if scale == 1.0:
                holder.setdefault(info, (tg, key))
        self.columns: list[tuple[str, np.ndarray, tuple | None]] = [
            (t, c, holder.get(("default", t))) for t, c in values.values.items()]
        for g, vals in values.groups.items():
            self.columns += [(f"{t}[{g}]", c, holder.get((g, t))) for t, c in vals.items()]

    def _combined(self, name: str, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Curves of a group whose settings combine several rules, which
        sspec.schedules does not name: those of a rule with these settings."""
        cache = self.__dict__.setdefault("_combined_cache", {})
        if name not in cache:
            from ..schedules import compute

            plan = json.loads(json.dumps(self.plan))
            line = -1 - len(cache)
            plan["optimizer"]["rules"] = list(plan["optimizer"].get("rules") or []) + [
                {"selectors": [], "settings": dict(settings), "line": line}]
            got = compute(plan)
            cache[name] = dict(got.groups.get(f"line {line}", {}))
        return cache[name]

    def apply_schedules(self, i: int) -> None:
        """Write iteration i's scheduled values into the param groups and the model."""
        self.applied = i
        for tg, key, curve, scale in self.writes:
            v = float(curve[i])
            if scale != 1.0:
                v = v * scale
            if key == "betas":
                tg["betas"] = (v, tg["betas"][1])
            else:
                tg[key] = v
        for attr, curve in self.model_writes:
            setattr(self.model, attr, float(curve[i]))

    # ------------------------------------------------------------ hooks

    def call(self, point: str, *args) -> None:
        for hook in self.order[point]:
            getattr(hook, point)(self, *args)

    # ------------------------------------------------------------ checkpoints

    @property
    def checkpoint_dir(self) -> Path:
        return self.work_dir / "checkpoints"

    def _write_row(self) -> None:
        """Write the metrics line of the iteration under way, with the hook
        records so far (once; later records wait for the next line)."""
        row = self._row
        if row is None:
            return
        row.update(self.records)
        self.records = {}
        self._metrics_file.write(json.dumps(row) + "\n")
        self._row = None

    def save_checkpoint(self, done: int, save_optimizer: bool = True) -> Path:
        """Save after `done` finished iterations (`iter_<done>.pt`). The
        metrics line of the iteration just finished is written first, so a
        run resumed from here has every line before it."""
        self._write_row()
        if self._metrics_file is not None and not self._metrics_file.closed:
            self._metrics_file.flush()
        ckpt: dict[str, Any] = {
            "sspec_checkpoint": 1,
            "iter": done,
            "epoch": done // self.ipe,
            "inner_iter": done % self.ipe,
            "iters_per_epoch": self.ipe,
            "world_size": self.world_size,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict() if save_optimizer else None,
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "skipped_steps": self.skipped_steps,
            "rng": ckpt_io.rng_state(),
            "records": dict(self.records),
            "plan_hash": ckpt_io.plan_hash(self.plan),
            "plan": json.dumps(self.plan, sort_keys=True),
        }
        self.call("before_save_checkpoint", ckpt)
        path = self.checkpoint_dir / f"iter_{done}.pt"
        if self.rank == 0:  # every process holds the same state
            ckpt_io.save_atomic(ckpt, path)
        self.last_saved = done
        return path

    def load_checkpoint(self) -> int:
        """Restore the newest good checkpoint; the iteration to continue at
        (0: none). That is the checkpoint's number of finished iterations,
        unless the epoch length changed with the number of processes (see
        `_resume_point`); `self.checkpoint_iter` keeps the checkpoint's own."""
        self.checkpoint_iter = 0
        found = self._find_checkpoint()
        if found is None:
            self.log("no checkpoint to resume from: starting from the beginning")
            return 0
        path, ckpt = found
        if ckpt.get("plan_hash") != ckpt_io.plan_hash(self.plan):
            try:
                old = json.loads(ckpt.get("plan") or "{}")
            except ValueError:
                old = {}
            changes = ckpt_io.plan_diff(old, json.loads(json.dumps(self.plan)))
            self.log(f"warning: the recipe changed since {path.name} was saved; "
                     "continuing with the new recipe:"
                     + "".join(f"\n  {c}" for c in changes or ["(plan hash differs)"]))
        self.model.load_state_dict(ckpt["model"])
        if ckpt.get("optimizer") is not None:
            self.optimizer.load_state_dict(ckpt["optimizer"])
            self._prepare_schedules()  # load_state_dict makes new param-group dicts
        if self.scaler is not None and ckpt.get("scaler"):
            self.scaler.load_state_dict(ckpt["scaler"])
        self.skipped_steps = int(ckpt.get("skipped_steps") or 0)
        self.records = dict(ckpt.get("records") or {})
        ckpt_io.set_rng_state(ckpt["rng"])
        self.call("after_load_checkpoint", ckpt)
        self.checkpoint_iter = done = int(ckpt["iter"])
        start = self._resume_point(path, ckpt)
        self.log(f"resumed from {path} (iteration {done})" if start == done else
                 f"resumed from {path} (iteration {done} of {ckpt.get('iters_per_epoch')} per "
                 f"epoch): continuing at iteration {start} of {self.ipe} per epoch")
        return start

    def _find_checkpoint(self) -> tuple[Path, dict] | None:
        """The newest good checkpoint as process 0 finds it (a torn file
        skipped there); every other process reads that same file."""
        found = ckpt_io.load_newest(self.checkpoint_dir, self.log) if self.rank == 0 else None
        if self.world_size == 1:
            return found
        import torch.distributed as dist

        name = [found[0].name if found else None]
        dist.broadcast_object_list(name, src=0)
        if name[0] is None or self.rank == 0:
            return found
        path = self.checkpoint_dir / name[0]
        try:
            return path, ckpt_io.load(path)
        except Exception as exc:  # noqa: BLE001 - missing on this machine, unreadable, ...
            raise RunError(f"process {self.rank} cannot read {path}, which process 0 resumes "
                           f"from ({type(exc).__name__}: {exc}); every machine must see the "
                           "same work directory") from None

    def _resume_point(self, path: Path, ckpt: Mapping) -> int:
        """Where a run continues from a checkpoint written with another epoch
        length (another number of processes, another batch). An epoch-based
        run continues at the same epoch and the same fraction of it, rounded
        down to a whole batch (no sample of the epoch is skipped); an
        iteration-based run, whose length is in iterations, at the same
        iteration. With the same epoch length both are the same iteration."""
        done = int(ckpt["iter"])
        old_ipe = ckpt.get("iters_per_epoch")
        if old_ipe is None:  # written before sspec stored it: the Plan's
            try:
                old_ipe = json.loads(ckpt.get("plan") or "{}")["train"]["iters_per_epoch"]
            except (ValueError, KeyError, TypeError):
                old_ipe = None
        old_ws = int(ckpt.get("world_size") or 1)
        if old_ws != self.world_size:
            self.log(f"warning: {path.name} was written by {old_ws} process(es); this run has "
                     f"{self.world_size}")
        if not old_ipe or int(old_ipe) == self.ipe or self.train_cfg.get("epochs") is None:
            return min(done, self.max_iters)
        epoch, inner = divmod(done, int(old_ipe))
        return min(epoch * self.ipe + inner * self.ipe // int(old_ipe), self.max_iters)

    # ------------------------------------------------------------ steps

    def _autocast(self):
        if not self.autocast:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _loss_divisor(self, i: int) -> int:
        n = self.accumulate
        whole = self.max_iters - self.max_iters % n
        return n if i < whole else self.max_iters - whole

    def train_iter(self, batch) -> dict[str, Any]:
        i = self.iter
        steps = (i + 1) % self.accumulate == 0 or i + 1 == self.max_iters
        # DDP averages the gradients over the processes in backward; an
        # accumulating iteration keeps its gradients local until the step's
        sync = self.ddp.no_sync() if self.ddp is not None and not steps else contextlib.nullcontext()
        with sync:
            with self._autocast():
                batch = _to(batch, self.device)
                out = self._ddp_step(batch) if self.ddp is not None else self.model.train_step(batch)
            loss = out["loss"]
            scaled = loss / self._loss_divisor(i) if self.accumulate > 1 else loss
            if self.scaler is not None:
                self.scaler.scale(scaled).backward()
            else:
                scaled.backward()
        if steps:
            if self.scaler is not None:
                if self.clip:
                    self.scaler.unscale_(self.optimizer)
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
                before = self.scaler.get_scale()
                self.scaler.step(self.optimizer)
                self.scaler.update()
                if self.scaler.get_scale() < before:
                    self.skipped_steps += 1
            else:
                if self.clip:
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
                self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        metrics = {k: (v.item() if isinstance(v, torch.Tensor) else v) for k, v in out.items()}
        return distributed.mean_over_ranks(metrics, self.device)  # what is logged: the mean

    def _ddp_step(self, batch) -> dict[str, Any]:
        try:
            return self.ddp(batch)
        except RuntimeError as exc:  # DDP's reducer finds it in the next forward
            if "did not receive grad" not in str(exc) and "finished reduction" not in str(exc):
                raise
            raise RunError(f"model `{self.plan['model']['type']}` leaves parameters out of its "
                           "loss, which DistributedDataParallel must be told: give its class "
                           "`find_unused_parameters = True`") from None

    def validate(self) -> dict[str, float]:
        val = self.data.val_batches()
        if val is None or not callable(getattr(self.model, "predict", None)):
            return {}
        self.call("before_val_epoch")
        self.model.eval()
        correct = total = 0
        with torch.no_grad(), self._autocast():
            for batch in val:
                x, y = _to(batch[0], self.device), _to(batch[1], self.device)
                correct += int((self.model.predict(x) == y).sum())
                total += int(y.numel())
        self.model.train()
        self.val_metrics = {"accuracy": correct / max(total, 1), "epoch": self.epoch + 1,
                            "iter": self.iter}
        self.call("after_val_epoch")
        return self.val_metrics

    # ------------------------------------------------------------ run

    def run(self) -> dict[str, Any] | None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        metrics_path = self.work_dir / "metrics.jsonl"
        start = kept = 0
        self.call("before_run")
        if self.resume:
            start = self.load_checkpoint()
            kept = self.checkpoint_iter  # the lines written before the checkpoint
        elif self.rank == 0:
            self._move_old_checkpoints()
        if self.rank == 0:  # process 0 alone writes files
            self._truncate_metrics(metrics_path, kept)
        # nobody trains (and may checkpoint) before every process has resumed
        distributed.barrier()
        t0 = time.perf_counter()
        self.model.train()
        self.iter = start
        self.epoch, self.inner_iter = divmod(start, self.ipe)
        if start < self.max_iters:
            self.apply_schedules(start)
        self.call("before_train")
        stopped = False
        with open(metrics_path if self.rank == 0 else os.devnull, "a",
                  encoding="utf-8") as self._metrics_file:
            while self.iter < self.max_iters and not stopped:
                self.epoch = self.iter // self.ipe
                first = self.iter % self.ipe
                if first == 0:
                    self.call("before_train_epoch")
                for batch in self.data.batches(self.epoch, start=first):
                    i = self.iter
                    self.inner_iter = i % self.ipe
                    if self.applied != i:  # no ParamSchedulerHook in the Plan
                        self.apply_schedules(i)
                    self.call("before_train_iter")
                    used = {name: self._used(curve, where, i) for name, curve, where in self.columns}
                    self.outputs = self.train_iter(batch)
                    row = {"iter": i, "epoch": self.epoch, "world_size": self.world_size, **used}
                    row["loss"] = self.outputs["loss"]
                    for k, v in self.outputs.items():
                        if k not in row and isinstance(v, (int, float)):
                            row[k] = v
                    self._row = row
                    self.call("after_train_iter")
                    self._write_row()
                    self.iter = i + 1
                    if self.stop_after is not None and self.iter >= self.stop_after \
                            and self.iter < self.max_iters:
                        stopped = True
                        break
                    if self.iter >= self.max_iters or self.iter % self.ipe == 0:
                        break
                if stopped:
                    break
                self._metrics_file.flush()
                if self.iter % self.ipe == 0 or self.iter >= self.max_iters:
                    # as in MMEngine: `iter` counts the finished iterations
                    # here, `epoch` is still the finished epoch's index
                    self.validate()
                    self.call("after_train_epoch")
        if stopped:
            self.log(f"stopped after {self.iter} iterations ({STOP_ENV})")
            return None
        self.call("after_train")
        seconds = time.perf_counter() - t0
        summary = {
            "recipe": self.plan.get("recipe"),
            "iterations": self.max_iters,
            "resumed_from": start,
            "seconds": round(seconds, 3),
            "device": str(self.device),
            "world_size": self.world_size,
            "precision": self.precision,
            "skipped_steps": self.skipped_steps,
            "final": {k: v for k, v in self.outputs.items() if isinstance(v, (int, float))},
        }
        if self.val_metrics:
            summary["val_accuracy"] = self.val_metrics["accuracy"]
        if self.records:
            summary["hooks"] = dict(self.records)
        if self.rank == 0:  # the probe and the files: process 0's work
            if self.init_state is not None:
                summary.update(self._probe())
            (self.work_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        self.summary = summary
        self.call("after_run")
        return summary

    def _probe(self) -> dict[str, float]:
        """Linear-probe accuracies (sspec.runtime.probe) of the trained model
        and of the same model at its initialization."""
        import copy

        from .probe import linear_probe

        initial = copy.deepcopy(self.model)
        initial.load_state_dict(self.init_state)
        return {"probe_acc": linear_probe(self.model, self.data, self.device, self.seed),
                "probe_acc_random_init": linear_probe(initial, self.data, self.device, self.seed)}

    @staticmethod
    def _used(curve: np.ndarray, where: tuple | None, i: int) -> float:
        """The value a param group holds for this step (the curve's where no
        group holds it: a `model.X` target, a group without parameters)."""
        if where is None:
            return float(curve[i])
        tg, key = where
        value = tg[key]
        return float(value[0] if key == "betas" else value)

    def _move_old_checkpoints(self) -> None:
        """A fresh run keeps an earlier run's checkpoints, out of `--resume`'s way."""
        old = ckpt_io.list_checkpoints(self.checkpoint_dir)
        if not old:
            return
        aside = self.work_dir / time.strftime("checkpoints.old-%Y%m%d-%H%M%S")
        n = 1
        while aside.exists():
            n += 1
            aside = aside.with_name(f"{aside.name.split('~')[0]}~{n}")
        self.checkpoint_dir.rename(aside)
        self.log(f"starting afresh: moved {len(old)} checkpoint(s) of an earlier run to {aside} "
                 "(use --resume to continue a run)")

    @staticmethod
    def _truncate_metrics(path: Path, start: int) -> None:
        """Keep exactly the lines of iterations before `start`."""
        if not path.exists():
            return
        if start == 0:
            path.write_text("")
            return
        keep = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                if json.loads(line)["iter"] < start:
                    keep.append(line)
            except (ValueError, KeyError, TypeError):
                break
        path.write_text("".join(line + "\n" for line in keep))
