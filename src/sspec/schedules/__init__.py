"""Scheduled values: what every scheduled quantity is at every iteration.

Pure and torch-free (numpy only), so `sspec render` draws what `sspec run`
uses. From a Plan (see sspec/compiler/plan.py):

    from sspec.schedules import compute, to_json
    result = compute(plan)     # bit for bit; exact=False: faster, see compute()
    result.iterations          # N, the run's length in iterations
    result.iters_per_epoch     # int, or None
    result.values["lr"]        # np.ndarray (N,): the optimizer's own (default) group
    result.groups["line 21"]   # {target: np.ndarray} of a `params` rule's group, for
                               # the targets where it differs from the default
    result.phases["lr"]        # [(begin, end, scheduler, per)], iterations, for charts
    result.at("lr", i)         # one value; `group=` for a rule's group
    to_json(result)            # plain JSON, exact floats

Semantics are MMEngine 0.10.7's, number for number (tests/reference has the
recorded curves): a phase `per iter` is a scheduler with `by_epoch=False` over
the Plan's iteration bounds; `per epoch` is `by_epoch=True` over
`bound // iters_per_epoch`. Every scheduler is built before training, in the
order of the Plan's phases for its target (sorted by begin, then end; MMEngine
follows its `param_scheduler` list, which matters only when two overlapping
phases are not both multiplicative); per-iteration ones step after each
iteration, per-epoch ones after each epoch and, in an iteration-based run,
never after construction. The value at iteration i is the one the param group
holds when `optimizer.step()` runs in iteration i. See engine.py for the
timing and formulas.py for each formula.

Targets: `lr`, `momentum` (SGD's momentum, or beta1 = `betas[0]` for the Adam
family, as MMEngine's momentum schedulers do), `weight_decay`, any other
param-group key, and `model.ATTR` (base value: the model's argument ATTR).
`lr`, `momentum` and `weight_decay` are always in `values` when the optimizer
has them, constant if unscheduled. A generic `...ParamScheduler` on
`momentum` of an Adam-family optimizer acts on beta1 here too (MMEngine's
would fail: those param groups have no `momentum` key).

Param groups: each `params` rule of the optimizer block makes a group (rules
with identical settings share one), named `line L` after the rule's line
(`lines L1, L2` when shared). Its base values: `lr` = the rule's `lr`, else
the optimizer's lr * `lr_mult`; `weight_decay` = the rule's `weight_decay`,
else the optimizer's * `decay_mult`; any other key = the rule's value, else the
optimizer's. Each scheduler acts on each group from that group's own base
value (MMEngine's `initial_<param>`), so multiplicative schedules keep the
groups' ratios while an absolute `eta_min` is shared. A `fixed_lr = true`
group keeps its base lr whatever the lr schedule does (as SimSiamHook
restores it). Per-group argument lists (OneCycle's `eta_max`) are ordered:
the default group, then the rule groups in order. The per-layer groups of
`layer_decay` are not computed here: each is the default lr times its layer's
scale, for any multiplicative schedule.

ReduceOnPlateau schedulers only act on validation metrics, which are not
known before a run: here they never change the value (as in MMEngine when no
metric arrives).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from . import formulas
from .engine import Scheduler, Timeline, chain, events, per_iteration
from .formulas import ScheduleError, family_of

__all__ = ["compute", "to_json", "ScheduleValues", "ScheduleError", "Group"]


@dataclass(frozen=True)
class Group:
    """A param group made by `params` rules."""

    name: str
    lines: tuple[int, ...]
    selectors: tuple[dict, ...]
    settings: Mapping[str, Any]


@dataclass
class ScheduleValues:
    """Per-iteration values of every scheduled quantity (see the module doc)."""

    iterations: int
    iters_per_epoch: int | None
    values: dict[str, np.ndarray]
    groups: dict[str, dict[str, np.ndarray]]
    phases: dict[str, list[tuple[int, int, str, str]]]
    group_info: dict[str, Group] = field(default_factory=dict)

    def curve(self, target: str, group: str | None = None) -> np.ndarray:
        """The whole curve of `target` for `group` (None: the default group)."""
        if group is not None:
            if group not in self.group_info and group not in self.groups:
                raise KeyError(f"no param group {group!r}; groups: {sorted(self.group_info)}")
            values = self.groups.get(group, {})
            if target in values:
                return values[target]
        return self.values[target]

    def at(self, target: str, i: int, group: str | None = None) -> float:
        """The value of `target` at iteration i (0-based): the one the
        optimizer uses in `optimizer.step()` of iteration i."""
        if not 0 <= i < self.iterations:
            raise IndexError(f"iteration {i} is outside the run [0, {self.iterations})")
        return float(self.curve(target, group)[i])


def to_json(result: ScheduleValues) -> dict:
    """`{"iterations", "iters_per_epoch", "values", "groups"}` with lists of
    Python floats (exact: JSON's float text round-trips)."""
    return {
        "iterations": result.iterations,
        "iters_per_epoch": result.iters_per_epoch,
        "values": {t: v.tolist() for t, v in result.values.items()},
        "groups": {g: {t: v.tolist() for t, v in vals.items()}
                   for g, vals in result.groups.items()},
    }


# ---------------------------------------------------------------- compute

_DEFAULT_TARGETS = ("lr", "momentum", "weight_decay")


def compute(plan: Mapping[str, Any], exact: bool = True) -> ScheduleValues:
    """Every scheduled quantity of `plan` at every iteration.

    exact: True (the default) gives MMEngine's numbers bit for bit. Updates
    of the form `r * (v - eta_min) + eta_min` with eta_min != 0, and stacked
    schedulers updating in turn, may then be stepped in Python where no
    vectorized form rounds the same (up to ~0.5 s per million steps; a
    cosine lr with a small eta_min is mostly vectorized, a momentum cosine
    from 0.85 to 0.95 mostly stepped). False vectorizes everything (a
    million-iteration recipe in ~0.1 s per curve) within ~1e-17 of the peak
    per step of MMEngine's values (~1e-11 after a million steps, ~1e-14
    after a few thousand): enough for a chart.

    Raises ScheduleError for a schedule that cannot be computed (a target
    with no base value, arguments MMEngine would reject at run time)."""
    train = plan["train"]
    iters = int(train["iters"])
    ipe = train.get("iters_per_epoch")
    timeline = Timeline(iters, ipe, train.get("epochs") is not None)
    optimizer = plan.get("optimizer") or None
    opt_args = dict(optimizer["args"]) if optimizer else {}
    groups = _groups(optimizer)
    schedules: Mapping[str, list] = plan.get("schedules") or {}

    targets = [t for t in _DEFAULT_TARGETS if _has(opt_args, t)]
    targets += [t for t in schedules if t not in targets]

    values: dict[str, np.ndarray] = {}
    group_values: dict[str, dict[str, np.ndarray]] = {}
    for target in targets:
        phases = schedules.get(target, [])
        if target.startswith("model."):
            bases = [_model_base(plan, target)]
            owners: list[Group | None] = [None]
        else:
            bases = [_base(opt_args, None, target, optimizer)]
            bases += [_base(opt_args, g, target, optimizer) for g in groups]
            owners = [None, *groups]
        schedulers = _schedulers(target, phases, timeline)
        cache: dict[tuple, np.ndarray] = {}
        for index, (owner, base) in enumerate(zip(owners, bases)):
            if not schedulers or (owner is not None and target == "lr"
                                  and owner.settings.get("fixed_lr")):
                curve = np.full(iters, float(base))  # unscheduled: constant
            else:
                curve = _curve(target, schedulers, base, index, timeline, cache, exact)
            if owner is None:
                values[target] = curve
            elif not np.array_equal(curve, values[target]):
                group_values.setdefault(owner.name, {})[target] = curve

    phases_out = {t: [(p["begin"], p["end"], p["scheduler"], p["per"]) for p in ps]
                  for t, ps in schedules.items()}
    return ScheduleValues(iters, ipe, values, group_values, phases_out,
                          {g.name: g for g in groups})


def _curve(target: str, schedulers: list[Scheduler], base: float, group: int,
           timeline: Timeline, cache: dict, exact: bool) -> np.ndarray:
    # Each scheduler's base value is the group's `initial_<param>` when it is
    # built: the optimizer's value, except after a OneCycle, which writes
    # eta_max / div_factor there.
    bases, initial = [], base
    for s in schedulers:
        bases.append(initial)
        if s.name.startswith("OneCycle"):
            initial = formulas.one_cycle_initial(s.args, group)
    per_group = any(isinstance(v, (list, tuple)) for s in schedulers
                    for k, v in s.args.items() if k in ("eta_max",))
    key = (base, tuple(bases), group if per_group else None)
    if key not in cache:
        try:
            t, kind, a, c = events(schedulers, bases, group, timeline)
        except ScheduleError as exc:
            raise ScheduleError(f"`schedule {target}`: {exc}", target, exc.line) from None
        cache[key] = per_iteration(base, t, chain(base, kind, a, c, exact), timeline.iters)
    return cache[key]


def _schedulers(target: str, phases: list, timeline: Timeline) -> list[Scheduler]:
    out = []
    for index, p in enumerate(phases):
        name = p["scheduler"]
        family = family_of(name)
        if family is None:
            raise ScheduleError(f"`schedule {target}`: no formula for scheduler `{name}` "
                                f"(line {p.get('line')})", target, p.get("line"))
        per_epoch = p["per"] == "epoch"
        begin, end = int(p["begin"]), int(p["end"])
        if per_epoch:
            ipe = timeline.iters_per_epoch
            if ipe:
                begin, end = begin // ipe, end // ipe
            elif not timeline.by_epoch:
                # Iteration-based run without an epoch length: only the
                # constructor's step is ever taken; it happens iff begin == 0.
                begin, end = (0, max(1, end)) if begin == 0 else (1, max(2, end))
            if end <= begin:
                raise ScheduleError(
                    f"`schedule {target}`: phase [{p['begin']}, {p['end']}) at line "
                    f"{p.get('line')} is shorter than an epoch, but steps per epoch",
                    target, p.get("line"))
        out.append(Scheduler(name, family, dict(p.get("args") or {}), begin, end,
                             per_epoch, index, p.get("line")))
    return out


# ---------------------------------------------------------------- base values

def _has(opt_args: Mapping[str, Any], target: str) -> bool:
    if target == "momentum":
        return "momentum" in opt_args or "betas" in opt_args
    return target in opt_args


def _number(value: Any, what: str, target: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScheduleError(f"`schedule {target}`: {what} is {value!r}, not a number", target)
    return value


def _base(opt_args: Mapping[str, Any], group: Group | None, target: str,
          optimizer: Mapping | None) -> float:
    """A group's value of `target` before any scheduler acts."""
    if optimizer is None:
        raise ScheduleError(f"`schedule {target}` needs an optimizer", target)
    settings = group.settings if group else {}
    name = optimizer.get("type", "the optimizer")
    if target == "momentum" and "momentum" not in opt_args and "betas" in opt_args:
        betas = settings.get("betas", opt_args["betas"])
        return _number(betas[0], "beta1 (`betas[0]`)", target)
    if target not in opt_args and target not in settings:
        raise ScheduleError(f"`schedule {target}`: `{name}` has no argument `{target}` "
                            "to take its initial value from", target)
    if target in settings:
        return _number(settings[target], f"the rule's `{target}`", target)
    value = _number(opt_args[target], f"`{name}`'s `{target}`", target)
    if target == "lr" and "lr_mult" in settings:
        return value * settings["lr_mult"]
    if target == "weight_decay" and "decay_mult" in settings:
        return value * settings["decay_mult"]
    return value


def _model_base(plan: Mapping[str, Any], target: str) -> float:
    attr = target[len("model."):]
    model = plan.get("model") or {}
    args = model.get("args") or {}
    if attr not in args or args[attr] is None:
        raise ScheduleError(
            f"`schedule {target}`: the model `{model.get('type', '?')}` has no argument "
            f"`{attr}` to take its initial value from; give it, e.g. "
            f"`model = {model.get('type', 'name')}({attr} = ...)`", target)
    return _number(args[attr], f"the model's `{attr}`", target)


def _groups(optimizer: Mapping[str, Any] | None) -> list[Group]:
    """One group per distinct rule settings, in order of first appearance."""
    if not optimizer:
        return []
    merged: dict[str, list[dict]] = {}
    for rule in optimizer.get("rules") or []:
        key = json.dumps(rule.get("settings") or {}, sort_keys=True)
        merged.setdefault(key, []).append(rule)
    out, taken = [], set()
    for rules in merged.values():
        lines = tuple(r["line"] for r in rules)
        name = f"line {lines[0]}" if len(lines) == 1 else "lines " + ", ".join(map(str, lines))
        base, n = name, 1
        while name in taken:  # two rules written on one line
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        selectors = tuple(s for r in rules for s in r.get("selectors", ()))
        out.append(Group(name, lines, selectors, dict(rules[0].get("settings") or {})))
    return out


# The registry names `sspec.schedules:<Scheduler>` as each scheduler's
# implementation: the formula of its family.
def __getattr__(name: str):
    family = family_of(name)
    if family is None:
        raise AttributeError(f"module 'sspec.schedules' has no attribute {name!r}")
    return family.formula
