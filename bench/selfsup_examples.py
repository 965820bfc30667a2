"""The self-supervised examples: how long each takes, and whether it learns.

Runs `sspec run` on each `examples/*_digits.ss` self-supervised recipe (its
defaults, nothing overridden, one after the other, each in a fresh process
and work directory) and reports the wall time of the whole command (start-up,
training, the two linear probes), the training time `summary.json` records,
and the probe of the trained network against the probe of the same network
at its random initialization. The issue's bar: under 120 s each on a 2-core
CPU, and `probe_acc > probe_acc_random_init`. Measure on an idle machine: the
torch threads of a run slow down many times over when other work shares the
cores.

Usage:  python bench/selfsup_examples.py [--seeds 0 1 2] [--threads N] [NAME ...]

`--seeds` runs each example once per `train.seed` (0 alone by default: the
example as written). `--threads` sets OMP_NUM_THREADS for the runs (default:
torch's own choice). Always exits 0: it is a benchmark, not a test. The last
line is `all_under_120s=yes|no learns=N/M`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("simsiam", "densecl", "swav", "odc", "deepcluster")
LIMIT_S = 120.0


def run(name: str, seed: int | None, work: Path, threads: int | None) -> dict:
    command = [sys.executable, "-m", "sspec", "run", str(ROOT / "examples" / f"{name}_digits.ss"),
               "--work-dir", str(work)]
    if seed is not None:
        command += ["--set", f"train.seed={seed}"]
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        return {"name": name, "seed": seed, "error": done.stderr.strip().splitlines()[-1:]}
    summary = json.loads((work / "summary.json").read_text())
    return {"name": name, "seed": seed, "wall_s": round(wall, 1), "train_s": summary["seconds"],
            "probe_acc": summary["probe_acc"], "probe_acc_random_init": summary["probe_acc_random_init"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=list(NAMES))
    parser.add_argument("--seeds", type=int, nargs="*", default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    seeds = args.seeds or [None]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.names:
            for seed in seeds:
                row = run(name, seed, Path(tmp) / f"{name}-{seed}", args.threads)
                rows.append(row)
                if "error" in row:
                    print(f"{name:12} seed {seed}: failed: {row['error']}", flush=True)
                    continue
                margin = round((row["probe_acc"] - row["probe_acc_random_init"]) * 359)
                print(f"{name:12} seed {'-' if seed is None else seed}: {row['wall_s']:6.1f} s wall "
                      f"({row['train_s']:6.1f} s training)  probe {row['probe_acc']:.4f} vs random init "
                      f"{row['probe_acc_random_init']:.4f} ({margin:+d} of 359 validation digits)", flush=True)
    good = [r for r in rows if "error" not in r]
    fast = all(r["wall_s"] < LIMIT_S for r in good) and len(good) == len(rows)
    learns = sum(r["probe_acc"] > r["probe_acc_random_init"] for r in good)
    print(f"all_under_120s={'yes' if fast else 'no'} learns={learns}/{len(rows)}")


if __name__ == "__main__":
    main()
