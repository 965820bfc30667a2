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
_GUESS_MIN, _GUESS_MAX = 1_024, 1 << 15     # _shifted's guessed stretches
_BURST_MIN, _BURST_MAX = 256, 1 << 14       # _shifted's stepped bursts


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
    k = np.arange(0, max(0, min(s.end, last + 1) - s.begin), dtype=np.int64)
    if scale == 1:
        t = k + s.begin if s.begin else k
    else:
        t = (k + s.begin) * scale
    return t, k


def events(schedulers: list[Scheduler], bases: list[float], group: int, tl: Timeline):
    """Every update of one group, in MMEngine's order: (t, kind, a, c)."""
    n_sched = len(schedulers) + 1
    parts, ends = [], []
    for s, base in zip(schedulers, bases):
        t, k = step_times(s, tl)
        if not len(k):
            continue
        try:
            kind, a, c = s.family.formula(Steps(k, s.end - s.begin, base, group), s.args)
        except ScheduleError as exc:
            raise ScheduleError(f"{s.name} (line {s.line}): {exc}", line=s.line) from None
        keep = kind != IDENT
        m = int(np.count_nonzero(keep))
        if m == 0:
            continue
        if m < len(keep):
            first = int(keep.argmax())
            if keep[first:first + m].all():   # one stretch (e.g. all but the first step)
                t, kind, a, c = (x[first:first + m] for x in (t, kind, a, c))
            else:
                idx = np.flatnonzero(keep)
                t, kind, a, c = t[idx], kind[idx], a[idx], c[idx]
        parts.append((s, t, kind, a, c))
        # Ties at one t: construction (t = 0) in list order; later per-iter first.
        # Within a scheduler t increases, so does the key.
        ends.append((_key(int(t[0]), s, n_sched), _key(int(t[-1]), s, n_sched)))
    if not parts:
        empty = np.empty(0)
        return np.empty(0, np.int64), np.empty(0, np.int8), empty, empty
    if len(parts) == 1:
        return parts[0][1:]
    t, kind, a, c = (np.concatenate(x) for x in list(zip(*parts))[1:])
    if any(ends[i][1] >= ends[i + 1][0] for i in range(len(ends) - 1)):
        key = np.concatenate([p[1] * (2 * n_sched) + p[0].index
                              + np.where(p[1] == 0, 0, n_sched if p[0].per_epoch else 0)
                              for p in parts])
        order = np.argsort(key, kind="stable")
        t, kind, a, c = t[order], kind[order], a[order], c[order]
    return t, kind, a, c


def _key(t: int, s: Scheduler, n_sched: int) -> int:
    return t * (2 * n_sched) + s.index + (n_sched if t != 0 and s.per_epoch else 0)


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
    change = kind[1:] != kind[:-1]
    change |= (c[1:] != c[:-1]) & (kind[1:] == MUL)
    starts = np.empty(int(np.count_nonzero(change)) + 1, np.int64)
    starts[0] = 0
    np.add(np.flatnonzero(change), 1, out=starts[1:])
    ends = np.append(starts[1:], n)
    # Stretches of short runs (stacked schedulers updating in turn) go together.
    long = (ends - starts) > _SCALAR_RUN
    cut_at = np.empty(len(long), bool)
    cut_at[0] = True
    np.logical_or(long[1:], long[:-1], out=cut_at[1:])
    cut = np.flatnonzero(cut_at)
    pieces = zip(starts[cut].tolist(), np.append(starts[cut[1:]], n).tolist(),
                 long[cut].tolist())
    v = float(v0)
    for lo, hi, is_long in pieces:
        k, s = kind[lo], float(c[lo])
        if not is_long:
            if exact or hi - lo <= _MAX_STEPPED:
                out[lo:hi] = _step(v, kind[lo:hi], a[lo:hi], c[lo:hi])
            else:
                out[lo:hi] = _scan(v, kind[lo:hi], a[lo:hi], c[lo:hi])
        elif k == MUL and s != 0 and exact:
            _shifted(v, a[lo:hi], s, out=out[lo:hi])
        elif k == MUL:
            # Sequential products: for s == 0, MMEngine's `value * ratio` exactly.
            _accumulate(np.multiply, v - s, a[lo:hi], out[lo:hi])
            if s != 0:
                out[lo:hi] += s
        elif k == ADD:
            _accumulate(np.add, v, c[lo:hi], out[lo:hi])
        else:  # SET
            out[lo:hi] = c[lo:hi]
        v = float(out[hi - 1])
    return out


def _accumulate(op: np.ufunc, first: float, x: np.ndarray, out: np.ndarray) -> None:
    """out = op.accumulate([first, *x])[1:], sequentially, as stepping does."""
    buf = np.empty(len(x) + 1)
    buf[0] = first
    buf[1:] = x
    op.accumulate(buf, out=buf)
    out[:] = buf[1:]


def _shifted(v0: float, r: np.ndarray, s: float, out: np.ndarray | None = None) -> np.ndarray:
    """`v <- r * (v - s) + s` for each ratio in r, bit for bit as stepping
    does, mostly vectorized.

    Guess a stretch with sequential products (`s + (v - s) * cumprod(r)`),
    then take one exact step from every guessed value at once: up to the
    first place where that step disagrees with the guess, the guess is exact
    (by induction from the known start), and the step there is exact too.
    Where guesses keep failing early (MMEngine's `v - s` dropping bits every
    few steps), step a growing burst in Python instead. Writes into `out`
    when given.
    """
    n = len(r)
    if out is None:
        out = np.empty(n)
    most = min(n, _GUESS_MAX)
    prod = np.empty(most + 1)   # v - s, then the sequential products
    check = np.empty(most)
    differ = np.empty(most, bool)
    pos, v, width, burst = 0, float(v0), _GUESS_MIN, _BURST_MIN
    while pos < n:
        w = min(width, n - pos)
        seg = r[pos:pos + w]
        u = prod[:w + 1]
        u[0] = v - s
        u[1:] = seg
        np.multiply.accumulate(u, out=u)
        guess = out[pos:pos + w]
        np.add(u[1:], s, out=guess)
        # One exact step from each guessed value: seg * (previous - s) + s.
        chk = check[:w]
        chk[0] = v - s
        np.subtract(guess[:-1], s, out=chk[1:])
        np.multiply(seg, chk, out=chk)
        np.add(chk, s, out=chk)
        bad = np.not_equal(chk, guess, out=differ[:w])
        good = int(bad.argmax())
        if not bad[good]:
            good = w                      # the whole guess holds
        else:
            out[pos + good] = chk[good]   # exact: one step from an exact value
        pos += min(good + 1, w)
        v = float(out[pos - 1])
        if good >= w:
            width, burst = min(2 * width, _GUESS_MAX), _BURST_MIN
        elif good < w // 16:
            stop = min(n, pos + burst)
            out[pos:stop] = list(accumulate(r[pos:stop].tolist(),
                                            lambda v, r: r * (v - s) + s, initial=v))[1:]
            pos, width, burst = stop, _GUESS_MIN, min(2 * burst, _BURST_MAX)
            v = float(out[pos - 1])
        else:
            width = _GUESS_MIN
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
    if not len(t):
        return np.full(iters, float(v0))
    if len(t) > 1:
        last = t[1:] != t[:-1]                     # the last update at each t
        if not last.all():
            last = np.append(last, True)
            t, values = t[last], values[last]
    m = len(t)
    gaps = np.flatnonzero(np.diff(t) != 1) if m > 1 else np.empty(0, np.int64)
    if len(gaps) <= max(64, iters >> 8):
        # Few stretches of consecutive updates: slices.
        out = np.empty(iters)
        bounds = t.take(np.append(gaps, m - 1)).tolist()
        nexts = t.take(gaps + 1).tolist() + [iters]
        out[:int(t[0])] = v0
        lo = 0
        for g, hi_t, next_t in zip(np.append(gaps, m - 1).tolist(), bounds, nexts):
            lo_t = hi_t - (g - lo)
            out[lo_t:hi_t + 1] = values[lo:g + 1]
            out[hi_t + 1:next_t] = values[g]
            lo = g + 1
        return out
    out_index = np.zeros(iters, np.int64)
    out_index[t] = np.arange(1, m + 1)
    np.maximum.accumulate(out_index, out=out_index)
    table = np.empty(m + 1)
    table[0] = v0
    table[1:] = values
    return table.take(out_index)
