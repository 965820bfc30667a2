"""Turn a Plan component (`{"type", "user", "args"}`) into its implementation.

A built-in component names its implementation in the registry as a lazy
`"module:attr"` reference; a user component (`user: true`) *is* such a
reference, quoted in the recipe. Both are imported the same way, only when the
runtime needs them, so `sspec check` never imports torch.

Shared by `build_model` and `build_data` (both need the same rule).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping

from ...registry import lookup


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


def resolve(spec: Mapping, kind: str) -> tuple[Callable, dict]:
    """(factory, keyword arguments) of a model or data component of a Plan.

    Built-in arguments get the registry's defaults for what is missing (a Plan
    already has them; a hand-written spec may not). A user component's
    arguments are passed as they are: sspec knows no schema for them.
    """
    name = spec["type"]
    args = dict(spec.get("args") or {})
    if spec.get("user"):
        return import_ref(name), args
    component = lookup(name)
    if component is None or component.kind != kind:
        raise ValueError(f"unknown {kind} `{name}`")
    try:
        factory = import_ref(component.impl)
    except ImportError as err:
        raise ImportError(f"{kind} `{name}` has no implementation yet: {err}") from err
    return factory, component.with_defaults(args)
