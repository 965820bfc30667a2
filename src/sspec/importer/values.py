"""How config values are spelled in a recipe."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .config import Meta, Node, Opaque

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = {"true", "false", "none", "end", "per", "after", "before", "priority", "params",
             "stack", "recipe", "train", "let", "use", "optimizer", "schedule", "hook",
             "layer_decay"}

# Bare words a recipe uses as values: a `let` of that name would shadow them.
_RESERVED = KEYWORDS | {"fp32", "fp16", "bf16", "auto", "cpu", "cuda", "HIGHEST", "VERY_HIGH",
                         "HIGH", "ABOVE_NORMAL", "NORMAL", "BELOW_NORMAL", "LOW", "VERY_LOW",
                         "LOWEST", "iter", "epoch"}


@dataclass(frozen=True)
class Dur:
    """A duration to write: `40ep`, `500it`."""

    value: int | float
    unit: str

    def text(self) -> str:
        return f"{number(self.value)}{self.unit}"


class Raw(str):
    """Recipe text already spelled (a number kept as the config wrote it)."""


def number(value: int | float, meta: Meta | None = None) -> str:
    if meta is not None and meta.text:
        return meta.text
    return repr(value) if isinstance(value, float) else str(value)


class Lets:
    """Config names the recipe writes as `let`s.

    The importer translates twice: the first pass records which config name
    each written number came from (`lr=lr`); a name written in several places
    with one value becomes a `let` in the second pass (`active`)."""

    def __init__(self, active: dict[str, tuple[Any, Meta]] | None = None):
        self.active = active or {}
        self.seen: dict[str, list[tuple[Any, Meta]]] = {}

    def use(self, value: Any, meta: Meta | None) -> str | None:
        if meta is None or not meta.name or isinstance(value, bool) \
                or not isinstance(value, (int, float)):
            return None
        self.seen.setdefault(meta.name, []).append((value, meta))
        hit = self.active.get(meta.name)
        if hit is not None and hit[0] == value and type(hit[0]) is type(value):
            return meta.name
        return None

    def shared(self) -> dict[str, tuple[Any, Meta]]:
        out = {}
        for name, uses in self.seen.items():
            first = uses[0][0]
            if len(uses) >= 2 and name not in _RESERVED and _NAME.fullmatch(name) \
                    and all(v == first and type(v) is type(first) for v, _ in uses):
                out[name] = uses[0]
        return out


def spell(value: Any, meta: Meta | None = None, lets: Lets | None = None) -> str:
    """`value` in recipe syntax (a number keeps the config's spelling; one
    read from a config name that became a `let` is written as that name)."""
    if lets is not None:
        name = lets.use(value, meta)
        if name is not None:
            return name
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, Dur):
        return value.text()
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number(value, meta)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
            .replace("\t", "\\t") + '"'
    if isinstance(value, list):
        metas = getattr(value, "metas", [None] * len(value))
        return "[" + ", ".join(spell(v, m) for v, m in zip(value, metas)) + "]"
    if isinstance(value, tuple):
        metas = getattr(value, "metas", [None] * len(value))
        inner = ", ".join(spell(v, m) for v, m in zip(value, metas))
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            key = k if isinstance(k, str) and _NAME.fullmatch(k) and k not in KEYWORDS \
                else spell(str(k))
            parts.append(f"{key}: {spell(v, value.meta(k) if isinstance(value, Node) else None)}")
        return "{" + ", ".join(parts) + "}"
    raise TypeError(f"cannot spell {value!r}")


def spellable(value: Any) -> bool:
    """Whether `spell` can write it (no opaque parts, finite numbers)."""
    if isinstance(value, Opaque):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(spellable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, (str, int)) and spellable(v) for k, v in value.items())
    return value is None or isinstance(value, (bool, int, str, Dur))


def find_opaque(value: Any) -> Opaque | None:
    if isinstance(value, Opaque):
        return value
    if isinstance(value, (list, tuple)):
        for v in value:
            found = find_opaque(v)
            if found:
                return found
    if isinstance(value, dict):
        for v in value.values():
            found = find_opaque(v)
            if found:
                return found
    return None


def call(name: str, args: list[tuple[str, Any, Meta | None]], lets: Lets | None = None) -> str:
    inner = ", ".join(f"{k} = {spell(v, m, lets)}" for k, v, m in args)
    return f"{name}({inner})"


def strip_scope(type_name: Any) -> Any:
    """`mmselfsup.DenseCLHook` → `DenseCLHook` (a registry scope prefix)."""
    if isinstance(type_name, str) and "." in type_name:
        return type_name.rsplit(".", 1)[1]
    return type_name
