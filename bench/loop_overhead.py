"""Loop overhead: sspec's training loop against a hand-written torch loop.

Both train the same small MLP on digits (batch 64) with a linear warm-up then
a cosine lr, on the CPU, one thread. sspec's loop runs the recipe below with
six no-op user hooks (at every hook point) besides ParamSchedulerHook, and
writes metrics.jsonl as `sspec run` does; the hand loop uses torch's
LinearLR + CosineAnnealingLR (SequentialLR) and validates every epoch, as
sspec's loop does. The time of an iteration is the time between the starts
of consecutive iterations (so it includes data, hooks, logging); the median
over all iterations of all repeats is reported, the two loops interleaved.

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
    sspec_loop(plan), hand_loop(args.epochs)  # warm-up
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours += sspec_loop(plan)
        theirs += hand_loop(args.epochs)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"iterations per run: {plan['train']['iters']}, repeats: {args.repeats}")
    print(f"sspec loop (6 no-op hooks): median {a * 1e6:.1f} us/iter")
    print(f"hand-written torch loop:     median {b * 1e6:.1f} us/iter")
    print(f"ratio={a / b:.2f}")


if __name__ == "__main__":
    main()
