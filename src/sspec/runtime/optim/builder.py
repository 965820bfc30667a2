"""The optimizer of a Plan, with its parameter groups.

    built = build_optimizer(plan, model)
    built.optimizer        # the torch optimizer
    built.groups           # one dict per param group (see BuiltOptimizer)
    print(built.table())   # what `sspec params` prints

**Rules.** The `params` rules of the optimizer block (the Plan's
`optimizer.rules`) are applied to every parameter of `model.named_parameters()`
in order; a later rule overrides an earlier one key by key, so a parameter's
settings are the union of the settings of the rules that match it, the later
winning. Selectors: a quoted glob (`fnmatch`, case-sensitive, on the full
parameter name) or a class:

- `bias`: parameters named `bias` (the name is `bias` or ends in `.bias`);
- `norm`: the parameters of normalization layers: subclasses of BatchNorm*,
  InstanceNorm* (torch's `_NormBase`), LayerNorm, GroupNorm and RMSNorm
  (MMEngine's `is_norm`, plus RMSNorm);
- `dwconv`: the weights of depth-wise convolutions, `groups == in_channels > 1`;
- `flat`: one-dimensional parameters.

A rule none of whose selectors matches any parameter is an error
(`ParamRuleError`, with the rule's line). A selector that matches nothing in
a rule that matches something is only a note (`BuiltOptimizer.warnings`):
imported recipes list MMEngine's custom keys, which may not all apply.
Frozen parameters (`requires_grad = False`) are grouped like the others
(MMEngine puts them in a group with the optimizer's own settings; either way
the optimizer never updates a parameter without a gradient).

**Groups.** Parameters with identical settings share a group, named as
`sspec.schedules` names it: `default` for parameters no rule matches, `line L`
(or `lines L1, L2` for rules with identical settings) for the group of a rule.
A parameter whose settings combine several rules, equal to no rule's own,
goes to a group named after those rules' groups joined by ` + ` (`line 7 +
line 9`); sspec.schedules does not compute curves for such a group, but its
base values follow the same definition. Base values are those of
`sspec.schedules` (the same function computes them): lr = the rule's `lr`, else
the optimizer's lr * `lr_mult`; weight_decay = the rule's `weight_decay`, else
the optimizer's * `decay_mult`; any other key the rule sets is that group's
value of the optimizer's argument. So `compute(plan).curve("lr", group=name)`
is the lr this group gets.

**Layer-wise lr decay** (the Plan's `optimizer.layer_decay`, MMSelfSup 1.x's
and MMPretrain's LearningRateDecayOptimWrapperConstructor): each parameter
gets a layer id: 0 when its name matches one of the `embed` globs, i + 1 when
it matches the `blocks` glob with the integer i in place of `{}`, otherwise
`layers + 1`; its lr is scaled by `rate ** (layers + 1 - layer_id)`. The rules
apply first; then every group is split by layer, `NAME / layer K`, with lr =
the group's base lr * the layer's scale (weight decay unchanged). The
schedules act on each of these from its own initial lr, so with a
multiplicative schedule each is its rule group's curve times the scale.
Unlike MMSelfSup's constructor, layer decay never zeroes weight decay by
itself (1-D parameters, biases, position embeddings): write that as a rule,
`params flat, bias, "*pos_embed", "*cls_token" { decay_mult = 0 }`, which is
what `sspec import` writes for MMSelfSup 1.x and MMPretrain configs.

**Order** of the torch param groups: `default`, the rule groups in the order
of `sspec.schedules` (the first line of each), then the combined groups in
the order their first parameter appears; each split by layer in increasing
layer id. Groups without parameters are left out.

Each torch param group holds, besides `params` and the optimizer's keys:
`name`, `initial_lr` (and `initial_weight_decay`, `initial_momentum` where
the group has that key: the values MMEngine's schedulers keep, which they
would `setdefault` to the same), `fixed_lr`, `lars_exclude`, and with layer
decay `layer_id` and `lr_scale`.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

__all__ = [
    "BuiltOptimizer",
    "OptimizerBuildError",
    "ParamRuleError",
    "RuleProblem",
    "build_optimizer",
    "layer_ids",
    "param_table",
    "resolve_optimizer",
    "selector_text",
]

# Keys of a `params` rule that are not param-group keys of the optimizer.
SPECIAL_KEYS = ("lr_mult", "decay_mult", "lr", "weight_decay", "fixed_lr", "lars_exclude")
# Values MMEngine's schedulers keep as `initial_<key>` in each param group.
INITIAL_KEYS = ("lr", "weight_decay", "momentum")


def _norm_types() -> tuple[type, ...]:
    types: list[type] = [nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm]
    if hasattr(nn, "RMSNorm"):  # torch >= 2.4
        types.append(nn.RMSNorm)
    return tuple(types)


NORM_TYPES = _norm_types()


# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class RuleProblem:
    """A `params` rule (or one of its selectors) that matches no parameter."""

    line: int | None
    selectors: tuple[dict, ...]
    message: str
    help: str | None = None


class OptimizerBuildError(ValueError):
    """The Plan's optimizer cannot be built for this model (an unknown class, an
    argument the installed torch lacks, a layer_decay that does not fit).
    `line` is the recipe line when known (the Plan has none for the
    optimizer call or layer_decay)."""

    def __init__(self, message: str, line: int | None = None, help: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.help = help


class ParamRuleError(OptimizerBuildError):
    """One or more `params` rules match no parameter of the model.

    `problems` lists every such rule (checked in one pass); `line`,
    `selectors`, `message` and `help` are the first one's."""

    def __init__(self, problems: list[RuleProblem]):
        first = problems[0]
        super().__init__(first.message, first.line, first.help)
        self.problems = list(problems)
        self.selectors = first.selectors

    def __str__(self) -> str:
        return "\n".join(f"line {p.line}: {p.message}" if p.line else p.message
                         for p in self.problems)


def selector_text(selector: Mapping[str, str]) -> str:
    """A selector as the recipe writes it: `bias`, `"*pos_embed"`."""
    if "class" in selector:
        return selector["class"]
    return json.dumps(selector["glob"])


# ---------------------------------------------------------------- the result


@dataclass
class BuiltOptimizer:
    """An optimizer and a description of its param groups.

    groups: one dict per torch param group, in the same order:
        name          the group's name (see the module doc)
        params        full parameter names, in `named_parameters()` order
        lr, weight_decay   base values (None where the optimizer has no such key)
        schedule_group     the `sspec.schedules` group whose curves this group
                       follows (times `lr_scale`): "default", "line L", ...; a
                       combined name when no rule's group has these settings
        lines         the lines of the rules whose settings the group has
        settings      the merged settings of those rules
        options       the other optimizer keys the rules set (momentum, betas, ...)
        fixed_lr, lars_exclude   flags
        layer_id, lr_scale       with layer_decay (else None and 1.0)
        numel         number of elements of the group's parameters
    warnings: notes about selectors that match nothing inside a rule that does.
    """

    optimizer: torch.optim.Optimizer
    groups: list[dict]
    warnings: list[RuleProblem] = field(default_factory=list)

    def table(self, width: int = 100) -> str:
        from .table import format_table

        return format_table(self.groups, width=width)


# ---------------------------------------------------------------- optimizer class


def resolve_optimizer(spec: Mapping[str, Any]) -> type:
    """The class of the Plan's optimizer: a registry name (its `impl`, imported
    lazily), any `torch.optim` name, or a user `module:attr`."""
    name = spec["type"]
    impl = None
    if not spec.get("user") and ":" not in name:
        from ...registry import lookup

        comp = lookup(name)
        if comp is not None and comp.kind == "optimizer":
            impl = comp.impl
        elif isinstance(getattr(torch.optim, name, None), type):
            impl = f"torch.optim:{name}"
        else:
            raise OptimizerBuildError(f"unknown optimizer `{name}`")
    else:
        impl = name
    module_name, _, attr = impl.partition(":")
    if not attr:
        module_name, _, attr = impl.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise OptimizerBuildError(f"cannot load optimizer `{name}` ({impl}): {exc}") from None
    return cls


def _tuples(value: Any) -> Any:
    """JSON lists back to the tuples torch's constructors document (betas, ...)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _constructor_args(cls: type, spec: Mapping[str, Any]) -> dict:
    """The Plan's arguments that this constructor takes.

    A `None` is dropped where the constructor's default is not None (it then
    uses its own default); an argument the constructor lacks (an older torch)
    is dropped when it is None or the registry's default, else an error."""
    args = {k: _tuples(v) for k, v in (spec.get("args") or {}).items()}
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return args
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return args
    default_of = {}
    if not spec.get("user"):
        from ...registry import lookup

        comp = lookup(spec["type"])
        if comp is not None:
            default_of = {k: p["default"] for k, p in comp.properties.items() if "default" in p}
    out = {}
    for key, value in args.items():
        param = params.get(key)
        if param is None:
            if value is None or (key in default_of and _tuples(default_of[key]) == value):
                continue
            raise OptimizerBuildError(
                f"`{spec['type']}` of the installed torch ({torch.__version__}) has no "
                f"argument `{key}`", help=f"leave `{key}` out, or install a newer torch")
        if value is None and param.default is not inspect.Parameter.empty \
                and param.default is not None:
            continue
        out[key] = value
    return out


# ---------------------------------------------------------------- selectors


def _owner(model: nn.Module, name: str) -> tuple[nn.Module, str]:
    prefix, _, local = name.rpartition(".")
    return (model.get_submodule(prefix) if prefix else model), local


def _matches(selector: Mapping[str, str], name: str, param: torch.Tensor,
             module: nn.Module, local: str) -> bool:
    if "glob" in selector:
        return fnmatch.fnmatchcase(name, selector["glob"])
    kind = selector.get("class")
    if kind == "bias":
        return local == "bias"
    if kind == "norm":
        return isinstance(module, NORM_TYPES)
    if kind == "dwconv":
        return (local == "weight" and isinstance(module, nn.modules.conv._ConvNd)
                and module.groups == module.in_channels and module.groups > 1)
    if kind == "flat":
        return param.ndim == 1
    raise OptimizerBuildError(f"unknown parameter class `{kind}`")


# ---------------------------------------------------------------- layer decay


def _glob_regex(pattern: str, hole: str | None = None) -> str:
    """A regular expression for an fnmatch glob; `hole` (e.g. `{}`) becomes
    a captured integer. Stars before the hole are lazy, so the first integer
    that fits is the one captured."""
    out, i, seen_hole = [], 0, False
    while i < len(pattern):
        if hole and pattern.startswith(hole, i):
            out.append(r"(\d+)")
            seen_hole = True
            i += len(hole)
            continue
        c = pattern[i]
        if c == "*":
            out.append(".*" if seen_hole or not hole else ".*?")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("!", "]") else i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _layers(names: list[str], decay: Mapping[str, Any]) -> dict[str, tuple[int, int | None]]:
    """name -> (layer id, block index or None)."""
    layers = int(decay["layers"])
    embed = list(decay.get("embed") or [])
    blocks = re.compile(_glob_regex(decay.get("blocks") or "*blocks.{}.*", "{}"), re.DOTALL)
    out: dict[str, tuple[int, int | None]] = {}
    for name in names:
        if any(fnmatch.fnmatchcase(name, g) for g in embed):
            out[name] = (0, None)
            continue
        m = blocks.fullmatch(name)
        out[name] = (int(m.group(1)) + 1, int(m.group(1))) if m else (layers + 1, None)
    return out


def layer_ids(names: list[str], decay: Mapping[str, Any]) -> dict[str, int]:
    """Each parameter's layer id under `decay` ({rate, layers, embed, blocks}):
    0 for the `embed` globs, i + 1 for block i, else layers + 1."""
    return {n: i for n, (i, _) in _layers(names, decay).items()}


def _layer_scales(names: list[str], decay: Mapping[str, Any],
                  warnings: list[RuleProblem]) -> dict[str, tuple[int, float]]:
    rate, layers = float(decay["rate"]), int(decay["layers"])
    ids = _layers(names, decay)
    beyond = [(n, b) for n, (_, b) in ids.items() if b is not None and b >= layers]
    if beyond:
        name, block = beyond[0]
        top = max(b for _, b in beyond)
        raise OptimizerBuildError(
            f"`layer_decay(layers = {layers})`, but `{name}` is in block {block} "
            f"(blocks count from 0, so the last one would be {layers - 1})",
            help=f"set `layers` to the model's number of blocks ({top + 1})")
    seen = {b for _, b in ids.values() if b is not None}
    if not seen:
        warnings.append(RuleProblem(
            None, (), "`layer_decay`: no parameter matches the blocks glob "
            f"{json.dumps(decay.get('blocks'))}",
            help="give `blocks` the glob of the model's block parameters, "
                 "with `{}` for the block index"))
    elif len(seen) < layers:
        missing = sorted(set(range(layers)) - seen)
        warnings.append(RuleProblem(
            None, (), f"`layer_decay(layers = {layers})`: no parameter in block(s) "
            + ", ".join(map(str, missing))))
    return {n: (i, rate ** (layers + 1 - i)) for n, (i, _) in ids.items()}


# ---------------------------------------------------------------- build


def _key(settings: Mapping[str, Any]) -> str:
    # sspec.schedules merges rules by this same key.
    return json.dumps(dict(settings), sort_keys=True)


def build_optimizer(plan: Mapping[str, Any], model: nn.Module) -> BuiltOptimizer:
    """The Plan's optimizer over `model`'s parameters (see the module doc).

    Raises ParamRuleError when a `params` rule matches no parameter, and
    OptimizerBuildError when the optimizer or layer_decay does not fit."""
    from ...schedules import Group, ScheduleError, _base, _groups

    spec = plan.get("optimizer")
    if not spec:
        raise OptimizerBuildError("the recipe has no optimizer")
    opt_args = dict(spec.get("args") or {})
    rules = list(spec.get("rules") or [])
    named = list(model.named_parameters())
    names = [n for n, _ in named]

    # The groups sspec.schedules knows: one per distinct rule settings.
    sched_groups = _groups(spec)
    group_of_key = {_key(g.settings): g for g in sched_groups}
    rule_group = [group_of_key[_key(r.get("settings") or {})] for r in rules]

    # Which rules match each parameter; what each selector matched.
    matched_rules: dict[str, list[int]] = {}
    selector_hits = [[0] * len(r["selectors"]) for r in rules]
    for name, param in named:
        module, local = _owner(model, name)
        hits = []
        for index, rule in enumerate(rules):
            hit = False
            for s, selector in enumerate(rule["selectors"]):
                if _matches(selector, name, param, module, local):
                    selector_hits[index][s] += 1
                    hit = True
            if hit:
                hits.append(index)
        matched_rules[name] = hits

    problems, warnings = [], []
    for index, rule in enumerate(rules):
        sels = tuple(rule["selectors"])
        text = ", ".join(selector_text(s) for s in sels)
        if not any(selector_hits[index]):
            problems.append(RuleProblem(
                rule.get("line"), sels,
                f"`params {text}` matches no parameter of the model",
                help=_names_hint(names)))
        else:
            for s, count in zip(sels, selector_hits[index]):
                if count == 0 and len(sels) > 1:
                    warnings.append(RuleProblem(
                        rule.get("line"), (s,),
                        f"selector {selector_text(s)} of `params {text}` matches no parameter"))
    if problems:
        raise ParamRuleError(problems)

    # Merged settings of each parameter, and the buckets of equal settings.
    buckets: dict[str | None, dict] = {}
    for name, _ in named:
        hits = matched_rules[name]
        if not hits:
            key = None
        else:
            settings: dict = {}
            for index in hits:
                settings.update(rules[index].get("settings") or {})
            key = _key(settings)
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = {"settings": {} if key is None else settings,
                                     "params": [], "contributors": [], "lines": []}
        bucket["params"].append(name)
        for index in hits:
            g = rule_group[index]
            if g not in bucket["contributors"]:
                bucket["contributors"].append(g)
            if rules[index].get("line") not in bucket["lines"]:
                bucket["lines"].append(rules[index].get("line"))

    # Names and order: default, the schedules' groups, then combinations.
    ordered: list[tuple[str, dict, Any]] = []
    if None in buckets:
        ordered.append(("default", buckets[None], None))
    for g in sched_groups:
        key = _key(g.settings)
        if key in buckets:
            ordered.append((g.name, buckets[key], g))
    for key, bucket in buckets.items():
        if key is None or key in group_of_key:
            continue
        contributors = sorted(bucket["contributors"], key=lambda g: g.lines[0])
        name = " + ".join(g.name for g in contributors)
        lines = tuple(sorted(line for g in contributors for line in g.lines))
        ordered.append((name, bucket, Group(name, lines, (), dict(bucket["settings"]))))

    def base(group: Any, target: str) -> float | None:
        settings = group.settings if group is not None else {}
        if target not in opt_args and target not in settings:
            return None
        try:
            return _base(opt_args, group, target, spec)
        except ScheduleError:
            return None

    decay = spec.get("layer_decay")
    scales = _layer_scales(names, decay, warnings) if decay else None

    params_of = dict(named)
    torch_groups: list[dict] = []
    described: list[dict] = []
    for name, bucket, group in ordered:
        settings = bucket["settings"]
        lr, wd = base(group, "lr"), base(group, "weight_decay")
        options = {k: _tuples(v) for k, v in settings.items() if k not in SPECIAL_KEYS}
        if scales is None:
            parts = [(None, 1.0, bucket["params"])]
        else:
            by_layer: dict[int, list[str]] = {}
            for p in bucket["params"]:
                by_layer.setdefault(scales[p][0], []).append(p)
            parts = [(i, scales[ps[0]][1], ps) for i, ps in sorted(by_layer.items())]
        for layer_id, scale, pnames in parts:
            gname = name if layer_id is None else f"{name} / layer {layer_id}"
            group_lr = None if lr is None else (lr * scale if layer_id is not None else lr)
            tg: dict[str, Any] = {"params": [params_of[p] for p in pnames], "name": gname}
            if group_lr is not None:
                tg["lr"] = group_lr
            if wd is not None:
                tg["weight_decay"] = wd
            tg.update(options)
            tg["fixed_lr"] = bool(settings.get("fixed_lr", False))
            tg["lars_exclude"] = bool(settings.get("lars_exclude", False))
            if layer_id is not None:
                tg["layer_id"] = layer_id
                tg["lr_scale"] = scale
            torch_groups.append(tg)
            described.append({
                "name": gname,
                "params": list(pnames),
                "lr": group_lr,
                "weight_decay": wd,
                "schedule_group": name,
                "lines": tuple(bucket["lines"]),
                "settings": dict(settings),
                "options": options,
                "fixed_lr": tg["fixed_lr"],
                "lars_exclude": tg["lars_exclude"],
                "layer_id": layer_id,
                "lr_scale": scale,
                "numel": sum(params_of[p].numel() for p in pnames),
            })

    cls = resolve_optimizer(spec)
    kwargs = _constructor_args(cls, spec)
    try:
        optimizer = cls(torch_groups, **kwargs)
    except (TypeError, ValueError) as exc:
        raise OptimizerBuildError(f"cannot build `{spec['type']}`: {exc}") from None
    for tg, info in zip(optimizer.param_groups, described):
        for key in INITIAL_KEYS:
            if key in tg and isinstance(tg[key], (int, float)):
                tg[f"initial_{key}"] = tg[key]
        # Values the constructor filled in (a user optimizer without lr, ...).
        if info["lr"] is None and isinstance(tg.get("lr"), (int, float)):
            info["lr"] = tg["lr"]
        if info["weight_decay"] is None and isinstance(tg.get("weight_decay"), (int, float)):
            info["weight_decay"] = tg["weight_decay"]
    return BuiltOptimizer(optimizer, described, warnings)


def _names_hint(names: list[str]) -> str | None:
    if not names:
        return "the model has no parameters"
    from .table import abbreviate

    shown = abbreviate(names)
    more = f", ... ({len(names)} in all)" if len(shown) > 4 else ""
    return "the model's parameters: " + ", ".join(shown[:4]) + more


# ---------------------------------------------------------------- without memory


def build_model_on_meta(plan: Mapping[str, Any]) -> nn.Module:
    """The Plan's model with every tensor on the meta device: shapes and names,
    no storage. Falls back to the CPU for a model whose constructor needs real
    values (one that calls `.item()`, say)."""
    from ..models import build_model  # written beside this package; imported lazily

    spec = plan.get("model")
    if not spec:
        raise OptimizerBuildError("the recipe has no model")
    try:
        with torch.device("meta"):
            return build_model(spec, plan.get("uses") or ())
    except (NotImplementedError, RuntimeError):
        return build_model(spec, plan.get("uses") or ())


def param_table(plan: Mapping[str, Any], model: nn.Module | None = None,
                width: int = 100) -> str:
    """The param-group table of the Plan's optimizer (`sspec params`), the
    model built on the meta device unless one is given."""
    if model is None:
        model = build_model_on_meta(plan)
    return build_optimizer(plan, model).table(width=width)
