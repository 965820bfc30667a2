"""The values a recipe's expressions fold to, beyond Python's own scalars.

Folded values are: int, float, str, bool, None, tuple (lists and tuples),
dict, and the types below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNITS = {"it": "iterations", "ep": "epochs"}


@dataclass(frozen=True)
class Duration:
    """A length of training time: `10ep` or `500it`."""

    value: int | float
    unit: str  # "it" | "ep"

    def __str__(self) -> str:
        return f"{self.value:g}{self.unit}" if isinstance(self.value, float) \
            else f"{self.value}{self.unit}"


@dataclass(frozen=True)
class End:
    """`end`: the end of training, whatever its unit."""

    def __str__(self) -> str:
        return "end"


END = End()


@dataclass(frozen=True)
class Symbol:
    """A bare word that is not a `let` name, e.g. `auto` in `device = auto`.

    It is resolved by context: against the values an argument's schema
    allows. Where nothing allows it, it is an unknown name.
    """

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class CallValue:
    """A component written as a value, e.g. `clustering = kmeans(k = 10)`."""

    name: str
    args: tuple[tuple[str, Any], ...]

    def __str__(self) -> str:
        inner = ", ".join(f"{k} = {show(v)}" for k, v in self.args)
        return f"{self.name}({inner})"


@dataclass(frozen=True)
class Invalid:
    """The value of an expression that already produced an error.

    Later checks skip it, so one mistake gives one diagnostic.
    """


INVALID = Invalid()


def contains_invalid(value: Any) -> bool:
    if value is INVALID:
        return True
    if isinstance(value, tuple):
        return any(contains_invalid(v) for v in value)
    if isinstance(value, dict):
        return any(contains_invalid(v) for v in value.values())
    if isinstance(value, CallValue):
        return any(contains_invalid(v) for _, v in value.args)
    return False


def show(value: Any) -> str:
    """A value as the recipe language writes it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show(k)}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def type_word(value: Any) -> str:
    """How a value's type is named in messages."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Duration):
        return f"a duration in {UNITS[value.unit]}"
    if isinstance(value, End):
        return "`end`"
    if isinstance(value, tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, CallValue):
        return f"a call of `{value.name}`"
    if isinstance(value, Symbol):
        return f"the name `{value.name}`"
    return type(value).__name__


def to_json(value: Any) -> Any:
    """A folded value as plain JSON data (for the Plan).

    Durations keep their unit as `{"value": 10, "unit": "ep"}`; calls become
    MMEngine-style `{"type": name, **args}`.
    """
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Duration):
        return {"value": value.value, "unit": value.unit}
    if isinstance(value, End):
        return "end"
    if isinstance(value, Symbol):
        return value.name
    if isinstance(value, CallValue):
        return {"type": value.name, **{k: to_json(v) for k, v in value.args}}
    return value
