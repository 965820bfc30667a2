"""Checkpoint files: atomic writes, finding the newest good one, RNG states.

A checkpoint is `WORK_DIR/checkpoints/iter_<N>.pt`, N the number of finished
iterations. Everything in it loads with `torch.load(weights_only=True)`: RNG
states are stored as tensors and lists, the Plan as JSON text.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

NAME = re.compile(r"^iter_(\d+)\.pt$")


def plan_hash(plan: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()


def plan_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The top-level Plan keys (and train settings) that differ."""
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key == "train" and isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if a.get(k) != b.get(k):
                    out.append(f"train.{k}: {a.get(k)!r} -> {b.get(k)!r}")
        else:
            out.append(f"{key} changed")
    return out


def rng_state() -> dict:
    py = random.getstate()
    np_state = np.random.get_state()
    state = {
        "python": [py[0], list(py[1]), py[2]],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)),
                  int(np_state[2]), int(np_state[3]), float(np_state[4])],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping) -> None:
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state((n[0], n[1].numpy().astype(np.uint32), n[2], n[3], n[4]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_atomic(obj: Any, path: Path) -> None:
    """torch.save `obj` to `path` atomically (`write_atomic`)."""
    write_atomic(path, lambda f: torch.save(obj, f))


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """`write(file)` into a temporary file beside `path`, fsync, rename over
    `path`, fsync the directory: a crash leaves the old file or the new one,
    never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def list_checkpoints(directory: Path) -> list[tuple[int, Path]]:
    """(N, path) of every `iter_<N>.pt`, oldest first."""
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := NAME.match(p.name))]
    return sorted(found)


def load(path: Path) -> dict:
    """The checkpoint at `path`; raises when it does not load or is not sspec's."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or "iter" not in ckpt or "model" not in ckpt:
        raise ValueError("not an sspec checkpoint")
    return ckpt


def load_newest(directory: Path, log=None) -> tuple[Path, dict] | None:
    """The newest checkpoint that loads; a torn or corrupt one is skipped with a warning."""
    for _, path in reversed(list_checkpoints(directory)):
        try:
            ckpt = load(path)
        except Exception as exc:  # noqa: BLE001 - a torn file, a foreign pickle, ...
            message = f"skipping checkpoint {path}: it does not load ({type(exc).__name__}: {exc})"
            if log is not None:
                log(f"warning: {message}")
            else:
                warnings.warn(message, stacklevel=2)
            continue
        return path, ckpt
    return None
