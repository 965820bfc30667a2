"""Names and arguments: every component call against its registry entry.

A call's arguments are validated with jsonschema against the component's
schema; each schema error is mapped back to the argument it is about, and
said in the recipe's own terms.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ...diagnostics import Diagnostic, Span, error, note
from ...registry import Component, lookup, names, suggest
from ...registry.schema import message_for, validator_for
from .. import ast
from ..context import Context
from ..values import UNITS, CallValue, Duration, Symbol, contains_invalid, show, type_word

KIND_WORDS = {"optimizer": "an optimizer", "scheduler": "a scheduler", "hook": "a hook",
              "model": "a model", "data": "a data set"}
TYPE_WORDS = {"number": "a number", "integer": "an integer", "string": "a string",
              "boolean": "a boolean (`true` or `false`)", "array": "a list",
              "object": "a mapping", "null": "`none`", "duration": "a duration (`10ep`, `500it`)"}


def check(ctx: Context) -> None:
    recipe = ctx.recipe
    calls: list[tuple[ast.Call, str]] = []
    if recipe.model:
        calls.append((recipe.model, "model"))
    if recipe.data:
        calls.append((recipe.data, "data"))
    if recipe.optimizer:
        calls.append((recipe.optimizer.call, "optimizer"))
    calls += [(p.scheduler, "scheduler") for s in recipe.schedules for p in s.phases]
    calls += [(h.call, "hook") for h in recipe.hooks]
    for call, kind in calls:
        comp = resolve(ctx, call, kind)
        ctx.report(*_durations(ctx, call, whole=kind == "hook"))
        if comp is not None:
            ctx.components[id(call)] = comp
            diagnostics, values = validate(call.args, comp.schema, f"`{comp.name}`",
                                           call.name_span, ctx.let_names, call.positional)
            ctx.report(*diagnostics)
            ctx.args[id(call)] = values


def _durations(ctx: Context, call: ast.Call, whole: bool) -> list[Diagnostic]:
    """Durations a run cannot use: epochs of unknown length, and (for hooks,
    which act at whole steps) fractions."""
    out = []
    timeline = ctx.timeline
    for arg in call.args:
        for value in _flatten(arg.value):
            if not isinstance(value, Duration):
                continue
            if value.unit == "ep" and timeline.iters_per_epoch is None \
                    and timeline.epochs is None and timeline.iters is not None:
                out.append(error("E112", f"cannot convert `{show(value)}` to iterations: the "
                                 "length of an epoch is unknown", arg.value_span,
                                 help="add `iters_per_epoch = N` to the train block, or give "
                                      "the duration in `it`"))
            elif whole and value.value != int(value.value):
                out.append(error("E305", f"argument `{arg.name}` of `{call.name}` must be a "
                                 f"whole number of {UNITS[value.unit]}, got {show(value)}",
                                 arg.value_span))
    return out


def _flatten(value: Any):
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


def resolve(ctx: Context, call: ast.Call, kind: str) -> Component | None:
    """The registry entry `call` names, or None (with a diagnostic if unknown)."""
    if call.user:
        return None  # "module:callable": user code, only `run` (or --trust) imports it
    comp = lookup(call.name)
    if comp is not None and comp.kind == kind:
        return comp
    if comp is not None:
        ctx.report(error("E306", f"`{call.name}` is {KIND_WORDS[comp.kind]}, not "
                         f"{KIND_WORDS[kind]}", call.name_span,
                         help=_did_you_mean(call.name, kind)))
        return None
    if ctx.recipe.uses:
        modules = ", ".join(u.module for u in ctx.recipe.uses)
        ctx.report(note("N310", f"`{call.name}` is not built in; taken to come from "
                        f"`use {modules}`", call.name_span,
                        notes=["its arguments are checked when `sspec run` imports it"]))
        return None
    ctx.report(error("E301", f"unknown {kind} `{call.name}`", call.name_span,
                     help=_did_you_mean(call.name, kind)
                     or f"`sspec explain E301` lists where {kind}s come from"))
    return None


def _did_you_mean(name: str, kind: str) -> str | None:
    hint = suggest(name, names(kind))
    return f"did you mean `{hint}`?" if hint else None


# ---------------------------------------------------------------- validation

def validate(args: Iterable[ast.Arg], schema: Mapping, owner: str, owner_span: Span,
             let_names: Iterable[str] = (), positional: Iterable[Span] = ()
             ) -> tuple[list[Diagnostic], dict[str, Any]]:
    """Diagnostics for `args` against an object `schema`, and the arguments
    that passed, as plain values (bare words the schema allows made strings).
    `owner` names the component in messages (`` `LinearLR` ``, `the train block`)."""
    out = [error("E308", f"arguments of {owner} are passed by name", span,
                 help="write `name = value`") for span in positional]
    args = {a.name: a for a in args}
    props = schema.get("properties", {})
    instance: dict[str, Any] = {}
    for name, arg in args.items():
        if contains_invalid(arg.value):
            continue
        value = _resolve_symbols(arg.value, props.get(name, {}))
        if isinstance(value, Symbol):
            hint = suggest(value.name, list(let_names) + _allowed_words(props.get(name, {})))
            out.append(error("E101", f"unknown name `{value.name}`", arg.value_span,
                             help=f"did you mean `{hint}`?" if hint else
                             _allowed_help(props.get(name, {}))))
            continue
        units = props.get(name, {}).get("x-units")
        if isinstance(value, Duration) and units and value.unit not in units:
            out.append(error("E305", f"argument `{name}` of {owner} must be in "
                             + " or ".join(UNITS[u] for u in units), arg.value_span,
                             help=f"write it in `{units[0]}`"))
            continue
        instance[name] = _encode(value)
    props_known = schema.get("additionalProperties", True) is not False
    failed = set()
    key = _memo_key(schema, instance)
    errors = [] if key in _VALID else list(validator_for(schema).iter_errors(instance))
    mistyped = {e.absolute_path[0] for e in errors
                if e.absolute_path and e.validator in ("type", "anyOf", "oneOf")}
    for err in errors:
        if mistyped and not _is_type_error(err) and _subjects(err) & mistyped:
            continue
        out += _explain(err, instance, args, schema, owner, owner_span)
        if err.absolute_path:
            failed.add(err.absolute_path[0])
    out = list(dict.fromkeys(out))  # jsonschema reports some problems once per rule
    passed = {k: v for k, v in instance.items()
              if k not in failed and (props_known or k in props)}
    if not out and key is not None:
        _VALID.add(key)
    return out, passed


def _is_type_error(err) -> bool:
    return bool(err.absolute_path) and err.validator in ("type", "anyOf", "oneOf")


def _subjects(err) -> set:
    """The arguments an error is about."""
    if err.absolute_path:
        return {err.absolute_path[0]}
    value = err.validator_value
    return set(value.get("required", ())) if isinstance(value, Mapping) else set()


# Argument sets already found valid, by (schema, arguments): recipes repeat
# the same scheduler calls many times, and jsonschema is the costly part.
_VALID: set = set()


def _memo_key(schema: Mapping, instance: dict):
    try:
        key = (id(schema), tuple(sorted((k, _hashable(v)) for k, v in instance.items())))
        hash(key)
        return key
    except TypeError:
        return None


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return ("{}", tuple(sorted((k, _hashable(v)) for k, v in value.items())))
    if isinstance(value, (tuple, list)):
        return ("[]", tuple(_hashable(v) for v in value))
    # 1 and 1.0 and True hash alike but validate differently
    return (type(value).__name__, value)


def _allowed_words(prop: Mapping) -> list[str]:
    words = []
    for sub in [prop, *prop.get("anyOf", ()), *prop.get("oneOf", ())]:
        words += [v for v in sub.get("enum", ()) if isinstance(v, str)]
        if isinstance(sub.get("const"), str):
            words.append(sub["const"])
    return words


def _allowed_help(prop: Mapping) -> str | None:
    words = _allowed_words(prop)
    if words:
        return "allowed here: " + ", ".join(f"`{w}`" for w in words)
    return "define it first with `let`, or quote it to make it a string"


def _resolve_symbols(value: Any, prop: Mapping) -> Any:
    """Bare words the schema allows become strings (`device = auto`)."""
    if isinstance(value, Symbol) and value.name in _allowed_words(prop):
        return value.name
    if isinstance(value, tuple):
        items = prop.get("items", {}) if isinstance(prop.get("items"), Mapping) else {}
        return tuple(_resolve_symbols(v, items) for v in value)
    return value


def _encode(value: Any) -> Any:
    """A folded value as the validator sees it: calls become MMEngine-style
    `{"type": name, ...}` mappings; durations, tuples and scalars stay."""
    if isinstance(value, CallValue):
        return {"type": value.name, **{k: _encode(v) for k, v in value.args}}
    if isinstance(value, tuple):
        return tuple(_encode(v) for v in value)
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, Symbol):
        return value.name
    return value


def _explain(err, instance, args: Mapping[str, ast.Arg], schema, owner: str,
             owner_span: Span) -> list[Diagnostic]:
    path = list(err.absolute_path)
    kind = err.validator
    rule = message_for(err, schema)
    if rule != err.message:  # a cross-argument rule, with its own sentence
        if kind == "not" and "required" in err.validator_value:
            return _conflict(err, args, owner, rule, owner_span,
                             _rule_subject(err, schema, args))
        subject = path[0] if path else _rule_subject(err, schema, args)
        span = args[subject].name_span if subject in args else owner_span
        return [error("E309", f"{rule} in {owner}", span)]
    if not path:
        if kind == "required":
            return [error("E303", f"missing argument `{name}` of {owner}", owner_span,
                          help=_describe(schema, name))
                    for name in err.validator_value if name not in instance]
        if kind == "additionalProperties":
            allowed = list(schema.get("properties", {}))
            out = []
            for name in instance:
                if name not in allowed:
                    hint = suggest(name, allowed)
                    out.append(error(
                        "E302", f"unknown argument `{name}` of {owner}", args[name].name_span,
                        help=f"did you mean `{hint}`?" if hint else
                        ("it takes " + ", ".join(f"`{a}`" for a in allowed) if allowed
                         else "it takes no arguments")))
            return out
        return [error("E305", f"{err.message} in {owner}", owner_span)]

    arg = args[path[0]]
    where = f"argument `{arg.name}` of {owner}" + "".join(f"[{p}]" for p in path[1:])
    value = err.instance
    if kind == "required":
        missing = [n for n in err.validator_value if n not in value]
        return [error("E303", f"{where} lacks " + ", ".join(f"`{n}`" for n in missing),
                      arg.value_span, help=_describe(schema, arg.name))]
    if kind in ("type", "anyOf", "oneOf"):
        branch = _matching_branch(err)
        if branch is not None:
            return _explain(branch, instance, args, schema, owner, owner_span)
        expected = _expected_types(err.schema)
        return [error("E304", f"{where} must be {expected}, got {type_word(_decode(value))}",
                      arg.value_span, help=_describe(schema, arg.name))]
    return [error("E305", f"{where} must be {_constraint(kind, err.validator_value)}, "
                  f"got {show(_decode(value))}", arg.value_span, help=_describe(schema, arg.name))]


def _matching_branch(err):
    """In an anyOf whose branch of the right type failed on a range, the
    error of that branch: "must be at least 1" says more than "must be an
    integer or a duration"."""
    for sub in err.context or ():
        if sub.validator not in ("type", "anyOf", "oneOf"):
            return sub
    return None


def _expected_types(schema: Mapping) -> str:
    types: list[str] = []

    def collect(s: Mapping):
        t = s.get("type")
        for name in ([t] if isinstance(t, str) else t or []):
            word = TYPE_WORDS.get(name, name)
            if name == "array" and isinstance(s.get("items"), Mapping):
                word = "a list of " + _plural(_expected_types(s["items"]))
            if word not in types:
                types.append(word)
        if "enum" in s:
            types.append("one of " + ", ".join(show(v) for v in s["enum"]))
        for sub in [*s.get("anyOf", ()), *s.get("oneOf", ())]:
            collect(sub)

    collect(schema)
    if not types:
        return "a valid value"
    return types[0] if len(types) == 1 else ", ".join(types[:-1]) + " or " + types[-1]


def _plural(words: str) -> str:
    """`an integer or a duration (...)` → `integers or durations (...)`."""
    out = []
    for part in words.split(" or "):
        for article in ("a ", "an "):
            if part.startswith(article):
                head, _, rest = part[len(article):].partition(" ")
                part = head + "s" + (" " + rest if rest else "")
                break
        out.append(part)
    return " or ".join(out)


def _constraint(kind: str, bound: Any) -> str:
    return {
        "minimum": lambda b: f"at least {b}",
        "exclusiveMinimum": lambda b: f"greater than {b}",
        "maximum": lambda b: f"at most {b}",
        "exclusiveMaximum": lambda b: f"less than {b}",
        "enum": lambda b: "one of " + ", ".join(show(v) for v in b),
        "const": lambda b: show(b),
        "minItems": lambda b: f"a list of at least {b} items",
        "maxItems": lambda b: f"a list of at most {b} items",
        "multipleOf": lambda b: f"a multiple of {b}",
        "pattern": lambda b: f"text matching `{b}`",
        "uniqueItems": lambda b: "a list without repeats",
    }.get(kind, lambda b: f"valid ({kind} {b})")(bound)


def _rule_subject(err, schema: Mapping, args: Mapping[str, ast.Arg]) -> str | None:
    """The argument a failed `if`/`then` rule is about: one its condition names."""
    node: Any = schema
    for part in err.absolute_schema_path:
        if isinstance(node, Mapping) and "if" in node:
            for name in node["if"].get("required", ()):
                if name in args:
                    return name
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return None


def _conflict(err, args: Mapping[str, ast.Arg], owner: str, rule: str,
              owner_span: Span, condition: str | None) -> list[Diagnostic]:
    """Arguments that exclude each other: `first` (a dependentSchemas key or
    an `if` condition's argument) and those the rule's `not required` names."""
    path = list(err.absolute_schema_path)
    first = path[path.index("dependentSchemas") + 1] if "dependentSchemas" in path \
        else condition
    others = [n for n in err.validator_value["required"] if n in args]
    names_ = list(dict.fromkeys(n for n in [first, *others] if n in args))
    if len(names_) < 2:  # a rule about one argument's value (`keep = 0`)
        span = args[names_[0]].value_span if names_ else owner_span
        return [error("E305", f"{rule} in {owner}", span)]
    later = max((args[n] for n in names_), key=lambda a: (a.span.line, a.span.column))
    earlier = [n for n in names_ if n != later.name]
    return [error("E309", f"`{later.name}` cannot be given with "
                  + ", ".join(f"`{n}`" for n in earlier) + f" in {owner}",
                  later.name_span, help=rule)]


def _describe(schema: Mapping, name: str) -> str | None:
    prop = schema.get("properties", {}).get(name)
    if not prop or "description" not in prop:
        return None
    default = f" (default {show(_decode(prop['default']))})" if "default" in prop else ""
    return f"`{name}`: {prop['description']}{default}"


def _decode(value: Any) -> Any:
    """JSON-ish values back to what `show` prints as the recipe wrote them."""
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    return value
