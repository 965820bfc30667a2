"""The optimizer block: per-parameter rules and layer-wise lr decay.

Which parameters a selector matches is known only once the model is built
(`sspec run`); here each rule's settings and selectors are checked.
"""

from __future__ import annotations

import functools

from ...diagnostics import error, warning
from ...registry import lookup, suggest
from ..context import Context
from .arguments import validate

# Built-in parameter classes a selector may name (globs are quoted).
CLASSES = {
    "bias": "parameters named `bias`",
    "norm": "parameters of normalization layers (BatchNorm, LayerNorm, GroupNorm, ...)",
    "dwconv": "weights of depth-wise convolutions",
    "flat": "one-dimensional parameters",
}

_NONNEG = {"type": "number", "minimum": 0}
RULE_PROPERTIES = {
    "lr_mult": {**_NONNEG, "description": "multiplies the group's lr (and its schedule)"},
    "decay_mult": {**_NONNEG, "description": "multiplies the group's weight decay"},
    "lr": {**_NONNEG, "description": "the group's own base lr"},
    "weight_decay": {**_NONNEG, "description": "the group's own weight decay"},
    "fixed_lr": {"type": "boolean", "description": "schedules leave this group's lr alone"},
    "lars_exclude": {"type": "boolean",
                     "description": "LARS neither adapts nor decays these parameters"},
}

LAYER_DECAY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["rate", "layers"],
    "properties": {
        "rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                 "description": "lr scale per layer: rate ** (layers + 1 - layer_id)"},
        "layers": {"type": "integer", "minimum": 1, "description": "number of blocks"},
        "embed": {"type": "array", "items": {"type": "string"},
                  "default": ["*cls_token", "*pos_embed", "*mask_token", "*patch_embed*"],
                  "description": "globs of parameters in layer 0"},
        "blocks": {"type": "string", "pattern": "\\{\\}", "default": "*blocks.{}.*",
                   "description": "glob of block parameters; `{}` stands for the block "
                                  "index i, which is layer i + 1"},
    },
}


@functools.lru_cache(maxsize=None)
def _rule_schema(optimizer: str | None) -> dict:
    """Rule keys: the common ones, and any param-group key of the optimizer."""
    props = dict(RULE_PROPERTIES)
    component = lookup(optimizer) if optimizer else None
    if component is not None:
        for key, prop in component.properties.items():
            props.setdefault(key, prop)
    return {"type": "object", "additionalProperties": component is None,
            "properties": props}


def check(ctx: Context) -> None:
    opt = ctx.recipe.optimizer
    if opt is None:
        return
    comp = ctx.component(opt.call)
    schema = _rule_schema(comp.name if comp else None)
    for rule in opt.rules:
        for sel in rule.selectors:
            if sel.kind == "class" and sel.pattern not in CLASSES:
                hint = suggest(sel.pattern, CLASSES)
                ctx.report(error("E502", f"unknown parameter class `{sel.pattern}`", sel.span,
                                 help=f"did you mean `{hint}`?" if hint else
                                 "classes: " + ", ".join(f"`{c}`" for c in CLASSES)
                                 + f"; quote a glob on parameter names: \"*{sel.pattern}*\""))
        diagnostics, _ = validate(rule.settings, schema, "a `params` rule", rule.span,
                                  ctx.let_names)
        ctx.report(*diagnostics)
        lars = next((a for a in rule.settings if a.name == "lars_exclude"), None)
        if lars is not None and opt.call.name != "LARS" and not opt.call.user:
            ctx.report(warning("W503", f"`lars_exclude` has no effect with `{opt.call.name}`",
                               lars.name_span, help="it applies to the LARS optimizer"))
    if opt.layer_decay is not None:
        diagnostics, values = validate(opt.layer_decay.args, LAYER_DECAY_SCHEMA,
                                       "`layer_decay`", opt.layer_decay.name_span,
                                       ctx.let_names, opt.layer_decay.positional)
        ctx.report(*diagnostics)
        ctx.args[id(opt.layer_decay)] = values
