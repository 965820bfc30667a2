"""The Plan: the checked recipe, fully resolved, as plain JSON data.

It is the contract between compiler and runtime: absolute iteration bounds,
arguments with their defaults, the hook order at every hook point, the
optimizer's rules. `plan.schema.json` beside this file is its JSON Schema.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from ..registry import schema_defaults
from . import ast
from .checks.optimizer import LAYER_DECAY_SCHEMA
from .context import Context, Timeline
from .values import Duration, to_json

VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")


@functools.lru_cache(maxsize=None)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def build(ctx: Context) -> dict:
    recipe, timeline = ctx.recipe, ctx.timeline
    plan = {
        "sspec_plan": VERSION,
        "recipe": recipe.name,
        "file": recipe.file,
        "train": dict(ctx.train),
        "uses": [u.module for u in recipe.uses],
        "model": _component(ctx, recipe.model),
        "data": _component(ctx, recipe.data),
        "optimizer": _optimizer(ctx, recipe.optimizer),
        "schedules": {
            target: [{
                "scheduler": r.phase.scheduler.name,
                "args": _json(ctx.call_args(r.phase.scheduler, r.args), timeline),
                "begin": r.begin,
                "end": r.end,
                "per": r.per,
                "stack": r.phase.stack,
                "line": r.phase.span.line,
            } for r in phases]
            for target, phases in ctx.phases.items()
        },
        "hooks": ctx.hook_order,
        "hook_defs": [{**h, "args": _json(h["args"], timeline)} for h in ctx.hooks],
    }
    _scale_lr(plan)
    return plan


def _scale_lr(plan: dict) -> None:
    """MMEngine's `scale_lr`: every param group's lr times `train.lr_scale`,
    before any schedule reads it. The optimizer's lr and each rule's own `lr`
    are the groups' starting values, so scaling those scales every group;
    `lr_mult` and layer decay are ratios and stay. The Plan then holds the lr
    that trains, for render, params and run alike."""
    scale = plan["train"].get("lr_scale")
    optimizer = plan.get("optimizer")
    if scale is None or optimizer is None:
        return
    args = optimizer["args"]
    if isinstance(args.get("lr"), (int, float)) and not isinstance(args.get("lr"), bool):
        args["lr"] = args["lr"] * scale
    for rule in optimizer["rules"]:
        lr = rule["settings"].get("lr")
        if isinstance(lr, (int, float)) and not isinstance(lr, bool):
            rule["settings"]["lr"] = lr * scale


def _component(ctx: Context, call: ast.Call | None) -> dict | None:
    if call is None:
        return None
    return {"type": call.name, "user": call.user,
            "args": _json(ctx.call_args(call), ctx.timeline)}


def _optimizer(ctx: Context, opt: ast.Optimizer | None) -> dict | None:
    if opt is None:
        return None
    out = _component(ctx, opt.call)
    out["rules"] = [{
        "selectors": [{sel.kind: sel.pattern} for sel in rule.selectors],
        "settings": {a.name: _json(a.value, ctx.timeline) for a in rule.settings},
        "line": rule.span.line,
    } for rule in opt.rules]
    decay = opt.layer_decay
    out["layer_decay"] = None if decay is None else _json(
        {**schema_defaults(LAYER_DECAY_SCHEMA), **ctx.args.get(id(decay), {}),
         "line": decay.span.line}, ctx.timeline)
    return out


def _json(value: Any, timeline: Timeline) -> Any:
    """Plain JSON; a duration also says how many iterations it is."""
    if isinstance(value, Duration):
        return {"value": value.value, "unit": value.unit, "iters": timeline.to_iters(value)}
    if isinstance(value, (list, tuple)):
        return [_json(v, timeline) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v, timeline) for k, v in value.items()}
    return to_json(value)


def validate(plan: dict) -> list[str]:
    """Messages for every way `plan` departs from the Plan schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(plan)]
