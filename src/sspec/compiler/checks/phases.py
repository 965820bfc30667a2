"""Schedule phases: bounds, units, step counts, overlaps and gaps.

Every bound is made an absolute iteration here (the one conversion rule is
`Timeline.to_iters`), so the Plan and the runtime never see a unit.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from ...diagnostics import error, warning
from ...registry import Component, lookup
from .. import ast
from ..context import Context, ResolvedPhase, Timeline
from ..values import INVALID, Duration, End, Symbol, show, type_word

# Which scheduler families may drive which targets.
_FAMILY = {"lr": "LR", "momentum": "Momentum"}


def check(ctx: Context) -> None:
    by_target: dict[str, list[ast.Phase]] = {}
    first_span = {}
    for schedule in ctx.recipe.schedules:
        if schedule.target not in by_target:
            by_target[schedule.target] = []
            first_span[schedule.target] = schedule.target_span
            _check_target(ctx, schedule)
        by_target[schedule.target].extend(schedule.phases)

    for target, phases in by_target.items():
        resolved = [_resolve(ctx, target, p) for p in phases]
        placed = [r for r in resolved if r is not None]
        # A phase whose bounds are wrong leaves a hole that is not the user's gap.
        _check_coverage(ctx, target, placed, gaps=len(placed) == len(resolved))
        ctx.phases[target] = sorted((r for r in placed if r.valid),
                                    key=lambda r: (r.begin, r.end))


# ---------------------------------------------------------------- targets

def _check_target(ctx: Context, schedule: ast.Schedule) -> None:
    target = schedule.target
    if target.startswith("model."):
        return  # a model attribute: checked once the model is built
    opt = ctx.recipe.optimizer
    comp = ctx.component(opt.call) if opt else None
    if comp is None:
        return  # no optimizer (reported elsewhere) or a user optimizer
    keys = [k for k, p in comp.properties.items() if _numeric(p)]
    if target == "momentum" and ("momentum" in keys or "betas" in keys):
        return
    if target in keys:
        return
    from ...registry import suggest

    hint = suggest(target, keys + ["momentum"])
    ctx.report(error("E209", f"`{comp.name}` has no parameter `{target}` to schedule",
                     schedule.target_span,
                     help=f"did you mean `schedule {hint}`?" if hint else
                     "schedulable: " + ", ".join(f"`{k}`" for k in keys)
                     + "; a model attribute is written `schedule model.NAME`"))


def _numeric(prop: dict) -> bool:
    """A parameter a scheduler can drive: a number, or Adam's betas."""
    types = [prop.get("type")] + [b.get("type") for b in prop.get("anyOf", ())]
    flat = {t for ts in types for t in (ts if isinstance(ts, list) else [ts])}
    return bool(flat & {"number", "integer", "array"})


def _has_momentum_key(ctx: Context) -> bool:
    opt = ctx.recipe.optimizer
    comp = ctx.component(opt.call) if opt else None
    return comp is None or "momentum" in comp.properties


def _fits(comp: Component, target: str) -> bool:
    allowed = comp.schema.get("x-params")
    if allowed is not None:
        return target in allowed
    if comp.param is None:
        return True
    return comp.param == target or (comp.param, target) == ("momentum", "betas")


# ---------------------------------------------------------------- one phase

def _resolve(ctx: Context, target: str, phase: ast.Phase) -> ResolvedPhase | None:
    comp = ctx.component(phase.scheduler)
    if comp is not None and comp.param is None and target == "momentum" \
            and not _has_momentum_key(ctx):
        base = comp.name.removesuffix("ParamScheduler")
        ctx.report(error("E208", f"`{comp.name}` cannot schedule `momentum` of "
                         f"`{ctx.recipe.optimizer.call.name}`, whose momentum is beta1 of "
                         "`betas`", phase.scheduler.name_span,
                         notes=["MMEngine's generic schedulers look for a `momentum` key, "
                                "which Adam-family param groups do not have"],
                         help=f"use `{base}Momentum`, which schedules beta1"
                         if lookup(base + "Momentum") else None))
        comp = None
    if comp is not None and not _fits(comp, target):
        generic = comp.name
        for suffix in ("LR", "Momentum", "WeightDecay"):
            if generic.endswith(suffix):
                generic = generic[: -len(suffix)]
        alternatives = [n for n in (generic + _FAMILY.get(target, "?"),
                                    generic + "ParamScheduler") if lookup(n)]
        made_for = comp.param or " or ".join(comp.schema.get("x-params", ()))
        ctx.report(error("E208", f"`{comp.name}` schedules `{made_for}`, not `{target}`",
                         phase.scheduler.name_span,
                         help="use " + " or ".join(f"`{a}`" for a in alternatives)
                         if alternatives else None))
        comp = None

    timeline = ctx.timeline
    begin = _bound(ctx, phase.begin, "begin")
    end = _bound(ctx, phase.end, "end")
    if begin is None or end is None:
        return None
    units = {b.value.unit for b in (phase.begin, phase.end) if isinstance(b.value, Duration)}
    per = phase.per or ("iter" if "it" in units else "epoch")
    valid = comp is not None or phase.scheduler.user or ctx.recipe.uses
    if comp is not None and per not in comp.schema.get("x-per", (per,)):
        ctx.report(error("E212", f"`{comp.name}` can only be stepped `per "
                         f"{comp.schema['x-per'][0]}`", phase.per_span or phase.bounds_span,
                         notes=["MMEngine rejects it otherwise"]))
        valid = False

    if per == "epoch":
        if not timeline.by_epoch:
            ctx.report(warning("W210", "a `per epoch` phase never advances in an "
                               "iteration-based run", phase.per_span or phase.bounds_span,
                               notes=["it keeps the value of its first step: as in MMEngine, "
                                      "an iteration-based loop never ends an epoch"],
                               help="write `per iter`"))
        # `end` of an iteration-based run need not be a whole epoch: such a
        # phase never advances, and MMEngine's default end is "never".
        sides = [(begin, phase.begin), (end, phase.end)]
        unaligned = [bound for iters, bound in sides if timeline.iters_per_epoch
                     and not _whole_epochs(iters, timeline)
                     and (timeline.by_epoch or not isinstance(bound.value, End))]
        if unaligned:
            bad = unaligned[0]
            ctx.report(error("E207", f"bound `{show(bad.value)}` of a `per epoch` phase is not "
                             "a whole epoch", bad.span,
                             notes=[f"an epoch is {timeline.iters_per_epoch} iterations"],
                             help="move the bound to an epoch boundary, or step the phase "
                                  "`per iter`"))
            valid = False

    if begin >= end:
        ctx.report(error("E203", f"phase [{show(phase.begin.value)}, {show(phase.end.value)}) "
                         "is empty" if begin == end else
                         f"phase [{show(phase.begin.value)}, {show(phase.end.value)}) ends "
                         "before it begins", phase.bounds_span,
                         help="a phase is `[begin, end)` with begin < end"))
        return None
    if timeline.iters is not None and end > timeline.iters:
        ctx.report(error("E204", f"phase [{show(phase.begin.value)}, {show(phase.end.value)}) "
                         "ends after training does", phase.end.span,
                         label=f"training ends at {timeline.describe(timeline.iters)}",
                         help="end the phase at `end`, or train longer"))
        valid = False

    args = dict(ctx.args.get(id(phase.scheduler), {}))
    if comp is not None:
        for name, prop in comp.properties.items():
            if prop.get("x-steps") and name in args:
                steps = _steps(ctx, phase, per, units, name, args[name], prop)
                valid = valid and steps is not INVALID
                args[name] = steps
        if valid:
            problem = _rejected(comp, args, _phase_steps(begin, end, per, timeline))
            if problem:
                ctx.report(error("E213", f"{problem}, which MMEngine rejects",
                                 phase.scheduler.span))
                valid = False
    return ResolvedPhase(phase, comp, int(begin), int(end), per, args, bool(valid))


def _phase_steps(begin: int, end: int, per: str, timeline: Timeline) -> int:
    if per == "epoch" and timeline.iters_per_epoch:
        return (end - begin) // timeline.iters_per_epoch
    return end - begin


def _rejected(comp: Component, args: dict, length: int) -> str | None:
    """Argument combinations MMEngine refuses that a schema cannot express."""
    family = comp.name
    if family.startswith("CosineRestart") and "periods" in args:
        periods, weights = args.get("periods", ()), args.get("restart_weights", (1,))
        if len(periods) != len(weights):
            return (f"`periods` has {len(periods)} entries and `restart_weights` "
                    f"{len(weights)}")
    if family.startswith("OneCycle"):
        total = args.get("total_steps")
        if total is not None and total < length:
            return (f"`total_steps = {show(total)}` is shorter than the phase "
                    f"({length} steps): the schedule would run out before the phase ends")
    return None


def _bound(ctx: Context, bound: ast.Bound, side: str) -> int | None:
    value = bound.value
    if value is INVALID:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ctx.report(error("E205", f"phase {side} `{show(value)}` has no unit", bound.span,
                         help=f"write `{show(value)}ep` for epochs or `{show(value)}it` "
                              "for iterations"))
        return None
    if isinstance(value, Symbol):
        ctx.report(error("E101", f"unknown name `{value.name}`", bound.span,
                         help="a phase bound is a duration (`10ep`, `500it`), `end`, or a "
                              "`let` name holding one"))
        return None
    if not isinstance(value, (Duration, End)):
        ctx.report(error("E205", f"phase {side} must be a duration, got {type_word(value)}",
                         bound.span))
        return None
    if isinstance(value, Duration) and value.value < 0:
        ctx.report(error("E203", f"phase {side} `{show(value)}` is negative", bound.span))
        return None
    if isinstance(value, Duration) and value.unit == "it" and value.value != int(value.value):
        ctx.report(error("E207", f"phase {side} `{show(value)}` is not a whole number of "
                         "iterations", bound.span))
        return None
    iters = ctx.timeline.to_iters(value)
    if iters is None and ctx.timeline.iters is not None:
        ctx.report(error("E112", f"cannot convert `{show(value)}` to iterations: the length "
                         "of an epoch is unknown", bound.span,
                         help="add `iters_per_epoch = N` to the train block, or give the "
                              "bound in `it`"))
    return iters  # None: the length of training is unknown, reported by the train check


def _whole_epochs(iters: int, timeline: Timeline) -> bool:
    return iters % timeline.iters_per_epoch == 0


def _steps(ctx: Context, phase: ast.Phase, per: str, units: set[str], name: str,
           value: Any, prop: dict) -> Any:
    """A step-count argument in the phase's own steps (iterations or epochs).

    Epochs convert to iterations without truncation, as MMEngine multiplies
    step counts by the epoch length when it converts a scheduler."""
    arg = phase.scheduler.arg(name)
    if isinstance(value, (list, tuple)):
        if per == "iter" and "ep" in units and not all(isinstance(v, Duration) for v in value):
            return _ambiguous(ctx, name, value, arg)
        items = [_steps(ctx, phase, per, units, name, v, prop) for v in value]
        return INVALID if INVALID in items else items
    ipe = ctx.timeline.iters_per_epoch
    if isinstance(value, Duration):
        steps, unit = _convert_steps(value, per, ipe)
        if steps is None:
            return INVALID  # an epoch's length is unknown: reported by the arguments check
        if steps != int(steps) and per == "epoch" or value.unit == "it" and \
                value.value != int(value.value):
            ctx.report(error("E207", f"`{name} = {show(value)}` is not a whole number of "
                             f"{unit} in a `per {per}` phase", arg.value_span,
                             notes=[f"an epoch is {ipe} iterations"] if ipe else []))
            return INVALID
        numeric = _numeric_form(prop)
        if steps != int(steps) and numeric.get("type") == "integer":
            ctx.report(error("E207", f"`{name} = {show(value)}` is {show(steps)} {unit}; it "
                             "must be a whole number", arg.value_span))
            return INVALID
        steps = int(steps) if steps == int(steps) else steps
        least = numeric.get("minimum", numeric.get("exclusiveMinimum"))
        if least is not None and steps < least:
            ctx.report(error("E305", f"`{name} = {show(value)}` is {show(steps)} {unit}; it "
                             f"must be at least {least}", arg.value_span))
            return INVALID
        return steps
    if per == "iter" and "ep" in units:
        return _ambiguous(ctx, name, value, arg)
    return value


def _ambiguous(ctx: Context, name: str, value: Any, arg: ast.Arg) -> Any:
    def with_unit(unit: str) -> str:
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(show(v) if isinstance(v, Duration) else f"{show(v)}{unit}"
                                   for v in value) + "]"
        return f"{show(value)}{unit}"

    ctx.report(error("E206", f"`{name} = {show(value)}` is ambiguous in a phase bounded in "
                     "epochs and stepped per iteration", arg.value_span,
                     notes=["MMEngine would read it as epochs and multiply by the epoch "
                            "length; sspec does not guess"],
                     help=f"write `{name} = {with_unit('ep')}` or `{name} = {with_unit('it')}`"))
    return INVALID


def _convert_steps(value: Duration, per: str, ipe: int | None) -> tuple[Any, str]:
    if per == "iter":
        if value.unit == "it":
            return value.value, "iterations"
        return (None if ipe is None else value.value * ipe), "iterations"
    if value.unit == "ep":
        return value.value, "epochs"
    return (None if ipe is None else value.value / ipe), "epochs"


def _numeric_form(prop: dict) -> dict:
    """The schema of a step count given as a bare number (or list item)."""
    for branch in [prop, *prop.get("anyOf", ())]:
        items = branch.get("items") if branch.get("type") == "array" else branch
        if isinstance(items, dict) and items.get("type") in ("integer", "number"):
            return items
    return {}


# ---------------------------------------------------------------- overlaps and gaps

def _check_coverage(ctx: Context, target: str, phases: list[ResolvedPhase],
                    gaps: bool) -> None:
    """Overlaps (errors unless stacked) and gaps (warnings), in O(n log n).

    A `stack` block counts as one unit spanning all its phases; units must
    neither overlap nor leave gaps between them.
    """
    units = []
    key = lambda r: (r.phase.stack is None, r.phase.stack if r.phase.stack is not None
                     else id(r))
    for _, group in groupby(sorted(phases, key=key), key=key):
        group = list(group)
        units.append((min(r.begin for r in group), max(r.end for r in group), group))
    units.sort(key=lambda u: (u[0], u[1]))

    timeline = ctx.timeline
    if gaps and units and units[0][0] > 0:
        first = min(units[0][2], key=lambda r: r.begin)
        ctx.report(warning("W202", f"`{target}` is not scheduled before "
                           f"{timeline.describe(first.begin)}", first.phase.begin.span,
                           notes=["until then it keeps the optimizer's own value"],
                           help=f"start the first phase at `0{_unit(first.phase)}`"))
    reach, reach_phase = None, None
    for begin, end, group in units:
        head = min(group, key=lambda r: r.begin)
        if reach is not None and begin < reach:
            amount = reach - begin
            ctx.report(error(
                "E201", f"phase [{show(head.phase.begin.value)}, {show(head.phase.end.value)}) "
                f"of `{target}` overlaps [{show(reach_phase.phase.begin.value)}, "
                f"{show(reach_phase.phase.end.value)}) (line {reach_phase.phase.span.line})",
                head.phase.bounds_span, label=f"overlaps by {_amount(amount, timeline)}",
                related=reach_phase.phase.bounds_span,
                help=f"start this phase at {show(reach_phase.phase.end.value)}, or write the "
                     "two phases in a `stack` block"))
        elif gaps and reach is not None and begin > reach:
            ctx.report(warning(
                "W202", f"gap in `{target}` between {show(reach_phase.phase.end.value)} and "
                f"{show(head.phase.begin.value)}", head.phase.begin.span,
                label=f"nothing scheduled for {_amount(begin - reach, timeline)}",
                notes=["in the gap the value stays where the previous phase left it, "
                       "as in MMEngine"],
                help=f"start this phase at {show(reach_phase.phase.end.value)}"))
        if reach is None or end > reach:
            reach, reach_phase = end, max(group, key=lambda r: r.end)


def _unit(phase: ast.Phase) -> str:
    value = phase.begin.value
    return value.unit if isinstance(value, Duration) else "it"


def _amount(iters: int, timeline: Timeline) -> str:
    ipe = timeline.iters_per_epoch
    its = f"{iters} iteration{'s' if iters != 1 else ''}"
    if ipe and iters % ipe == 0:
        n = iters // ipe
        return f"{n} epoch{'s' if n != 1 else ''} ({its})"
    return its
