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
        resolved = [r for p in phases if (r := _resolve(ctx, target, p)) is not None]
        _check_coverage(ctx, target, resolved)
        ctx.phases[target] = sorted(resolved, key=lambda r: (r.begin, r.end))


# ---------------------------------------------------------------- targets

def _check_target(ctx: Context, schedule: ast.Schedule) -> None:
    target = schedule.target
    if target.startswith("model."):
        return  # a model attribute: checked once the model is built
    opt = ctx.recipe.optimizer
    comp = ctx.component(opt.call) if opt else None
    if comp is None:
        return  # no optimizer (reported elsewhere) or a user optimizer
    keys = list(comp.properties)
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
    if comp is not None and per not in comp.schema.get("x-per", (per,)):
        ctx.report(error("E212", f"`{comp.name}` can only be stepped `per "
                         f"{comp.schema['x-per'][0]}`", phase.per_span or phase.bounds_span,
                         notes=["MMEngine rejects it otherwise"]))
        return None

    if per == "epoch":
        if not timeline.by_epoch:
            ctx.report(warning("W210", "a `per epoch` phase never steps in an "
                               "iteration-based run", phase.per_span or phase.bounds_span,
                               notes=["as in MMEngine, where IterBasedTrainLoop never ends "
                                      "an epoch"],
                               help="write `per iter`"))
        elif any(not _whole_epochs(b, timeline) for b in (begin, end)):
            bad = phase.begin if not _whole_epochs(begin, timeline) else phase.end
            ctx.report(error("E207", f"bound `{show(bad.value)}` of a `per epoch` phase is not "
                             "a whole epoch", bad.span,
                             notes=[f"an epoch is {timeline.iters_per_epoch} iterations"],
                             help="move the bound to an epoch boundary, or step the phase "
                                  "`per iter`"))
            return None

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
        return None

    args = dict(ctx.args.get(id(phase.scheduler), {}))
    if comp is not None:
        for name, prop in comp.properties.items():
            if prop.get("x-steps") and name in args:
                steps = _steps(ctx, phase, per, units, name, args[name])
                if steps is INVALID:
                    return None
                args[name] = steps
    return ResolvedPhase(phase, comp, int(begin), int(end), per, args)


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
    iters = ctx.timeline.to_iters(value)
    if iters is None:
        return None  # unknown length of an epoch or of training: reported by the train check
    return iters


def _whole_epochs(iters: int, timeline: Timeline) -> bool:
    return iters % timeline.iters_per_epoch == 0


def _steps(ctx: Context, phase: ast.Phase, per: str, units: set[str], name: str,
           value: Any) -> Any:
    """A step-count argument in the phase's own steps (iterations or epochs)."""
    if isinstance(value, (list, tuple)):
        items = [_steps(ctx, phase, per, units, name, v) for v in value]
        return INVALID if INVALID in items else items
    arg = phase.scheduler.arg(name)
    timeline = ctx.timeline
    if isinstance(value, Duration):
        if per == "iter":
            iters = timeline.to_iters(value)
            return INVALID if iters is None else iters
        if value.unit == "ep":
            return value.value
        if timeline.iters_per_epoch and value.value % timeline.iters_per_epoch == 0:
            return value.value // timeline.iters_per_epoch
        ctx.report(error("E207", f"`{name} = {show(value)}` is not a whole number of epochs "
                         "in a `per epoch` phase", arg.value_span,
                         notes=[f"an epoch is {timeline.iters_per_epoch} iterations"]
                         if timeline.iters_per_epoch else []))
        return INVALID
    if per == "iter" and "ep" in units:
        ctx.report(error("E206", f"`{name} = {show(value)}` is ambiguous in a phase bounded in "
                         "epochs and stepped per iteration", arg.value_span,
                         notes=["MMEngine would read it as epochs and multiply by the epoch "
                                "length; sspec does not guess"],
                         help=f"write `{name} = {show(value)}ep` or `{name} = {show(value)}it`"))
        return INVALID
    return value


# ---------------------------------------------------------------- overlaps and gaps

def _check_coverage(ctx: Context, target: str, phases: list[ResolvedPhase]) -> None:
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
    if units and units[0][0] > 0:
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
                help=f"start this phase at {show(reach_phase.phase.end.value)}, or write the "
                     "two phases in a `stack` block"))
        elif reach is not None and begin > reach:
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
