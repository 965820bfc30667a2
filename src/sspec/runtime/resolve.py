"""Turn a Plan component (`{"type", "user", "args"}`) into its implementation.

A built-in component names its implementation in the registry as a lazy
`"module:attr"` reference; a user component (`user: true`) *is* such a
reference, quoted in the recipe; any other name comes from a module the
recipe `use`s. All are imported the same way, only when the runtime needs
them, so `sspec check` never imports torch or user code.

Shared by models, data and hooks: one rule for where a name comes from.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping

from ..registry import lookup


def import_ref(ref: str) -> Any:
    """The object a `"package.module:attr"` reference names (`attr` may be dotted)."""
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"`{ref}` is not a `module:attr` reference")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as err:
        raise ImportError(f"cannot import module `{module_name}` (from `{ref}`): {err}") from err
    try:
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError as err:
        raise ImportError(f"module `{module_name}` has no attribute `{attr}` (from `{ref}`)") from err
    return obj


def implementation(name: str, kind: str, user: bool = False, uses=()) -> Any:
    """The object behind a component name: a `module:attr` reference, a
    built-in's registry `impl`, or an attribute of a `use`d module."""
    if user or ":" in name:
        return import_ref(name)
    component = lookup(name)
    if component is not None and component.kind == kind:
        try:
            return import_ref(component.impl)
        except ImportError as err:
            raise ImportError(f"{kind} `{name}` has no implementation yet: {err}") from err
    for module in uses:
        try:
            return import_ref(f"{module}:{name}")
        except ImportError:
            continue
    where = f" in {', '.join(f'`use {m}`' for m in uses)}" if uses else ""
    raise ValueError(f"unknown {kind} `{name}`: not built in, and not found{where}")


def resolve(spec: Mapping, kind: str, uses=()) -> tuple[Callable, dict]:
    """(factory, keyword arguments) of a model or data component of a Plan.

    Built-in arguments get the registry's defaults for what is missing (a Plan
    already has them; a hand-written spec may not). A user component's
    arguments are passed as they are: sspec knows no schema for them.
    """
    name = spec["type"]
    args = dict(spec.get("args") or {})
    factory = implementation(name, kind, bool(spec.get("user")), uses)
    component = None if spec.get("user") else lookup(name)
    if component is not None and component.kind == kind:
        args = component.with_defaults(args)
    return factory, args
