"""Chaining scheduler steps over a whole run, vectorized.

Timing (MMEngine 0.10.7, `ParamSchedulerHook` and the train loops in
mmengine/runner/loops.py). Every scheduler is built before training, in list
order; its constructor takes step 0 (`_global_step` 0). Then:

* after iteration i, `after_train_iter` steps every per-iteration scheduler
  (`by_epoch=False`): its `_global_step` becomes i + 1;
* after the last iteration of epoch e, `after_train_epoch` steps every
  per-epoch scheduler: its `_global_step` becomes e + 1. `IterBasedTrainLoop`
  calls `after_train_epoch` once, after its last iteration, so in an
  iteration-based run a per-epoch scheduler only ever takes its first step.

So the value the optimizer uses at iteration i is the initial value after
every update made at a time t <= i, where a per-iteration step with global
step g happens at t = g and a per-epoch one at t = g * iters_per_epoch. At
t = 0 updates follow the list order (construction); at t > 0 the
per-iteration ones come first, then the per-epoch ones, each in list order.

Evaluation. Each update is affine (see formulas.py), written with MMEngine's
operations, and by default the result is MMEngine's bit for bit:

* a run of plain ratios is one `np.multiply.accumulate`, a run of additions
  one `np.add.accumulate`: both run sequentially, so they round exactly as
  MMEngine's step-by-step recursion does; a run of assignments is a copy;
* a run of ratios about a nonzero eta_min (`r * (v - eta_min) + eta_min`) has
  no vectorized form that rounds as the recursion does (MMEngine's
  `v - eta_min` drops low bits: a drift of up to ~1e-17 of the peak per
  step, ~1e-11 over a million steps), so it is guessed vectorized and
  verified, stepping in Python only where the guess fails (`_shifted`);
* short runs, e.g. two stacked schedulers updating in turn, are stepped in
  Python (`_step`, ~0.5 us an update).

With `exact=False`, ratios about eta_min are vectorized as
`eta_min + (v0 - eta_min) * cumprod(r)` and long stretches of short runs use
a blocked scan of the composed affine maps (`_scan`): faster, and within
~1e-17 of the peak per step of MMEngine's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Mapping

import numpy as np

from .formulas import ADD, IDENT, MUL, Family, ScheduleError, Steps

_SCALAR_RUN = 8         # runs this short are stepped with Python floats
_MAX_STEPPED = 4_096    # with exact=False, longer stretches of short runs use _scan


@dataclass(frozen=True)
class Scheduler:
    """One phase as MMEngine builds it: bounds in its own steps."""

    name: str
    family: Family
    args: Mapping[str, Any]
    begin: int            # in its own steps (iterations, or epochs when per_epoch)
    end: int
    per_epoch: bool
    index: int            # position in the scheduler list
    line: int | None = None


@dataclass(frozen=True)
class Timeline:
    iters: int
    iters_per_epoch: int | None
    by_epoch: bool        # epoch-based loop (per-epoch schedulers step after each epoch)


def step_times(s: Scheduler, tl: Timeline) -> tuple[np.ndarray, np.ndarray]:
    """(t, k) of every step of `s` that the run can see: the iteration from
    which the step's value holds, and the scheduler's `last_step` then."""
    if s.per_epoch:
        if tl.by_epoch:
            last = tl.iters // tl.iters_per_epoch - 1   # the step after the last epoch is not seen
        else:
            last = 0                                    # only the constructor's step
        scale = tl.iters_per_epoch or 0
    else:
        last, scale = tl.iters - 1, 1
    if not s.family.constructs:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    g = np.arange(s.begin, min(s.end, last + 1), dtype=np.int64)
    return g * scale, g - s.begin


def events(schedulers: list[Scheduler], bases: list[float], group: int, tl: Timeline):
    """Every update of one group, in MMEngine's order: (t, kind, a, c)."""
    n_sched = len(schedulers) + 1
    parts = []
    for s, base in zip(schedulers, bases):
        t, k = step_times(s, tl)
        if not len(k):
            continue
        try:
            kind, a, c = s.family.formula(Steps(k, s.end - s.begin, base, group), s.args)
        except ScheduleError as exc:
            raise ScheduleError(f"{s.name} (line {s.line}): {exc}", line=s.line) from None
        keep = kind != IDENT
        t, kind, a, c = t[keep], kind[keep], a[keep], c[keep]
        # Ties at one t: construction (t = 0) in list order; later per-iter first.
        rank = s.index + np.where(t == 0, 0, n_sched if s.per_epoch else 0)
        parts.append((t * (2 * n_sched) + rank, t, kind, a, c))
    if not parts:
        empty = np.empty(0)
        return np.empty(0, np.int64), np.empty(0, np.int8), empty, empty
    key, t, kind, a, c = (np.concatenate(x) for x in zip(*parts))
    if len(key) > 1 and not np.all(key[1:] > key[:-1]):
        order = np.argsort(key, kind="stable")
        t, kind, a, c = t[order], kind[order], a[order], c[order]
    return t, kind, a, c


def chain(v0: float, kind: np.ndarray, a: np.ndarray, c: np.ndarray,
          exact: bool = True) -> np.ndarray:
    """The value after each update, starting from v0.

    exact: MMEngine's numbers bit for bit (see the module doc); otherwise
    ratios about a nonzero eta_min and densely interleaved updates are fully
    vectorized, within ~1e-17 of the peak per step of MMEngine's recursion.
    """
    n = len(kind)
    out = np.empty(n)
    if n == 0:
        return out
    # Runs: maximal stretches of one shape (and one eta_min for MUL).
    change = (kind[1:] != kind[:-1]) | ((kind[1:] == MUL) & (c[1:] != c[:-1]))
    starts = np.flatnonzero(np.r_[True, change])
    ends = np.r_[starts[1:], n]
    # Stretches of short runs (stacked schedulers updating in turn) go together.
    long = (ends - starts) > _SCALAR_RUN
    cut = np.flatnonzero(np.r_[True, long[1:] | long[:-1]])
    pieces = zip(starts[cut].tolist(), np.r_[starts[cut[1:]], n].tolist(), long[cut].tolist())
    v = float(v0)
    for lo, hi, is_long in pieces:
        k, s = kind[lo], float(c[lo])
        if not is_long:
            if exact or hi - lo <= _MAX_STEPPED:
                out[lo:hi] = _step(v, kind[lo:hi], a[lo:hi], c[lo:hi])
            else:
                out[lo:hi] = _scan(v, kind[lo:hi], a[lo:hi], c[lo:hi])
        elif k == MUL and s != 0 and exact:
            out[lo:hi] = _shifted(v, a[lo:hi], s)
        elif k == MUL:
            # Sequential products: for s == 0, MMEngine's `value * ratio` exactly.
            u = np.multiply.accumulate(np.r_[v - s, a[lo:hi]])[1:]
            out[lo:hi] = u + s if s != 0 else u
        elif k == ADD:
            out[lo:hi] = np.add.accumulate(np.r_[v, c[lo:hi]])[1:]
        else:  # SET
            out[lo:hi] = c[lo:hi]
        v = float(out[hi - 1])
    return out


def _shifted(v0: float, r: np.ndarray, s: float) -> np.ndarray:
    """`v <- r * (v - s) + s` for each ratio in r, bit for bit as stepping
    does, mostly vectorized.

    Guess a stretch with sequential products (`s + (v - s) * cumprod(r)`),
    then take one exact step from every guessed value at once: up to the
    first place where that step disagrees with the guess, the guess is exact
    (by induction from the known start), and the step there is exact too.
    Where guesses keep failing early (MMEngine's `v - s` dropping bits every
    few steps), step a growing burst in Python instead.
    """
    n = len(r)
    out = np.empty(n)
    pos, v, width, burst = 0, float(v0), 1024, 256
    while pos < n:
        seg = r[pos:pos + width]
        guess = np.multiply.accumulate(np.r_[v - s, seg])[1:] + s
        check = seg * (np.r_[v, guess[:-1]] - s) + s
        bad = np.flatnonzero(check != guess)
        good = int(bad[0]) if len(bad) else len(seg)
        out[pos:pos + good] = guess[:good]
        if good < len(seg):
            out[pos + good] = check[good]
            good += 1
        pos += good
        v = float(out[pos - 1])
        if good >= len(seg):
            width, burst = min(2 * width, 1 << 16), 256
        elif good < len(seg) // 16:
            stop = min(n, pos + burst)
            out[pos:stop] = _step(v, np.full(stop - pos, MUL, np.int8), r[pos:stop],
                                  np.full(stop - pos, s))
            pos, width, burst = stop, 1024, min(2 * burst, 1 << 14)
            v = float(out[pos - 1])
    return out


def _step(v0: float, kind: np.ndarray, a: np.ndarray, c: np.ndarray) -> list[float]:
    """The updates one by one with Python floats: MMEngine's own arithmetic."""
    if len(kind) and np.all(kind == MUL) and np.all(c == c[0]):
        s = float(c[0])
        return list(accumulate(a.tolist(), lambda v, r: r * (v - s) + s, initial=float(v0)))[1:]
    out, v = [], float(v0)
    for k, r, x in zip(kind.tolist(), a.tolist(), c.tolist()):
        if k == MUL:
            v = r * (v - x) + x
        elif k == ADD:
            v = v + x
        else:
            v = x
        out.append(v)
    return out


def _scan(v0: float, kind: np.ndarray, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The chain as affine maps v <- A v + B, composed in O(n) with about
    3 sqrt(n) numpy calls: the n maps are cut into sqrt(n) blocks, composed
    sequentially within every block at once, then the blocks are chained."""
    n = len(kind)
    A = np.where(kind == MUL, a, np.where(kind == ADD, 1.0, 0.0))
    B = np.where(kind == MUL, c - a * c, c)
    width = max(1, int(np.ceil(np.sqrt(n))))
    blocks = -(-n // width)
    pad = blocks * width - n
    # Row j holds the j-th map of every block (padding: identities).
    A = np.r_[A, np.ones(pad)].reshape(blocks, width).T.copy()
    B = np.r_[B, np.zeros(pad)].reshape(blocks, width).T.copy()
    for j in range(1, width):
        B[j] = A[j] * B[j - 1] + B[j]
        A[j] = A[j] * A[j - 1]
    carry = np.empty(blocks)
    v = float(v0)
    for b, (ab, bb) in enumerate(zip(A[-1].tolist(), B[-1].tolist())):
        carry[b] = v
        v = ab * v + bb
    return (A * carry + B).T.reshape(-1)[:n]


def per_iteration(v0: float, t: np.ndarray, values: np.ndarray, iters: int) -> np.ndarray:
    """The value at each iteration: that after the last update at t <= i."""
    out_index = np.zeros(iters, np.int64)
    if len(t):
        last = np.r_[t[1:] != t[:-1], True]        # the last update at each t
        out_index[t[last]] = np.arange(1, int(last.sum()) + 1)
        np.maximum.accumulate(out_index, out=out_index)
        table = np.r_[v0, values[last]]
        return table[out_index]
    return np.full(iters, float(v0))
