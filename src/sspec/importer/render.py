"""A recipe draft → recipe text, aligned like a hand-written recipe.

`render` also returns, for every recipe line, the config span it came from,
so that a problem found when checking the recipe points back at the config.
"""

from __future__ import annotations

from ..diagnostics import Span
from .translate import Draft, Phase

INDENT = "    "
WRAP = 96
ALIGN_MAX = 60


class _Out:
    def __init__(self):
        self.lines: list[str] = []
        self.origins: dict[int, Span] = {}   # 1-based recipe line → config span

    def add(self, text: str, origin: Span | None = None) -> None:
        self.lines.append(text.rstrip())
        if origin is not None:
            self.origins[len(self.lines)] = origin

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")


def _comment(text: str, comment: str | None) -> str:
    return f"{text}   # {comment}" if comment else text


def render(draft: Draft) -> tuple[str, dict[int, Span]]:
    out = _Out()
    for line in draft.header:
        out.add(line)
    out.add(f"recipe {draft.name}")
    out.blank()

    # train { ... }
    width = max(len(line.cells[0]) for line in draft.train)
    out.add("train {", draft.train[0].origin)
    values = [f"{INDENT}{line.cells[0].ljust(width)} = {line.cells[1]}" for line in draft.train]
    vwidth = max(len(v) for v in values)
    for line, text in zip(draft.train, values):
        out.add(_comment(text.ljust(vwidth) if line.comment else text, line.comment), line.origin)
    out.add("}")
    out.blank()

    if draft.lets:
        width = max(len(line.cells[0]) for line in draft.lets)
        for line in draft.lets:
            out.add(f"let {line.cells[0].ljust(width)} = {line.cells[1]}", line.origin)
        out.blank()

    # model = ..., data = ...
    if draft.standins:
        for note in draft.standin_note:
            out.add(note)
        for line in draft.standins:
            prefix = f"{line.cells[0].ljust(5)} = "
            for i, part in enumerate(_fill(prefix, line.cells[1]).split("\n")):
                out.add(part, line.origin if i == 0 else None)
        out.blank()

    # optimizer
    if draft.optimizer is not None:
        head = _fill("optimizer ", draft.optimizer.cells[0], WRAP - 2)
        body = draft.rules + ([draft.layer_decay] if draft.layer_decay else [])
        if not body:
            for i, part in enumerate(head.split("\n")):
                out.add(part, draft.optimizer.origin if i == 0 else None)
        else:
            for i, part in enumerate((head + " {").split("\n")):
                out.add(part, draft.optimizer.origin if i == 0 else None)
            if draft.layer_decay:
                out.add(INDENT + draft.layer_decay.cells[0], draft.layer_decay.origin)
            width = max((len(r.cells[0]) for r in draft.rules if len(r.cells[0]) <= ALIGN_MAX),
                        default=0)
            for rule in draft.rules:
                text = f"{INDENT}{rule.cells[0].ljust(width)} {rule.cells[1]}"
                if len(text) > WRAP:
                    text = _fill_selectors(rule.cells[0], rule.cells[1])
                for i, part in enumerate(text.split("\n")):
                    out.add(part, rule.origin if i == 0 else None)
            out.add("}")
        out.blank()

    # schedules
    for target, units in draft.schedules:
        phases = [p for u in units for p in (u if isinstance(u, list) else [u])]
        iw = max(len(p.interval) for p in phases)
        cw = max(len(p.component) for p in phases)
        out.add(f"schedule {target} {{", phases[0].origin)
        for unit in units:
            if isinstance(unit, list):
                out.add(f"{INDENT}stack {{   # MMEngine chains overlapping schedulers: "
                        "their factors multiply")
                for p in unit:
                    _phase(out, p, INDENT * 2, iw, cw)
                out.add(INDENT + "}")
            else:
                _phase(out, unit, INDENT, iw, cw)
        out.add("}")
        out.blank()

    # hooks
    if draft.hooks:
        # Align the priorities, unless one very long hook would push them all far right.
        fitting = [len(h.cells[0]) for h in draft.hooks if len(h.cells[0]) <= ALIGN_MAX]
        width = max(fitting, default=0)
        for h in draft.hooks:
            text = f"hook {h.cells[0].ljust(width)}  {h.cells[1]}"
            if len(text) > WRAP:
                text = _fill("hook ", h.cells[0]) + f"  {h.cells[1]}"
            for i, part in enumerate(text.split("\n")):
                out.add(part, h.origin if i == 0 else None)
    while out.lines and out.lines[-1] == "":
        out.lines.pop()
    return "\n".join(out.lines) + "\n", out.origins


def _phase(out: _Out, p: Phase, indent: str, iw: int, cw: int) -> None:
    out.add(f"{indent}{p.interval.ljust(iw)}  {p.component.ljust(cw)}  {p.per}", p.origin)


def split_args(inner: str) -> list[str]:
    """Top-level comma-separated parts of an argument list (quote-aware)."""
    parts, depth, current, quote = [], 0, "", None
    i = 0
    while i < len(inner):
        ch = inner[i]
        if quote:
            current += ch
            if ch == "\\" and i + 1 < len(inner):
                current += inner[i + 1]
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            current += ch
        elif ch in "([{":
            depth += 1
            current += ch
        elif ch in ")]}":
            depth -= 1
            current += ch
        elif ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
        i += 1
    if current.strip():
        parts.append(current.strip())
    return parts


def _fill(prefix: str, call_text: str, width: int = WRAP) -> str:
    """`prefix + call_text`, its arguments filled to `width` columns and
    continued under the first one when it is too long for one line."""
    if len(prefix) + len(call_text) <= width or "(" not in call_text:
        return prefix + call_text
    name, _, rest = call_text.partition("(")
    parts = split_args(rest[:-1])
    indent = " " * (len(prefix) + len(name) + 1)
    lines, current = [], prefix + name + "("
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else ")")
        if current.strip() and len(current) + len(piece) + 1 > width and not current.endswith("("):
            lines.append(current.rstrip())
            current = indent + piece
        else:
            current += ("" if current.endswith("(") else " ") + piece
    lines.append(current)
    return "\n".join(lines)


def _fill_selectors(head: str, body: str) -> str:
    """`params a, b, ... { ... }` with its selectors filled to WRAP columns."""
    selectors = split_args(head[len("params "):])
    indent = INDENT + " " * len("params ")
    lines, current = [], INDENT + "params"
    for i, sel in enumerate(selectors):
        piece = sel + ("," if i < len(selectors) - 1 else "")
        if len(current) + len(piece) + 1 > WRAP and current.strip() != "params":
            lines.append(current.rstrip())
            current = indent + piece
        else:
            current += " " + piece
    if len(current) + len(body) + 1 > WRAP:
        lines.append(current)
        current = indent + body
    else:
        current += " " + body
    lines.append(current)
    return "\n".join(lines)
