"""Small builders for the registry's JSON Schemas, and sspec's validator.

Every component's arguments are described by a JSON Schema (draft 2020-12).
The builders here keep those schemas short and uniform:

    obj({"lr": number("learning rate", 1e-3, minimum=0)}, required=["lr"])

sspec extends JSON Schema in three small ways:

* the type name `"duration"`: a value with a unit (`10ep`, `500it`), checked
  by duck typing (an object with `.value` and `.unit`);
* a tuple is accepted wherever the schema says `"array"`;
* annotations that standard validators ignore:
  - `"x-steps": true` on a scheduler argument that counts steps from the
    phase's begin (it may be a bare number or carry a unit);
  - `"x-units": ["it"]` on a duration that only makes sense in those units;
  - `"x-per": ["epoch"]` on a scheduler schema that may only be stepped
    `per epoch` (`"iter"` for `per iter`);
  - `"x-params": ["lr"]` on a generic scheduler that only works for those
    parameters;
  - `"x-message"` on a cross-argument rule: the sentence a diagnostic should
    show when the rule fails (see `message_for`).

`validator_for(schema)` gives a validator that knows these extensions, and
`check_schema(schema)` checks a schema against the draft 2020-12 meta-schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from jsonschema import Draft202012Validator, validators

# The "no default" marker of the builders (None is a real default).
UNSET: Any = object()

UNITS = ("it", "ep")


# --------------------------------------------------------------------------
# Property builders. `desc` may be None for array items and other inner
# schemas; every top-level property of a component must have one.


def _schema(type_: str | list[str] | None, desc: str | None, default: Any, **keywords: Any) -> dict:
    schema: dict = {}
    if type_ is not None:
        schema["type"] = type_
    if desc is not None:
        schema["description"] = desc
    if default is not UNSET:
        schema["default"] = default
    schema.update({k: v for k, v in keywords.items() if v is not None})
    return schema


def _bounds(minimum, maximum, exclusive_minimum, exclusive_maximum) -> dict:
    return {
        "minimum": minimum,
        "maximum": maximum,
        "exclusiveMinimum": exclusive_minimum,
        "exclusiveMaximum": exclusive_maximum,
    }


def _typed(name: str, nullable: bool) -> str | list[str]:
    return [name, "null"] if nullable else name


def number(
    desc: str | None = None,
    default: Any = UNSET,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: float | None = None,
    exclusive_maximum: float | None = None,
    nullable: bool = False,
) -> dict:
    """A real number (an integer is a number too)."""
    bounds = _bounds(minimum, maximum, exclusive_minimum, exclusive_maximum)
    return _schema(_typed("number", nullable), desc, default, **bounds)


def integer(
    desc: str | None = None,
    default: Any = UNSET,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    exclusive_minimum: int | None = None,
    exclusive_maximum: int | None = None,
    nullable: bool = False,
) -> dict:
    bounds = _bounds(minimum, maximum, exclusive_minimum, exclusive_maximum)
    return _schema(_typed("integer", nullable), desc, default, **bounds)


def boolean(desc: str | None = None, default: Any = UNSET, *, nullable: bool = False) -> dict:
    return _schema(_typed("boolean", nullable), desc, default)


def string(desc: str | None = None, default: Any = UNSET) -> dict:
    return _schema("string", desc, default)


def choice(desc: str | None, options: Iterable[Any], default: Any = UNSET) -> dict:
    """One of a fixed set of values (strings, or None for "not set")."""
    return _schema(None, desc, default, enum=list(options))


def array(
    desc: str | None,
    items: Mapping,
    default: Any = UNSET,
    *,
    min_items: int | None = None,
    max_items: int | None = None,
) -> dict:
    """A list (or tuple) whose every element matches `items`."""
    return _schema("array", desc, default, items=dict(items), minItems=min_items, maxItems=max_items)


def pair(desc: str | None, first: Mapping, second: Mapping | None = None, default: Any = UNSET) -> dict:
    """A list or tuple of exactly two elements, like Adam's `betas`."""
    second = first if second is None else second
    return _schema(
        "array", desc, default, prefixItems=[dict(first), dict(second)], items=False, minItems=2, maxItems=2
    )


def mapping(desc: str | None, values: Mapping, default: Any = UNSET) -> dict:
    """An object with free keys whose values all match `values`."""
    return _schema("object", desc, default, additionalProperties=dict(values))


def any_of(desc: str | None, *alternatives: Mapping, default: Any = UNSET) -> dict:
    return _schema(None, desc, default, anyOf=[dict(a) for a in alternatives])


def duration(desc: str | None = None, default: Any = UNSET, *, units: Iterable[str] = UNITS) -> dict:
    """A value with a unit. `units` narrows the units that make sense."""
    units = tuple(units)
    extra = {"x-units": list(units)} if units != UNITS else {}
    return _schema("duration", desc, default, **extra)


def steps(desc: str, default: Any = UNSET, *, minimum: int = 1) -> dict:
    """A scheduler step count from the phase's begin: a number or a duration."""
    schema = any_of(desc, integer(minimum=minimum), duration(), default=default)
    schema["x-steps"] = True
    return schema


def steps_list(desc: str, default: Any = UNSET, *, minimum: int = 0) -> dict:
    """A list of step counts from the phase's begin: all numbers or all durations."""
    schema = any_of(
        desc,
        array(None, integer(minimum=minimum), min_items=1),
        array(None, duration(), min_items=1),
        default=default,
    )
    schema["x-steps"] = True
    return schema


def obj(
    properties: Mapping[str, Mapping],
    required: Iterable[str] = (),
    *rules: Mapping,
    extra: Mapping | None = None,
) -> dict:
    """The schema of a component's keyword arguments.

    `rules` are cross-argument constraints in standard JSON Schema (built
    with `excludes`, `exactly_one`, `when`, ...); they all must hold.
    `extra` adds top-level annotations such as `{"x-per": ["epoch"]}`.
    """
    required = list(required)
    unknown = [name for name in required if name not in properties]
    if unknown:
        raise ValueError(f"required names {unknown} are not properties")
    schema: dict = {
        "type": "object",
        "properties": {name: dict(prop) for name, prop in properties.items()},
        "required": required,
        "additionalProperties": False,
    }
    if rules:
        schema["allOf"] = [dict(rule) for rule in rules]
    if extra:
        schema.update(extra)
    return schema


# --------------------------------------------------------------------------
# Cross-argument rules.


def excludes(a: str, b: str, message: str | None = None) -> dict:
    """`a` and `b` may not both be given."""
    return {
        "dependentSchemas": {
            b: {
                "not": {"required": [a]},
                "x-message": message or f"give `{a}` or `{b}`, not both",
            }
        }
    }


def exactly_one(a: str, b: str, message: str | None = None) -> dict:
    """Exactly one of `a` and `b` must be given."""
    return {
        "oneOf": [{"required": [a]}, {"required": [b]}],
        "x-message": message or f"give exactly one of `{a}` and `{b}`",
    }


def when(condition: Mapping, then: Mapping, message: str) -> dict:
    """If the arguments match `condition` (a schema), they must match `then`."""
    return {"if": dict(condition), "then": {**then, "x-message": message}}


def forbid(name: str, value: Any, message: str) -> dict:
    """Argument `name` may not be given as `value`."""
    return {"not": given(name, value), "x-message": message}


def given(name: str, value: Any) -> dict:
    """A condition for `when`: argument `name` is given and equals `value`."""
    return {"properties": {name: {"const": value}}, "required": [name]}


# --------------------------------------------------------------------------
# Durations as defaults.


@dataclass(frozen=True)
class _Duration:
    """Stand-in used only while `sspec.compiler.values` does not exist."""

    value: float | int
    unit: str


def make_duration(value: float | int, unit: str):
    """A `sspec.compiler.values.Duration` (for schema defaults such as `1ep`)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    try:
        from sspec.compiler.values import Duration
    except ImportError:
        Duration = _Duration
    return Duration(value, unit)


# --------------------------------------------------------------------------
# Validation.


def _is_array(checker, instance) -> bool:
    return isinstance(instance, (list, tuple))


def _is_duration(checker, instance) -> bool:
    return hasattr(instance, "unit") and hasattr(instance, "value")


TYPE_CHECKER = Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"array": _is_array, "duration": _is_duration}
)

SspecValidator = validators.extend(Draft202012Validator, type_checker=TYPE_CHECKER)

_VALIDATORS: dict[int, tuple[Mapping, Any]] = {}


def validator_for(schema: Mapping):
    """A validator for `schema` that knows durations and tuples (cached)."""
    hit = _VALIDATORS.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    validator = SspecValidator(schema)
    # Keeping `schema` alive in the cache keeps its id from being reused.
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def _standard(node: Any) -> Any:
    """`node` with sspec's "duration" type spelled as a standard one."""
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            if key == "type" and value == "duration":
                out[key] = "object"
            elif key == "type" and isinstance(value, list):
                out[key] = ["object" if t == "duration" else t for t in value]
            else:
                out[key] = _standard(value)
        return out
    if isinstance(node, (list, tuple)):
        return [_standard(v) for v in node]
    return node


def check_schema(schema: Mapping) -> None:
    """Raise `jsonschema.SchemaError` unless `schema` is a valid 2020-12 schema.

    The meta-schema only knows the seven standard type names, so "duration"
    is checked as if it were "object"; everything else is checked as is.
    """
    Draft202012Validator.check_schema(_standard(schema))


def jsonable(node: Any) -> Any:
    """`node` (a schema or a value) as plain JSON data: tuples become lists,
    durations their source spelling (`"1ep"`)."""
    if isinstance(node, Mapping):
        return {key: jsonable(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [jsonable(v) for v in node]
    if _is_duration(None, node):
        return f"{node.value}{node.unit}"
    return node


def message_for(error, schema: Mapping) -> str:
    """The sentence to show for a validation `error` of `schema`.

    The deepest `x-message` on the path to the failing keyword wins; without
    one, jsonschema's own message is used.
    """
    message = None
    node: Any = schema
    for part in [None, *error.absolute_schema_path]:
        if part is not None:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        if isinstance(node, Mapping) and "x-message" in node:
            message = node["x-message"]
    return message or error.message
