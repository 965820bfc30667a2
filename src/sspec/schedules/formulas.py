"""One scheduler step, vectorized: MMEngine 0.10.7's chained formulas.

MMEngine's `_ParamScheduler.step()` (mmengine/optim/scheduler/param_scheduler.py)
counts its calls in `_global_step`; when `begin <= _global_step < end` it adds
one to `last_step` (so `last_step` is 0 at the scheduler's `begin` and every
step count — milestones, step_size, T_max, periods, total_steps — counts from
the phase's begin) and sets each param group's value from `_get_value()`,
which mostly reads the value the group holds *now* (the chained form).

Here, a scheduler family is a function of the array `k` of its `last_step`s
that gives, for each step, one affine update of the group's current value v:

    MUL    v <- a * (v - c) + c    (c = 0: a plain ratio; c = eta_min: cosine, poly)
    ADD    v <- v + c               (CosineAnnealing's step past a half period)
    SET    v <- c                   (OneCycle; CosineRestart at a restart)
    IDENT  v unchanged

written with the same floating-point operations, in the same order, as
MMEngine's `_get_value`, so a chain of them reproduces its rounding (see
`engine.py`). Nothing here imports torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

IDENT, MUL, ADD, SET = 0, 1, 2, 3


class ScheduleError(ValueError):
    """A schedule that cannot be computed (MMEngine would raise too, or the
    recipe names something that is not there). `str()` is a sentence for the
    user; `target` and `line` say where, when known."""

    def __init__(self, message: str, target: str | None = None, line: int | None = None):
        super().__init__(message)
        self.target = target
        self.line = line


@dataclass(frozen=True)
class Steps:
    """What one scheduler's formula needs besides its arguments.

    k: its `last_step` at each of its steps (int64, increasing from 0).
    length: `end - begin` in its own steps (iterations or epochs).
    base: the group's `initial_<param>` when the scheduler was built.
    group: the index of the group (for per-group argument lists).
    """

    k: np.ndarray
    length: int
    base: float
    group: int


Update = tuple[np.ndarray, np.ndarray, np.ndarray]  # kind (int8), a, c
Formula = Callable[[Steps, Mapping[str, Any]], Update]


def _update(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(n, np.int8), np.ones(n), np.zeros(n)


def _arg(args: Mapping[str, Any], name: str, default: Any) -> Any:
    value = args.get(name)
    return default if value is None else value


def _float(x: np.ndarray) -> np.ndarray:
    """Integers as float64, as Python converts an int in `int * float`."""
    return x.astype(np.float64)


def _pow(x: np.ndarray, p: float) -> np.ndarray:
    # An array exponent keeps numpy off its fast paths (x*x for 2, sqrt for
    # 0.5), which round differently from C's pow, which Python's `**` calls.
    return np.power(x, np.full_like(x, p, dtype=np.float64))


def _eta_min(args: Mapping[str, Any], base: float, default: float | None = 0.0) -> float:
    """`eta_min`, or `base * eta_min_ratio` (MMEngine's `_get_eta_min`)."""
    ratio = args.get("eta_min_ratio")
    if ratio is not None:
        return base * ratio
    eta_min = args.get("eta_min")
    if eta_min is None:
        if default is None:
            raise ScheduleError("give `eta_min` or `eta_min_ratio`")
        return default
    return eta_min


def _cos_ratio(step: np.ndarray, period: float, out: np.ndarray | None = None) -> np.ndarray:
    """(1 + cos(pi * s / T)) / (1 + cos(pi * (s - 1) / T)), as MMEngine writes it
    (into `out` when given)."""
    # cos(pi * j / T) once for every j in [min(s) - 1, max(s)]: the same
    # argument, hence the same number, serves as s and as s - 1. Computed in
    # place, with the same operations in the same order as `1 + cos(pi * j / T)`.
    lo = int(step.min()) - 1
    # Whole numbers as float64 (a float arange is exact for them), as Python
    # converts an int in `pi * j`.
    one_plus_cos = np.arange(lo, int(step.max()) + 1, dtype=np.float64)
    np.multiply(math.pi, one_plus_cos, out=one_plus_cos)
    np.divide(one_plus_cos, period, out=one_plus_cos)
    np.cos(one_plus_cos, out=one_plus_cos)
    np.add(1, one_plus_cos, out=one_plus_cos)
    if len(step) == len(one_plus_cos) - 1:  # consecutive steps (the usual case): views
        num, den = one_plus_cos[1:], one_plus_cos[:-1]
    else:
        num = one_plus_cos[step - lo]
        den = one_plus_cos[step - 1 - lo]
    if not den.all():
        raise ScheduleError("the cosine formula divides by zero (MMEngine raises "
                            "ZeroDivisionError): check T_max / periods")
    return np.divide(num, den, out=out)


# ---------------------------------------------------------------- families

def constant(st: Steps, args: Mapping[str, Any]) -> Update:
    factor = _arg(args, "factor", 1.0 / 3)
    total = st.length - 1                    # MMEngine's total_iters
    kind, a, c = _update(len(st.k))
    first = st.k == 0
    kind[first], a[first] = MUL, factor
    last = (st.k == total) & ~first
    if last.any():
        if factor == 0:
            raise ScheduleError("ConstantX with factor 0 divides by zero at its last step")
        kind[last], a[last] = MUL, 1.0 / factor
    return kind, a, c


def linear(st: Steps, args: Mapping[str, Any]) -> Update:
    start = _arg(args, "start_factor", 1.0 / 3)
    end = _arg(args, "end_factor", 1.0)
    total = st.length - 1
    kind, a, c = _update(len(st.k))
    kind[:] = MUL
    first = st.k == 0
    a[first] = start
    rest = ~first
    if rest.any():
        den = total * start + _float(st.k[rest] - 1) * (end - start)
        if np.any(den == 0):
            raise ScheduleError("LinearX divides by zero (start_factor 0?), as MMEngine would")
        a[rest] = 1. + (end - start) / den
    return kind, a, c


def step(st: Steps, args: Mapping[str, Any]) -> Update:
    size = args["step_size"]
    if size == 0:
        raise ScheduleError("StepX with step_size 0 divides by zero")
    gamma = _arg(args, "gamma", 0.1)
    kind, a, c = _update(len(st.k))
    hit = (st.k != 0) & (np.remainder(st.k, size) == 0)
    kind[hit], a[hit] = MUL, gamma
    return kind, a, c


def multi_step(st: Steps, args: Mapping[str, Any]) -> Update:
    gamma = _arg(args, "gamma", 0.1)
    counts: dict[int, int] = {}
    for m in args["milestones"]:
        if float(m).is_integer():            # `last_step in Counter(milestones)`
            counts[int(m)] = counts.get(int(m), 0) + 1
    kind, a, c = _update(len(st.k))
    k0 = int(st.k[0]) if len(st.k) else 0
    for m, n in counts.items():
        i = m - k0                            # k is consecutive from k0
        if 0 <= i < len(st.k):
            kind[i], a[i] = MUL, gamma ** n
    return kind, a, c


def exponential(st: Steps, args: Mapping[str, Any]) -> Update:
    kind, a, c = _update(len(st.k))
    rest = st.k != 0
    kind[rest], a[rest] = MUL, args["gamma"]
    return kind, a, c


def _t_max(st: Steps, args: Mapping[str, Any]) -> float:
    return args.get("T_max") or st.length     # MMEngine: `T_max or (end - begin)`


def cosine_annealing(st: Steps, args: Mapping[str, Any], zero_stays: bool = False) -> Update:
    period = _t_max(st, args)
    eta_min = _eta_min(args, st.base)
    if zero_stays and st.base == 0:           # MMPretrain's CosineAnnealingWeightDecay
        kind, a, c = _update(len(st.k))
        rest = st.k != 0
        kind[rest], c[rest] = SET, 0.0
        return kind, a, c
    k = st.k
    if len(k) and k[-1] < period + 1 and k[0] == 0:
        # No step reaches the far side of the cosine (k = T + 1 + 2mT), so
        # every step after the first is multiplicative: slices, not masks.
        n = len(k)
        kind = np.full(n, MUL, np.int8)
        kind[0] = IDENT
        a = np.empty(n)
        a[0] = 1.0
        if n > 1:
            _cos_ratio(k[1:], period, out=a[1:])
        c = np.full(n, eta_min, dtype=np.float64)
        c[0] = 0.0
        return kind, a, c
    kind, a, c = _update(len(st.k))
    half = (k != 0) & (np.remainder(k - 1 - period, 2 * period) == 0)
    kind[half] = ADD
    c[half] = (st.base - eta_min) * (1 - math.cos(math.pi / period)) / 2
    rest = (k != 0) & ~half
    if rest.any():
        kind[rest], a[rest], c[rest] = MUL, _cos_ratio(k[rest], period), eta_min
    return kind, a, c


def cosine_annealing_weight_decay(st: Steps, args: Mapping[str, Any]) -> Update:
    return cosine_annealing(st, args, zero_stays=True)


def poly(st: Steps, args: Mapping[str, Any]) -> Update:
    eta_min = _arg(args, "eta_min", 0)
    power = _arg(args, "power", 1.0)
    total = st.length - 1
    kind, a, c = _update(len(st.k))
    rest = st.k != 0
    if rest.any():
        left = total - st.k[rest] + 1
        kind[rest], c[rest] = MUL, eta_min
        a[rest] = _pow(1 - 1 / _float(left), power)
    return kind, a, c


def one_cycle(st: Steps, args: Mapping[str, Any]) -> Update:
    eta_max = _per_group(args, "eta_max", 0, st.group)
    total = _arg(args, "total_steps", None) or st.length
    if total != int(total) or total <= 0:
        raise ScheduleError(f"OneCycle's total_steps must be a positive whole number of "
                            f"steps, not {total} (MMEngine raises ValueError)")
    pct_start = _arg(args, "pct_start", 0.3)
    div = _arg(args, "div_factor", 25.0)
    final_div = _arg(args, "final_div_factor", 1e4)
    initial = eta_max / div
    low = initial / final_div
    if args.get("three_phase", False):
        phases = [(float(pct_start * total) - 1, initial, eta_max),
                  (float(2 * pct_start * total) - 2, eta_max, initial),
                  (total - 1, initial, low)]
    else:
        phases = [(float(pct_start * total) - 1, initial, eta_max),
                  (total - 1, eta_max, low)]
    k = st.k
    if len(k) and k[-1] > total:
        raise ScheduleError(f"the phase takes {int(k[-1]) + 1} steps, more than OneCycle's "
                            f"total_steps ({total}) + 1 (MMEngine raises ValueError)")
    cosine = _arg(args, "anneal_strategy", "cos") == "cos"
    kind, a, c = _update(len(k))
    kind[:] = SET
    todo = np.ones(len(k), bool)
    start_step: float = 0
    for i, (end_step, start, end) in enumerate(phases):
        sel = todo & ((k <= end_step) | (i == len(phases) - 1))
        if sel.any():
            if end_step - start_step == 0:
                raise ScheduleError("OneCycle divides by zero: a phase of the cycle is "
                                    "empty (pct_start * total_steps is too small)")
            pct = (_float(k[sel]) - start_step) / (end_step - start_step)
            if cosine:
                c[sel] = end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1)
            else:
                c[sel] = (end - start) * pct + start
            todo &= ~sel
        start_step = end_step
    return kind, a, c


def one_cycle_initial(args: Mapping[str, Any], group: int) -> float:
    """The `initial_lr` OneCycle writes into every group when built (later
    schedulers of the same parameter take it as their base value)."""
    return _per_group(args, "eta_max", 0, group) / _arg(args, "div_factor", 25.0)


def cosine_restart(st: Steps, args: Mapping[str, Any]) -> Update:
    periods = list(args["periods"])
    weights = list(_arg(args, "restart_weights", (1,)))
    if len(periods) != len(weights):
        raise ScheduleError(f"CosineRestart needs one restart weight per period: "
                            f"{len(periods)} periods, {len(weights)} weights "
                            "(MMEngine asserts this)")
    eta_min = _eta_min(args, st.base, default=None)
    cumulative = np.cumsum(np.asarray(periods, dtype=np.float64))
    kind, a, c = _update(len(st.k))
    k = st.k
    idx = np.searchsorted(cumulative, k, side="right")   # first i with k < cumulative[i]
    inside = idx < len(periods)
    if not inside.any():
        return kind, a, c
    ki, ii = k[inside], idx[inside]
    nearest = np.where(ii == 0, 0.0, cumulative[np.maximum(ii - 1, 0)])
    s = ki - nearest
    period = np.asarray(periods, dtype=np.float64)[ii]
    weight = np.asarray(weights, dtype=np.float64)[ii]
    kk, aa, cc = kind[inside], a[inside], c[inside]
    restart = s == 0
    kk[restart], cc[restart] = SET, st.base * weight[restart]
    go = ~restart
    if go.any():
        sg, pg = s[go], period[go]
        num = 1 + np.cos(math.pi * sg / pg)
        den = 1 + np.cos(math.pi * (sg - 1) / pg)
        kk[go], aa[go], cc[go] = MUL, num / den, eta_min
    kind[inside], a[inside], c[inside] = kk, aa, cc
    return kind, a, c


def reduce_on_plateau(st: Steps, args: Mapping[str, Any]) -> Update:
    # It only acts on validation metrics (ParamSchedulerHook.after_val_epoch
    # passes them; its after_train_epoch step only counts). Metrics are not
    # known before a run, so the computed value never changes.
    return _update(len(st.k))


def _per_group(args: Mapping[str, Any], name: str, default: Any, group: int) -> float:
    value = _arg(args, name, default)
    if isinstance(value, (list, tuple)):
        if group >= len(value):
            raise ScheduleError(f"`{name}` gives {len(value)} values but there are more "
                                "param groups (the default group first, then one per "
                                "`params` rule)")
        return value[group]
    return value


@dataclass(frozen=True)
class Family:
    formula: Formula
    constructs: bool = True     # its constructor takes the first step (last_step 0)
    per_epoch_only: bool = False


FAMILIES: dict[str, Family] = {
    "Constant": Family(constant),
    "Linear": Family(linear),
    "Step": Family(step),
    "MultiStep": Family(multi_step),
    "Exponential": Family(exponential),
    "CosineAnnealing": Family(cosine_annealing),
    "Poly": Family(poly),
    "OneCycle": Family(one_cycle),
    "CosineRestart": Family(cosine_restart),
    # ReduceOnPlateauParamScheduler.__init__ does not call step().
    "ReduceOnPlateau": Family(reduce_on_plateau, constructs=False, per_epoch_only=True),
}

_SUFFIXES = ("ParamScheduler", "Momentum", "LR")


def family_of(name: str) -> Family | None:
    """The family of a registry scheduler name (`LinearLR` → Linear)."""
    if name == "CosineAnnealingWeightDecay":
        return Family(cosine_annealing_weight_decay)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in FAMILIES:
            return FAMILIES[name[: -len(suffix)]]
    return None
