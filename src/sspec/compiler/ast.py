"""The recipe as frozen dataclasses, every node with its span.

Values are already folded (`let` names substituted, arithmetic done, units
read), so checks see numbers and durations, never expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Span


@dataclass(frozen=True)
class Arg:
    """`name = value` inside a call, a `train` block or a `params` rule."""

    name: str
    value: Any
    span: Span          # the whole `name = value`
    name_span: Span
    value_span: Span


@dataclass(frozen=True)
class Call:
    """A component and its keyword arguments: `LinearLR(start_factor = 1e-4)`.

    `user` is true when the name is a quoted `"module:callable"` reference.
    `positional` holds the spans of arguments given without a name.
    """

    name: str
    args: tuple[Arg, ...]
    span: Span
    name_span: Span
    user: bool = False
    positional: tuple[Span, ...] = ()

    def arg(self, name: str) -> Arg | None:
        return next((a for a in self.args if a.name == name), None)

    def values(self) -> dict[str, Any]:
        return {a.name: a.value for a in self.args}


@dataclass(frozen=True)
class Let:
    name: str
    value: Any
    span: Span
    name_span: Span


@dataclass(frozen=True)
class Train:
    settings: tuple[Arg, ...]
    span: Span

    def get(self, name: str) -> Arg | None:
        return next((a for a in self.settings if a.name == name), None)


@dataclass(frozen=True)
class Selector:
    kind: str       # "class" (bias, norm) | "glob"
    pattern: str
    span: Span


@dataclass(frozen=True)
class ParamRule:
    selectors: tuple[Selector, ...]
    settings: tuple[Arg, ...]
    span: Span


@dataclass(frozen=True)
class Optimizer:
    call: Call
    rules: tuple[ParamRule, ...]
    layer_decay: Call | None
    span: Span


@dataclass(frozen=True)
class Bound:
    """One side of a phase: a Duration, END, or a value that is not a duration
    (kept so the checker can say what is wrong with it)."""

    value: Any
    span: Span


@dataclass(frozen=True)
class Phase:
    begin: Bound
    end: Bound
    scheduler: Call
    per: str | None         # "iter" | "epoch" | None (not written)
    per_span: Span | None
    stack: int | None       # index of the `stack` block it is in, if any
    span: Span
    bounds_span: Span       # `[begin, end)`


@dataclass(frozen=True)
class Schedule:
    target: str             # "lr", "momentum", "model.loss_lambda", ...
    target_span: Span
    phases: tuple[Phase, ...]
    span: Span


@dataclass(frozen=True)
class Ref:
    name: str
    span: Span


@dataclass(frozen=True)
class Hook:
    call: Call
    label: str | None
    label_span: Span | None
    priority: Any           # the folded value: a Symbol (name), an int, ...
    priority_span: Span | None
    after: tuple[Ref, ...]
    before: tuple[Ref, ...]
    span: Span


@dataclass(frozen=True)
class Use:
    module: str
    span: Span


@dataclass(frozen=True)
class Recipe:
    file: str
    name: str
    name_span: Span | None
    train: Train | None
    lets: tuple[Let, ...]
    model: Call | None
    data: Call | None
    optimizer: Optimizer | None
    schedules: tuple[Schedule, ...]
    hooks: tuple[Hook, ...]
    uses: tuple[Use, ...] = field(default=())
    # the parts written in the source, even where their value was an error
    declared: frozenset[str] = field(default=frozenset())
