"""What the checks share: the recipe, its time line, and what they resolved.

Each check is a function `check(ctx) -> None` that appends diagnostics to
`ctx.diagnostics` and records what it resolved (components, phases in
iterations, hook order) for the Plan. Checks run in a fixed order; a later one
may read what an earlier one resolved, never the parse tree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic
from ..registry import Component
from . import ast
from .values import Duration, End


@dataclass(frozen=True)
class Timeline:
    """The length of training and how epochs map to iterations."""

    iters: int | None               # total iterations; None when it cannot be known
    epochs: int | None              # set for an epoch-based run
    iters_per_epoch: int | None

    @property
    def by_epoch(self) -> bool:
        return self.epochs is not None

    def to_iters(self, value: Duration | End) -> int | float | None:
        """A duration in iterations (MMEngine truncates fractional epochs).

        None when an epoch count cannot be converted (no iters_per_epoch)."""
        if isinstance(value, End):
            return self.iters
        if value.unit == "it":
            return value.value
        if self.iters_per_epoch is None:
            return None
        return int(value.value * self.iters_per_epoch)

    def describe(self, iters: int) -> str:
        """`300ep (2400 iterations)` or `2400 iterations`."""
        if self.iters_per_epoch and iters % self.iters_per_epoch == 0:
            return f"{iters // self.iters_per_epoch}ep ({iters} iterations)"
        return f"{iters} iterations"


@dataclass(frozen=True)
class ResolvedPhase:
    phase: ast.Phase
    component: Component | None
    begin: int                      # absolute iterations, half-open
    end: int
    per: str                        # "iter" | "epoch"
    args: dict[str, Any]            # step counts converted to the phase's steps
    valid: bool = True              # False: bounds known (for overlap checks), args not


@dataclass
class Context:
    recipe: ast.Recipe
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timeline: Timeline = Timeline(None, None, None)
    train: dict[str, Any] = field(default_factory=dict)
    # id(call) → the registry entry it names (absent when unknown)
    components: dict[int, Component] = field(default_factory=dict)
    # id(call) → its arguments that passed validation, as plain values
    args: dict[int, dict[str, Any]] = field(default_factory=dict)
    phases: dict[str, list[ResolvedPhase]] = field(default_factory=dict)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    hook_order: dict[str, list[str]] = field(default_factory=dict)

    def report(self, *diagnostics: Diagnostic) -> None:
        self.diagnostics.extend(diagnostics)

    def component(self, call: ast.Call) -> Component | None:
        return self.components.get(id(call))

    def call_args(self, call: ast.Call, resolved: dict | None = None) -> dict[str, Any]:
        """A call's arguments for the Plan: the validated values (or
        `resolved`, when a check converted some) with the component's
        defaults filled in; a user component's as written."""
        comp = self.component(call)
        if comp is None:
            return {a.name: a.value for a in call.args}
        return comp.with_defaults(self.args.get(id(call), {}) if resolved is None else resolved)

    @functools.cached_property
    def let_names(self) -> tuple[str, ...]:
        return tuple(let.name for let in self.recipe.lets)
