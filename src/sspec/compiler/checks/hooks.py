"""Hooks: priorities, explicit `after`/`before` edges, and the resolved order.

The order is a topological order of the edge graph, ties broken by priority
and then by declaration order. With no edges that is exactly MMEngine's order
(hooks sorted by priority, registration order among equals), the schedule hook
counting as registered first, as MMEngine's default hooks are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...diagnostics import Span, error, warning
from ...registry import HOOK_POINTS, PRIORITIES, Component, lookup, names, suggest
from .. import ast
from ..context import Context
from ..values import INVALID, Symbol, show, type_word

SCHEDULE_HOOK = "ParamSchedulerHook"


@dataclass
class _Entry:
    label: str
    type: str
    priority: int
    points: tuple[str, ...]
    hook: ast.Hook | None           # None for the implicit schedule hook
    component: Component | None
    args: dict = field(default_factory=dict)


def check(ctx: Context) -> None:
    entries = _entries(ctx)
    _check_writers(ctx, entries)
    _check_model_parts(ctx, entries)
    _check_fixed_lr(ctx, entries)
    edges = []                      # (u, v, data): u runs before v
    by_label = {e.label: i for i, e in enumerate(entries)}
    by_type: dict[str, list[int]] = {}
    for i, e in enumerate(entries):
        by_type.setdefault(e.type, []).append(i)

    against = []
    for i, e in enumerate(entries):
        if e.hook is None:
            continue
        for refs, after in ((e.hook.after, True), (e.hook.before, False)):
            for ref in refs:
                targets = [by_label[ref.name]] if ref.name in by_label else by_type.get(ref.name)
                if not targets:
                    ctx.report(error("E402", f"no hook is labelled or typed `{ref.name}`",
                                     ref.span, help=_reference_help(ref.name, by_label,
                                                                    by_type)))
                    continue
                for t in targets:
                    if t == i:
                        ctx.report(error("E407", f"hook `{e.label}` is ordered "
                                         f"{'after' if after else 'before'} itself", ref.span))
                        continue
                    u, v = (t, i) if after else (i, t)
                    edges.append((u, v, {"ref": ref, "owner": i,
                                         "word": "after" if after else "before"}))
                    against.extend(_against_priority(entries, u, v, ref, after))

    def rank(n: int) -> tuple[int, int]:
        return entries[n].priority, n

    if not edges:  # MMEngine's order; the graph library is needed only for edges
        order = sorted(range(len(entries)), key=rank)
    else:
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(range(len(entries)))
        graph.add_edges_from(edges)
        if _report_cycles(ctx, entries, graph):
            return
        ctx.report(*against)  # within a cycle, the cycle is the whole story
        order = list(nx.lexicographical_topological_sort(graph, key=rank))
    ctx.hooks = [_plan_entry(entries[n]) for n in order]
    at_point = {point: [entries[n].label for n in order if point in entries[n].points]
                for point in HOOK_POINTS}
    ctx.hook_order = {point: labels for point, labels in at_point.items() if labels}


def _entries(ctx: Context) -> list[_Entry]:
    entries = []
    declared_types: dict[str, Span] = {}
    for h in ctx.recipe.hooks:
        declared_types.setdefault(h.call.name, h.call.name_span)
    if ctx.recipe.schedules and SCHEDULE_HOOK not in declared_types:
        comp = lookup(SCHEDULE_HOOK)
        entries.append(_Entry(SCHEDULE_HOOK, SCHEDULE_HOOK, PRIORITIES[comp.priority],
                              comp.points, None, comp))
    labels: dict[str, Span] = {}
    type_count: dict[str, int] = {}
    for hook in ctx.recipe.hooks:
        comp = ctx.component(hook.call)
        label = hook.label
        if label is not None:
            if label in labels:
                ctx.report(error("E406", f"hook label `{label}` is already used",
                                 hook.label_span,
                                 notes=[f"`{label}` first names the hook at line "
                                        f"{labels[label].line}"],
                                 help="give each label to one hook"))
            elif label in declared_types:
                ctx.report(error("E406", f"hook label `{label}` is also the type of a hook",
                                 hook.label_span,
                                 notes=[f"a `{label}` is declared at line "
                                        f"{declared_types[label].line}"],
                                 help="a label must not be the name of a hook type"))
        else:
            n = type_count.get(hook.call.name, 0) + 1
            type_count[hook.call.name] = n
            label = hook.call.name if n == 1 else f"{hook.call.name}#{n}"
        labels.setdefault(label, hook.label_span or hook.call.name_span)
        default = comp.priority if comp else "NORMAL"
        entries.append(_Entry(label, hook.call.name, _priority(ctx, hook, default),
                              comp.points if comp else HOOK_POINTS, hook, comp,
                              ctx.call_args(hook.call)))
    return entries


def _check_writers(ctx: Context, entries: list[_Entry]) -> None:
    """A value written both by a hook and by a schedule has two owners."""
    schedules = {}
    for schedule in ctx.recipe.schedules:
        schedules.setdefault(schedule.target, schedule)
    for e in entries:
        if e.hook is None or e.component is None:
            continue
        for written in e.component.writes:
            schedule = schedules.get(written)
            if schedule is not None:
                ctx.report(warning(
                    "W408", f"`{e.label}` writes `{written}`, which `schedule {written}` "
                    f"(line {schedule.span.line}) writes too", e.hook.call.name_span,
                    notes=["the value the model sees would depend on which writes last"],
                    help="keep one writer: drop the schedule or the hook"))


def _check_model_parts(ctx: Context, entries: list[_Entry]) -> None:
    """A built-in hook that needs a part of the model (DenseCLHook the
    model's `loss_lambda`) against a built-in model without it. A model from
    user code is checked when `sspec run` builds it."""
    call = ctx.recipe.model
    model = ctx.component(call) if call is not None else None
    if model is None or model.kind != "model":
        return
    for e in entries:
        if e.hook is None or e.component is None:
            continue
        missing = [r for r in e.component.requires if r not in model.provides]
        if missing:
            users = [n for n in names("model") if set(e.component.requires) <= set(lookup(n).provides)]
            ctx.report(error(
                "E409", f"`{e.label}` needs a model with " + ", ".join(f"`{m}`" for m in missing)
                + f"; `{model.name}` has none", e.hook.call.name_span,
                notes=[f"the model is `{model.name}` (line {call.span.line})"],
                help=("the hook is made for " + ", ".join(f"`{u}`" for u in users)) if users
                else "drop the hook"))


def _check_fixed_lr(ctx: Context, entries: list[_Entry]) -> None:
    """SimSiamHook sets the lr of the `fixed_lr` groups to its `lr`; the
    chart draws those groups at their own lr. Say when the two differ, or
    when there is no group for the hook to fix."""
    optimizer = ctx.recipe.optimizer
    if optimizer is None:
        return
    for e in entries:
        if e.type != "SimSiamHook" or e.hook is None or not e.args.get("fix_pred_lr"):
            continue
        hook_lr = e.args.get("lr")
        if not isinstance(hook_lr, (int, float)):
            continue  # the argument's own error says it all
        fixed = [r for r in optimizer.rules
                 if any(a.name == "fixed_lr" and a.value is True for a in r.settings)]
        if not fixed:
            ctx.report(warning(
                "W410", f"`{e.label}` has no group to fix: no `params` rule sets `fixed_lr = true`",
                e.hook.call.name_span,
                help='mark the predictor\'s parameters: `params "predictor.*" { fixed_lr = true }`'))
            continue
        base = ctx.args.get(id(optimizer.call), {}).get("lr")
        scale = ctx.train.get("lr_scale") or 1.0  # `scale_lr_from` scales the groups, not the hook
        for rule in fixed:
            settings = {a.name: a.value for a in rule.settings}
            lr = settings.get("lr")
            if lr is None and isinstance(base, (int, float)):
                lr = base * settings.get("lr_mult", 1.0)
            if not isinstance(lr, (int, float)):
                continue  # an invalid lr: its own error says so
            lr = lr * scale
            if abs(lr - hook_lr) > 1e-12 * max(abs(lr), abs(hook_lr)):
                ctx.report(warning(
                    "W410", f"`{e.label}` sets the `fixed_lr` group of line {rule.span.line} to "
                    f"lr {show(hook_lr)}, but the group's own lr is {show(lr)}",
                    e.hook.call.arg("lr").value_span if e.hook.call.arg("lr") else e.hook.call.name_span,
                    notes=["`sspec render` draws the group at its own lr; training uses the hook's"]
                    + (["`scale_lr_from` scales the group's lr, and not the hook's (as MMEngine's "
                        "`auto_scale_lr`)"] if scale != 1.0 else []),
                    help="give the hook and the group the same lr"))


def _reference_help(name: str, labels, types) -> str:
    hint = suggest(name, list(labels) + list(types))
    if hint:
        return f"did you mean `{hint}`?"
    known = suggest(name, names("hook"))
    if known:
        return f"no `{known}` is declared in this recipe"
    return "label a hook with `hook NAME = Type(...)` and refer to it by that label"


def _priority(ctx: Context, hook: ast.Hook, default: str) -> int:
    value = hook.priority
    if value is None or value is INVALID:
        return PRIORITIES[default]
    if isinstance(value, (Symbol, str)):
        name = value.name if isinstance(value, Symbol) else value
        if name in PRIORITIES:
            return PRIORITIES[name]
        hint = suggest(name, PRIORITIES)
        ctx.report(error("E404", f"unknown priority `{name}`", hook.priority_span,
                         help=f"did you mean `{hint}`?" if hint else
                         "priorities: " + ", ".join(PRIORITIES) + ", or an integer 0..100"))
        return PRIORITIES[default]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100:
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        ctx.report(error("E403", f"priority must be a name or an integer, got {type_word(value)}",
                         hook.priority_span,
                         help="priorities: " + ", ".join(PRIORITIES) + ", or an integer 0..100"))
        return PRIORITIES[default]
    ctx.report(error("E403", f"priority `{show(value)}` is not between 0 and 100",
                     hook.priority_span,
                     help="0 runs first (HIGHEST), 100 last (LOWEST); NORMAL is 50"))
    return PRIORITIES[default]


def _priority_name(value: int) -> str:
    names = [n for n, v in PRIORITIES.items() if v == value]
    return f"{names[0]}, {value}" if names else str(value)


def _against_priority(entries, u: int, v: int, ref: ast.Ref, after: bool):
    """`u` is made to run before `v`: a warning when priorities said otherwise."""
    first, second = entries[u], entries[v]
    if first.priority <= second.priority:
        return
    owner = second if after else first
    yield warning(
        "W405", f"`{owner.label} {'after' if after else 'before'} {ref.name}` goes against "
        "their priorities", ref.span,
        notes=[f"by priority `{second.label}` ({_priority_name(second.priority)}) would run "
               f"before `{first.label}` ({_priority_name(first.priority)})",
               f"the explicit edge wins: `{first.label}` runs first"],
        help=f"give `{owner.label}` a priority that agrees, or drop the edge")


def _report_cycles(ctx: Context, entries, graph) -> bool:
    import networkx as nx

    found = False
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        found = True
        cycle = nx.find_cycle(graph.subgraph(component))
        path = " → ".join([entries[u].label for u, _ in cycle] + [entries[cycle[0][0]].label])
        notes = []
        for u, v in cycle:
            data = graph.edges[u, v]
            owner = entries[data["owner"]].label
            notes.append(f"`{owner} {data['word']} {data['ref'].name}` at line "
                         f"{data['ref'].span.line}: `{entries[u].label}` runs before "
                         f"`{entries[v].label}`")
        primary = min((graph.edges[u, v]["ref"].span for u, v in cycle),
                      key=lambda s: (s.line, s.column))
        ctx.report(error("E401", f"hook order has a cycle: {path}", primary, notes=notes,
                         help="remove one of these `after`/`before` edges"))
    return found


def _plan_entry(e: _Entry) -> dict:
    return {"label": e.label, "type": e.type, "priority": e.priority,
            "points": list(e.points), "args": e.args,
            "line": e.hook.span.line if e.hook else None}
