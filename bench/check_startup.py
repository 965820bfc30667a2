"""Startup benchmark: cold `sspec check` against bare imports of its dependencies.

Budget (from the performance issue): a cold `sspec check examples/mae_vit_tiny.ss`
takes at most 1.3x the time of

    python -c "import lark, click, jsonschema, networkx"

measured in the same run.

"Cold" here means *cold process, warm disk cache*: every measurement is a fresh
Python process (nothing imported, no in-process caches), but the OS page cache
is warm, the `.pyc` files exist, and Lark's grammar cache file (written the
first time the parser is built with `cache=True`, in the temp directory) is
already there. The warm-up runs before the timed runs exist to make sure of
that, so the numbers are stable and comparable; a truly first-ever run (no
Lark cache, no bytecode) is slower and is not what the budget is about.

Bytecode: this environment may set PYTHONDONTWRITEBYTECODE=1, and an editable
install has no `.pyc` for sspec's own modules, so every run would compile them
from source (tens of ms) while the dependencies' `.pyc` files exist in
site-packages. An installed sspec has its bytecode, so by default both commands
run with PYTHONDONTWRITEBYTECODE unset and PYTHONPYCACHEPREFIX pointing at a
private temporary directory (nothing is written into the source tree); the
warm-up fills it. `--bytecode env` keeps the environment as it is instead.

The two commands are run interleaved (A, B, A, B, ...) so that drift in machine
load affects both equally; medians are reported. The console script `sspec`
next to `sys.executable` is used (falling back to `python -m sspec`) so that
no shell shim (pyenv, etc.) is timed.

Usage:  python bench/check_startup.py [--runs N] [--warmup N] [--recipe FILE]

Always exits 0: it is a benchmark, not a test. The last line is `ratio=X.XX`.
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

try:
    import resource
except ImportError:  # not on Windows: CPU times are then reported as nan
    resource = None

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 1.3
BASELINE_IMPORTS = "import lark, click, jsonschema, networkx"


def sspec_command() -> list[str]:
    """The installed console script beside this interpreter, else `python -m sspec`."""
    bindir = Path(sys.executable).parent
    for name in ("sspec", "sspec.exe"):
        script = bindir / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [sys.executable, "-m", "sspec"]


def child_env(mode: str) -> dict[str, str]:
    env = dict(os.environ)
    if mode == "cache":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(),
                                                  "sspec-bench-pycache")
    return env


def time_once(cmd: list[str], env: dict[str, str], expect_ok: bool = True) -> float:
    """Wall seconds of one run of `cmd` (from start to exit)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if expect_ok and proc.returncode != 0:
        sys.stderr.write(f"warning: {' '.join(cmd)} exited {proc.returncode}\n"
                         + out.decode(errors="replace")[-2000:]
                         + err.decode(errors="replace")[-2000:])
    return wall


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU user+sys) seconds of one run; the child has been reaped when
    time_once returns, so its CPU time is the change in RUSAGE_CHILDREN."""
    if resource is None:
        return time_once(cmd, env), float("nan")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time_once(cmd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each command")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each first")
    parser.add_argument("--recipe", default="examples/mae_vit_tiny.ss")
    parser.add_argument("--bytecode", choices=["cache", "env"], default="cache",
                        help="cache: .pyc files kept in a private PYTHONPYCACHEPREFIX "
                             "(default); env: the environment as it is (it may forbid .pyc)")
    args = parser.parse_args(argv)

    check_cmd = sspec_command() + ["check", args.recipe]
    base_cmd = [sys.executable, "-c", BASELINE_IMPORTS]
    print(f"sspec:    {' '.join(check_cmd)}")
    print(f"baseline: {' '.join(base_cmd)}")
    env = child_env(args.bytecode)
    print(f"runs={args.runs} warmup={args.warmup} bytecode={args.bytecode} "
          "(cold process, warm disk cache)")

    for _ in range(max(args.warmup, 1)):
        time_once(base_cmd, env)
        time_once(check_cmd, env)

    base_runs, check_runs = [], []
    for i in range(args.runs):
        # Alternate which goes first so neither always follows the other.
        if i % 2 == 0:
            base_runs.append(timed(base_cmd, env))
            check_runs.append(timed(check_cmd, env))
        else:
            check_runs.append(timed(check_cmd, env))
            base_runs.append(timed(base_cmd, env))

    def report(label: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"{label} wall median {wall * 1000:7.1f} ms (min {min(walls) * 1000:.1f}, "
              f"max {max(walls) * 1000:.1f}); cpu median {cpu * 1000:7.1f} ms")
        return wall, cpu

    base, base_cpu = report("baseline imports:", base_runs)
    check, check_cpu = report("sspec check:     ", check_runs)
    ratio = check / base
    print(f"cpu_ratio={check_cpu / base_cpu:.2f} (user+sys; less sensitive to load)")
    print(f"budget {BUDGET:.2f}x: {'ok' if ratio <= BUDGET else 'over budget'}")
    print(f"ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
