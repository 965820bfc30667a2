"""Render-speed benchmark: a 3-phase recipe over 1,000,000 iterations.

Budget (from the issue): rendering the values of a 3-phase recipe over
1,000,000 iterations takes well under a second (vectorized), and is at least
100x faster than stepping MMEngine's schedulers for the same curve, measured
in one run.

The recipe (an iteration-based run, SGD, three `lr` phases stepped per
iteration):

    [0it, 10000it)        LinearLR(start_factor = 0.001)         warm-up
    [10000it, 800000it)   CosineAnnealingLR(eta_min = 1e-5)      decay
    [800000it, end)       StepLR(step_size = 50000, gamma = 0.5) tail

What is timed:

* sspec: `sspec.schedules.compute(plan)` on the compiled Plan (median of
  --runs runs after a warm-up), in its default exact mode (MMEngine's numbers
  bit for bit) and with exact=False; compiling the recipe separately; and,
  once, `sspec render --format json -o FILE` end to end as a subprocess
  (start-up, check, compute, and writing ~60 MB of JSON), unless --no-cli.
* MMEngine (only when `mmengine` and `torch` are importable): the same three
  schedulers (`LinearLR`, `CosineAnnealingLR`, `StepLR`, by_epoch=False) built
  with `PARAM_SCHEDULERS.build` on an `OptimWrapper` around a one-parameter
  SGD, then the per-iteration loop of `ParamSchedulerHook.after_train_iter`:
  read the group's lr (what `optimizer.step()` would use), step every
  scheduler. `optimizer.step()` itself is not called, so only the schedulers
  are timed (this flatters MMEngine). If the first 100,000 steps project the
  whole run beyond --mm-budget seconds, the loop stops there and the time is
  extrapolated linearly (the output says so). The values stepped are compared
  with sspec's to 1e-12 of the curve's peak. For context, the first 100,000
  steps are also timed through `ParamSchedulerHook.after_train_iter` itself.

The speed-up is MMEngine's time for 1,000,000 steps over sspec's compute
(exact mode). The last line is `speedup=X` (`speedup=unmeasured (mmengine not
installed)` without mmengine).

Usage:  python bench/render_speed.py [--runs N] [--iters N] [--mm-budget S] [--no-cli]

Always exits 0 unless the values disagree (exit 1).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RTOL = 1e-12
PROBE = 100_000

LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 1e-4


def phases(iters: int) -> list[tuple[int, int, str, dict]]:
    """(begin, end, scheduler, args): the recipe's three phases, in iterations."""
    warm, cos_end = iters // 100, iters * 4 // 5
    return [(0, warm, "LinearLR", dict(start_factor=0.001)),
            (warm, cos_end, "CosineAnnealingLR", dict(eta_min=1e-5)),
            (cos_end, iters, "StepLR", dict(step_size=iters // 20, gamma=0.5))]


def recipe(iters: int) -> str:
    rows = []
    for begin, end, name, args in phases(iters):
        text = ", ".join(f"{k} = {v!r}" for k, v in args.items())
        bound = "end" if end == iters else f"{end}it"
        rows.append(f"    [{begin}it, {bound})  {name}({text}) per iter")
    return (f"recipe render_speed\n"
            f"train {{ iters = {iters} }}\n"
            f"model = mlp()\n"
            f"data = synthetic_images(n = 512, batch = 64)\n"
            f"optimizer SGD(lr = {LR}, momentum = {MOMENTUM}, weight_decay = {WEIGHT_DECAY})\n"
            f"schedule lr {{\n" + "\n".join(rows) + "\n}\n")


def timed(fn, runs: int) -> tuple[float, list[float], object]:
    fn()                                   # warm-up
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, out


def sspec_side(text: str, runs: int):
    from sspec.compiler import compile_source
    from sspec.schedules import compute

    compile_s, _, compiled = timed(lambda: compile_source(text, "render_speed.ss"), runs)
    errors = [f"{d.code} {d.message}" for d in compiled.diagnostics if d.is_error]
    if compiled.plan is None:
        raise SystemExit(f"the benchmark recipe does not check: {errors}")
    plan = compiled.plan
    exact_s, exact_all, result = timed(lambda: compute(plan), runs)
    fast_s, fast_all, fast = timed(lambda: compute(plan, exact=False), runs)
    return compile_s, (exact_s, exact_all, result), (fast_s, fast_all, fast)


def cli_side(text: str) -> float | None:
    exe = Path(sys.executable).with_name("sspec")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sspec"]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "render_speed.ss"
        src.write_text(text, encoding="utf-8")
        out = Path(tmp) / "values.json"
        start = time.perf_counter()
        proc = subprocess.run(cmd + ["render", str(src), "--format", "json", "-o", str(out)],
                              capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            print(f"  sspec render failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
            return None
        size = out.stat().st_size
    print(f"  sspec render --format json, end to end (1 run): {elapsed:.3f} s "
          f"({size / 1e6:.1f} MB of JSON)")
    return elapsed


def mmengine_side(iters: int, budget: float):
    """(seconds for `iters` steps, measured or extrapolated; steps taken;
    the lr of each step taken) or None without mmengine."""
    try:
        import mmengine
        import torch
        from mmengine.optim import OptimWrapper
        from mmengine.registry import PARAM_SCHEDULERS
    except ImportError:
        return None
    import warnings
    warnings.filterwarnings("ignore")
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    wrapper = OptimWrapper(optimizer)
    schedulers = [PARAM_SCHEDULERS.build(dict(type=name, by_epoch=False, begin=b, end=e, **args),
                                         default_args=dict(optimizer=wrapper))
                  for b, e, name, args in phases(iters)]
    group = optimizer.param_groups[0]
    lrs: list[float] = []
    append = lrs.append

    def chunk(n: int) -> None:
        for _ in range(n):
            append(group["lr"])
            for s in schedulers:          # ParamSchedulerHook.after_train_iter
                s.step()

    start = time.perf_counter()
    probe = min(PROBE, iters)
    chunk(probe)
    probe_s = time.perf_counter() - start
    projected = probe_s * iters / probe
    if projected > budget and probe < iters:
        return dict(seconds=projected, steps=probe, measured=False, probe_s=probe_s,
                    values=np.array(lrs), versions=(mmengine.__version__, torch.__version__))
    chunk(iters - probe)
    elapsed = time.perf_counter() - start
    return dict(seconds=elapsed, steps=iters, measured=True, probe_s=probe_s,
                values=np.array(lrs), versions=(mmengine.__version__, torch.__version__))


def mmengine_hook_probe(iters: int) -> float:
    """Seconds per step when the same schedulers are stepped through
    `ParamSchedulerHook.after_train_iter` (as a Runner calls it), over the
    first 100,000 steps; for context only."""
    import torch
    from mmengine.hooks import ParamSchedulerHook
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS

    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    wrapper = OptimWrapper(optimizer)

    class Runner:          # all that after_train_iter reads
        param_schedulers = [
            PARAM_SCHEDULERS.build(dict(type=name, by_epoch=False, begin=b, end=e, **args),
                                   default_args=dict(optimizer=wrapper))
            for b, e, name, args in phases(iters)]

    hook, group, lrs = ParamSchedulerHook(), optimizer.param_groups[0], []
    n = min(PROBE, iters)
    start = time.perf_counter()
    for i in range(n):
        lrs.append(group["lr"])
        hook.after_train_iter(Runner, i)
    return (time.perf_counter() - start) / n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs of compute (median)")
    ap.add_argument("--iters", type=int, default=1_000_000)
    ap.add_argument("--mm-budget", type=float, default=300.0,
                    help="step MMEngine for the whole run only if the first 100,000 steps "
                         "project it under this many seconds (else extrapolate)")
    ap.add_argument("--no-cli", action="store_true", help="skip `sspec render` end to end")
    args = ap.parse_args(argv)

    iters = args.iters
    text = recipe(iters)
    print(f"render_speed: 3-phase lr recipe, {iters:,} iterations "
          f"(python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cpus)")
    for b, e, name, a in phases(iters):
        print(f"  [{b}, {e})  {name}({', '.join(f'{k}={v}' for k, v in a.items())}) per iter")

    compile_s, (exact_s, exact_all, result), (fast_s, fast_all, fast) = \
        sspec_side(text, args.runs)
    lr = result.values["lr"]
    assert lr.shape == (iters,)
    print(f"  sspec compile_source: {compile_s * 1e3:.1f} ms (median of {args.runs})")
    print(f"  sspec compute, exact (default): {exact_s:.3f} s (median of {args.runs}: "
          + ", ".join(f"{t:.3f}" for t in exact_all) + ")")
    print(f"  sspec compute, exact=False:     {fast_s:.3f} s (median of {args.runs}: "
          + ", ".join(f"{t:.3f}" for t in fast_all) + ")")
    peak = float(np.max(np.abs(lr)))
    print(f"  exact vs exact=False: max |diff| {np.max(np.abs(fast.values['lr'] - lr)):.3g} "
          f"(peak {peak:g})")
    if not args.no_cli:
        cli_side(text)

    mm = mmengine_side(iters, args.mm_budget)
    if mm is None:
        print("  MMEngine: not installed (pip install torch==2.13.0 mmengine==0.10.7 to compare)")
        print("speedup=unmeasured (mmengine not installed)")
        return 0
    version, torch_version = mm["versions"]
    steps = mm["steps"]
    if mm["measured"]:
        print(f"  MMEngine {version} (torch {torch_version}), stepping 3 schedulers: "
              f"{mm['seconds']:.2f} s for {steps:,} steps (measured)")
    else:
        print(f"  MMEngine {version} (torch {torch_version}), stepping 3 schedulers: "
              f"{mm['probe_s']:.2f} s for {steps:,} steps; {mm['seconds']:.1f} s for "
              f"{iters:,} EXTRAPOLATED linearly (over --mm-budget {args.mm_budget:g} s)")
    want = mm["values"]
    got = lr[:steps]
    err = np.abs(got - want)
    scale = float(np.max(np.abs(want)))
    equal = int(np.sum(got == want))
    ok = bool(np.all(err <= RTOL * scale))
    worst = int(np.argmax(err))
    print(f"  values over the {steps:,} steps taken: "
          f"{'agree' if ok else 'DISAGREE'} to {RTOL:g} of the peak; max |diff| "
          f"{err[worst]:.3g} at iteration {worst}; {equal:,}/{steps:,} bit for bit")
    per_step = mmengine_hook_probe(iters)
    print(f"  (for context: through ParamSchedulerHook.after_train_iter, "
          f"{per_step * 1e6:.1f} us a step over {min(PROBE, iters):,} steps, i.e. "
          f"~{per_step * iters:.1f} s for {iters:,}: ~{per_step * iters / exact_s:,.0f}x sspec)")
    speedup = mm["seconds"] / exact_s
    print(f"  speed-up over MMEngine: {speedup:,.0f}x (exact), "
          f"{mm['seconds'] / fast_s:,.0f}x (exact=False)"
          + ("" if mm["measured"] else "  [MMEngine time extrapolated]"))
    print(f"speedup={speedup:.0f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
