"""The param-group table `sspec params` prints, and short forms of many
parameter names.

    group           | params                                       | lr        | weight_decay | flags
    ----------------+----------------------------------------------+-----------+--------------+------
    default         | 9: patch_embed.proj.weight,                  | 0.001     | 0.05         |
                    |    layers.{0-3}.attn.qkv.weight, head.weight |           |              |
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_INT = re.compile(r"\d+")


def _ranges(values: Iterable[int]) -> str:
    """{0, 1, 2, 3, 5} -> `0-3,5`."""
    values = sorted(set(values))
    out, start = [], None
    for i, v in enumerate(values):
        if start is None:
            start = v
        if i + 1 == len(values) or values[i + 1] != v + 1:
            out.append(str(start) if start == v else f"{start}-{v}")
            start = None
    return ",".join(out)


def _collapse_indices(names: list[str]) -> list[str]:
    """Names that differ only in integer components, as one: `layers.{0-3}.mlp.weight`.

    The integer components of a pattern are collapsed together when the names
    are every combination of their values; otherwise only the last one is."""
    by_pattern: dict[tuple, list[tuple[int, ...]]] = {}
    for name in names:
        parts = name.split(".")
        slots = tuple(i for i, p in enumerate(parts) if _INT.fullmatch(p))
        pattern = tuple("#" if i in slots else p for i, p in enumerate(parts))
        by_pattern.setdefault(pattern, []).append(tuple(int(parts[i]) for i in slots))
    out: list[str] = []
    for pattern, tuples in by_pattern.items():
        slots = [i for i, p in enumerate(pattern) if p == "#"]
        if not slots:
            out.append(".".join(pattern))
            continue
        per_slot = [sorted({t[k] for t in tuples}) for k in range(len(slots))]
        product = 1
        for values in per_slot:
            product *= len(values)
        if product == len(set(tuples)):
            out.append(_fill(pattern, slots, [_brace(v) for v in per_slot]))
            continue
        # Not a full grid: keep all but the last index, collapse the last.
        rest: dict[tuple[int, ...], list[int]] = {}
        for t in tuples:
            rest.setdefault(t[:-1], []).append(t[-1])
        for head, lasts in rest.items():
            out.append(_fill(pattern, slots, [str(v) for v in head] + [_brace(lasts)]))
    return out


def _brace(values: list[int]) -> str:
    values = sorted(set(values))
    return str(values[0]) if len(values) == 1 else "{" + _ranges(values) + "}"


def _fill(pattern: tuple, slots: list[int], texts: list[str]) -> str:
    parts = list(pattern)
    for i, text in zip(slots, texts):
        parts[i] = text
    return ".".join(parts)


def _collapse_leaves(names: list[str]) -> list[str]:
    """Names that differ only in their last component: `norm1.{weight,bias}`."""
    by_stem: dict[str, list[str]] = {}
    for name in names:
        stem, dot, leaf = name.rpartition(".")
        by_stem.setdefault(stem if dot else "\0", []).append(leaf if dot else name)
    out = []
    for stem, leaves in by_stem.items():
        if stem == "\0":
            out.extend(leaves)
        elif len(leaves) == 1:
            out.append(f"{stem}.{leaves[0]}")
        else:
            out.append(f"{stem}.{{{','.join(leaves)}}}")
    return out


def abbreviate(names: list[str]) -> list[str]:
    """Short forms of many parameter names, in order of first appearance:
    block indices become ranges, sibling leaves a set.

    >>> abbreviate(["blocks.0.norm.weight", "blocks.0.norm.bias",
    ...             "blocks.1.norm.weight", "blocks.1.norm.bias", "head.weight"])
    ['blocks.{0-1}.norm.{weight,bias}', 'head.weight']
    """
    return _collapse_leaves(_collapse_indices(list(names)))


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return format(value, ".6g")
    return str(value)


def _value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_value(v) for v in value) + ")"
    if value is None:
        return "none"
    return _number(value)


def _flags(group: dict) -> list[str]:
    flags = []
    if group.get("fixed_lr"):
        flags.append("fixed_lr")
    if group.get("lars_exclude"):
        flags.append("lars_exclude")
    if group.get("layer_id") is not None and group.get("lr_scale") != 1:
        flags.append(f"lr x{_number(group['lr_scale'])}")
    flags += [f"{k}={_value(v)}" for k, v in (group.get("options") or {}).items()]
    return flags


def _wrap(items: list[str], width: int, indent: int) -> list[str]:
    """Comma-separated items in lines of at most `width` (a longer item gets a
    line of its own); lines after the first indented by `indent`."""
    lines, line = [], ""
    for i, item in enumerate(items):
        piece = item + ("," if i + 1 < len(items) else "")
        if line and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = " " * indent + piece
        else:
            line = f"{line} {piece}" if line else piece
    if line:
        lines.append(line)
    return lines


def format_table(groups: list[dict], width: int = 100) -> str:
    """A fixed-width table, one row per param group (see the module doc), and
    a line of totals. The params and flags columns wrap to keep lines within
    `width` where they can."""
    headers = ["group", "params", "lr", "weight_decay", "flags"]
    heads = [[g["name"], _number(g.get("lr")), _number(g.get("weight_decay"))] for g in groups]
    names = []
    for g in groups:
        count = f"{len(g['params'])}:"
        items = abbreviate(g["params"])
        if items:
            items[0] = f"{count} {items[0]}"
        names.append((items, len(count) + 1))
    flags = [_flags(g) for g in groups]

    fixed = [max([len(headers[c])] + [len(h[k]) for h in heads])
             for k, c in enumerate((0, 2, 3))]
    room = width - sum(fixed) - 3 * 4
    natural_params = max([len(headers[1])] + [len(", ".join(i)) for i, _ in names])
    natural_flags = max([len(headers[4])] + [len(", ".join(f)) for f in flags])
    if natural_params + natural_flags <= room:
        params_width, flags_width = natural_params, natural_flags
    else:
        longest = max([len(headers[4])] + [len(x) + 1 for f in flags for x in f])
        flags_width = min(natural_flags, max(longest, room // 3))
        params_width = max(20, room - flags_width)

    table_rows = []
    for head, (items, indent), flag in zip(heads, names, flags):
        params_lines = _wrap(items, params_width, indent) or ["0"]
        flag_lines = _wrap(flag, flags_width, 0) or [""]
        for k in range(max(len(params_lines), len(flag_lines))):
            first = k == 0
            table_rows.append([head[0] if first else "",
                               params_lines[k] if k < len(params_lines) else "",
                               head[1] if first else "", head[2] if first else "",
                               flag_lines[k] if k < len(flag_lines) else ""])
    widths = [fixed[0], 0, fixed[1], fixed[2], 0]
    widths[1] = max([len(headers[1])] + [len(r[1]) for r in table_rows])
    widths[4] = max([len(headers[4])] + [len(r[4]) for r in table_rows])

    def line_of(values: list[str]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    out = [line_of(headers), "-+-".join("-" * w for w in widths)]
    out += [line_of(r) for r in table_rows]
    total = sum(len(g["params"]) for g in groups)
    numel = sum(g.get("numel", 0) for g in groups)
    out.append(f"{total} parameter tensors ({numel:,} values) in {len(groups)} "
               f"group{'s' if len(groups) != 1 else ''}")
    return "\n".join(out) + "\n"
