"""Every built-in component by name, with the JSON Schema of its arguments.

The registry is data: the checker validates against it without importing torch
or any implementation. `Component.impl` names the implementation lazily as
`"module:attr"`; only the runtime resolves it.

Components live in one module per kind (optimizers, schedulers, hooks, models,
data); each module exposes `COMPONENTS`, a tuple of `Component`s.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Mapping

KINDS = ("optimizer", "scheduler", "hook", "model", "data")

# MMEngine's priority names (mmengine/runner/priority.py).
PRIORITIES: Mapping[str, int] = {
    "HIGHEST": 0,
    "VERY_HIGH": 10,
    "HIGH": 30,
    "ABOVE_NORMAL": 40,
    "NORMAL": 50,
    "BELOW_NORMAL": 60,
    "LOW": 70,
    "VERY_LOW": 90,
    "LOWEST": 100,
}

# The points at which the training loop calls hooks, in the order of one run.
HOOK_POINTS = (
    "before_run",
    "before_train",
    "before_train_epoch",
    "before_train_iter",
    "after_train_iter",
    "after_train_epoch",
    "before_val_epoch",
    "after_val_epoch",
    "before_save_checkpoint",
    "after_load_checkpoint",
    "after_train",
    "after_run",
)


@dataclass(frozen=True)
class Component:
    """A registered component.

    schema: a JSON Schema (draft 2020-12) of the keyword arguments, an object
        schema with `additionalProperties: false`. sspec adds one type name,
        `"duration"` (a value with a unit, `10ep` or `500it`), and accepts a
        tuple where the schema says `"array"`. A property marked
        `"x-steps": true` counts scheduler steps from the phase's begin (it may
        carry a unit; see docs/language.md).
    param: for schedulers, the parameter the scheduler is made for (`"lr"`,
        `"momentum"`, `"weight_decay"`) or None for a generic ParamScheduler.
    points: for hooks, the hook points the hook uses.
    priority: for hooks, the default priority name (MMEngine's class attribute).
    writes: what the component writes while training (`"lr"`,
        `"model.loss_lambda"`), so the checker can see two writers of one value.
    requires: for hooks, the model attributes the hook uses (`"loss_lambda"`).
    provides: for models, the attributes hooks may rely on; a hook requiring
        one a built-in model does not provide is a check-time error.
    iters_per_epoch: for data, a pure function of the arguments (defaults
        filled in) and, as keyword `world_size` (default 1), the number of
        processes sharing the data, giving the number of batches per epoch of
        one process, or None if unknown.
    """

    name: str
    kind: str
    schema: Mapping
    doc: str
    impl: str
    param: str | None = None
    points: tuple[str, ...] = ()
    priority: str = "NORMAL"
    writes: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    iters_per_epoch: Callable[..., int | None] | None = field(default=None, compare=False)

    @property
    def properties(self) -> Mapping:
        return self.schema.get("properties", {})

    def with_defaults(self, args: Mapping) -> dict:
        """`args` with every schema default filled in for what is missing."""
        return {**schema_defaults(self.schema), **args}


def schema_defaults(schema: Mapping) -> dict:
    """The default of every property of an object schema that has one."""
    return {k: p["default"] for k, p in schema.get("properties", {}).items() if "default" in p}


def _load() -> dict[str, Component]:
    from . import data, hooks, models, optimizers, schedulers

    table: dict[str, Component] = {}
    for module in (optimizers, schedulers, hooks, models, data):
        for comp in module.COMPONENTS:
            if comp.name in table:
                raise RuntimeError(f"component {comp.name!r} registered twice")
            table[comp.name] = comp
    return table


_TABLE: dict[str, Component] | None = None


def all_components() -> dict[str, Component]:
    global _TABLE
    if _TABLE is None:
        _TABLE = _load()
    return _TABLE


def lookup(name: str) -> Component | None:
    return all_components().get(name)


def names(kind: str) -> list[str]:
    return [c.name for c in all_components().values() if c.kind == kind]


def suggest(word: str, candidates) -> str | None:
    """The closest candidate, if it is close enough to be a likely typo."""
    candidates = list(candidates)
    folded = {c.lower(): c for c in candidates}
    if word.lower() in folded:  # a case slip is always worth suggesting
        return folded[word.lower()]
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    if match:
        return match[0]
    # two letters swapped (`SDG` for `SGD`) score low on similarity, yet are
    # the commonest slip of all
    swapped = [c for c in candidates if len(c) == len(word) and sorted(c) == sorted(word)
               and sum(a != b for a, b in zip(c, word)) == 2]
    return swapped[0] if swapped else None
