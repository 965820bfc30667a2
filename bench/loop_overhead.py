"""Loop overhead: sspec's training loop against a hand-written torch loop.

Both train the same small MLP on digits (batch 64) with a linear warm-up then
a cosine lr, on the CPU, one thread. sspec's loop runs the recipe below with
six no-op user hooks (at every hook point) besides ParamSchedulerHook, and
writes metrics.jsonl as `sspec run` does; the hand loop uses torch's
LinearLR + CosineAnnealingLR (SequentialLR) and validates every epoch, as
sspec's loop does. The time of an iteration is the time between the starts
of consecutive iterations (so it includes data, hooks, logging); the median
over all iterations of all repeats is reported, the loops interleaved.

When `import mmengine` succeeds, the same workload is also driven by
MMEngine's `Runner`: the same model (wrapped in a `BaseModel` whose
`forward(mode="loss")` returns the loss dict), the same batches (the data
source's own `batches(epoch)`, fed through a minimal iterable loader), SGD
with the same arguments, the same LinearLR warm-up + CosineAnnealingLR per
iteration as `param_scheduler`, and six no-op custom hooks (the last one
stamping the time). MMEngine's default hooks are kept except `checkpoint`
and `logger` (disabled, so no checkpoints or log lines are written), there
is no validation loop (MMEngine's loop validates only with a val
dataloader; validation falls into one interval per epoch and barely moves a
median anyway), and its work dir is a temporary directory. It prints
`mmengine_ratio=Y` (MMEngine's median per-iteration time over the hand
loop's), or `mmengine_ratio=unmeasured (mmengine not installed)`.

Usage:  python bench/loop_overhead.py [--epochs N] [--repeats N]

Always exits 0: it is a benchmark, not a test. The last line is `ratio=X.XX`
(sspec's median per-iteration time over the hand loop's).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time

import torch

from sspec.compiler import compile_source
from sspec.runtime.hooks import Hook

RECIPE = """recipe loop_overhead
train {{ epochs = {epochs}  seed = 0  device = cpu }}
model = mlp(hidden = 128)
data  = digits(batch = 64)
optimizer SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4)
schedule lr {{
    [0ep, 1ep)   LinearLR(start_factor = 0.01)   per iter
    [1ep, end)   CosineAnnealingLR(eta_min = 0)  per iter
}}
""" + "".join(f'hook H{k} = "__main__:NoOp"()\n' for k in range(5)) + \
    'hook T = "__main__:Stamp"()\n'

STAMPS: list[float] = []


class NoOp(Hook):
    pass


class Stamp(Hook):
    """No-op but for a timestamp at the start of each iteration."""

    def before_train_iter(self, runner) -> None:
        STAMPS.append(time.perf_counter())


def sspec_loop(plan) -> list[float]:
    from sspec.runtime.loop import Runner

    STAMPS.clear()
    with tempfile.TemporaryDirectory() as work:
        runner = Runner(plan, work, device="cpu", log=lambda s: None)
        runner.run()
        STAMPS.append(time.perf_counter())
    return [b - a for a, b in itertools.pairwise(STAMPS)]


def hand_loop(epochs: int) -> list[float]:
    from sspec.runtime.data import build_data
    from sspec.runtime.models import build_model

    torch.manual_seed(0)
    model = build_model({"type": "mlp", "user": False, "args": {"hidden": 128}})
    data = build_data({"type": "digits", "user": False, "args": {"batch": 64}})
    ipe = data.iters_per_epoch
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=ipe)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=ipe * (epochs - 1), eta_min=0)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[ipe])
    stamps = []
    model.train()
    for epoch in range(epochs):
        for x, y in data.batches(epoch):
            stamps.append(time.perf_counter())
            out = model.train_step((x, y))
            out["loss"].backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            out["loss"].item()
        model.eval()
        with torch.no_grad():
            for x, y in data.val_batches():
                (model.predict(x) == y).sum()
        model.train()
    stamps.append(time.perf_counter())
    return [b - a for a, b in itertools.pairwise(stamps)]


def mmengine_loop(epochs: int, run_index: int) -> list[float]:
    """The hand loop's workload driven by MMEngine's Runner; per-iteration times."""
    from mmengine.hooks import Hook as MMHook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner as MMRunner

    from sspec.runtime.data import build_data
    from sspec.runtime.models import build_model

    stamps: list[float] = []

    class MMNoOp(MMHook):
        pass

    class MMStamp(MMHook):
        def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
            stamps.append(time.perf_counter())

    class Wrapped(BaseModel):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x, y, mode="loss"):
            if mode != "loss":
                raise NotImplementedError(mode)
            out = self.net.train_step((x, y))  # same work as the hand loop's step
            return {"loss": out["loss"]}

    class EpochBatches:
        """The data source's batches of one epoch per pass (no DataLoader)."""

        def __init__(self, data):
            self.data, self.dataset, self.epoch = data, (), 0

        def __len__(self) -> int:
            return self.data.iters_per_epoch

        def __iter__(self):
            epoch, self.epoch = self.epoch, self.epoch + 1
            return iter(self.data.batches(epoch))

    torch.manual_seed(0)
    model = build_model({"type": "mlp", "user": False, "args": {"hidden": 128}})
    data = build_data({"type": "digits", "user": False, "args": {"batch": 64}})
    ipe = data.iters_per_epoch
    with tempfile.TemporaryDirectory() as work:
        runner = MMRunner(
            model=Wrapped(model),
            work_dir=work,
            experiment_name=f"loop_overhead_{run_index}",
            train_dataloader=EpochBatches(data),
            train_cfg={"by_epoch": True, "max_epochs": epochs, "val_interval": 10**9},
            optim_wrapper={"optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9,
                                         "weight_decay": 1e-4}},
            # MMEngine's LinearLR runs end - begin - 1 steps: end = ipe + 1 gives torch's
            # total_iters = ipe (checked: the same lr as the hand loop's at every iteration)
            param_scheduler=[
                {"type": "LinearLR", "start_factor": 0.01, "by_epoch": False, "begin": 0, "end": ipe + 1},
                {"type": "CosineAnnealingLR", "T_max": ipe * (epochs - 1), "eta_min": 0,
                 "by_epoch": False, "begin": ipe, "end": ipe * epochs},
            ],
            default_hooks={"checkpoint": None, "logger": None},
            custom_hooks=[MMNoOp() for _ in range(5)] + [MMStamp()],
            visualizer={"type": "Visualizer", "name": f"loop_overhead_{run_index}", "vis_backends": []},
            log_level="ERROR",
            randomness={"seed": 0},
        )
        torch.set_num_threads(1)
        runner.train()
        stamps.append(time.perf_counter())
        if len(stamps) != epochs * ipe + 1:
            raise RuntimeError(f"MMEngine ran {len(stamps) - 1} iterations, expected {epochs * ipe}")
    return [b - a for a, b in itertools.pairwise(stamps)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    result = compile_source(RECIPE.format(epochs=args.epochs), "loop_overhead.ss", [])
    if not result.ok:
        sys.exit("\n".join(d.message for d in result.diagnostics))
    plan = result.plan
    try:
        import mmengine  # noqa: F401
        has_mmengine = True
    except ImportError:
        has_mmengine = False
    sspec_loop(plan), hand_loop(args.epochs)  # warm-up
    mm_runs = 0
    if has_mmengine:
        mmengine_loop(args.epochs, mm_runs)
        mm_runs += 1
    ours, theirs, mm = [], [], []
    for _ in range(args.repeats):
        ours += sspec_loop(plan)
        theirs += hand_loop(args.epochs)
        if has_mmengine:
            mm += mmengine_loop(args.epochs, mm_runs)
            mm_runs += 1
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"iterations per run: {plan['train']['iters']}, repeats: {args.repeats}")
    print(f"sspec loop (6 no-op hooks): median {a * 1e6:.1f} us/iter")
    print(f"hand-written torch loop:     median {b * 1e6:.1f} us/iter")
    if has_mmengine:
        c = statistics.median(mm)
        print(f"MMEngine Runner (6 no-op hooks): median {c * 1e6:.1f} us/iter")
        print(f"mmengine_ratio={c / b:.2f}")
    else:
        print("mmengine_ratio=unmeasured (mmengine not installed)")
    print(f"ratio={a / b:.2f}")


if __name__ == "__main__":
    main()
