"""Every diagnostic code: its title, what it means, an example and the fix.

This table is the one source for `sspec explain CODE` and for
docs/diagnostics.md (regenerate it with `python -m sspec.codes > docs/diagnostics.md`).
A code's first letter is its severity: E error, W warning, N note.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    explanation: str = ""
    example: str = ""       # a recipe that triggers the code
    fix: str = ""           # how to fix it; often the example, mended


_TABLE = [
    # syntax
    Code("E001", "unexpected token"),
    Code("E002", "unexpected character"),
    Code("E003", "unexpected end of file"),
    Code("E004", "file is not UTF-8 text"),
    # values and structure
    Code("E101", "unknown name"),
    Code("E102", "division by zero"),
    Code("E103", "invalid operation on these values"),
    Code("E104", "given twice"),
    Code("E105", "number out of range"),
    Code("E106", "`--set` key names nothing in the recipe"),
    Code("E107", "malformed `--set`"),
    Code("E108", "unknown unit"),
    Code("E111", "training length missing or given twice"),
    Code("E112", "length of an epoch unknown"),
    Code("E113", "recipe has no model, data or optimizer"),
    Code("W114", "iters_per_epoch differs from the data's length"),
    # schedules
    Code("E201", "phases overlap"),
    Code("W202", "gap between phases"),
    Code("E203", "empty or reversed phase"),
    Code("E204", "phase ends after training"),
    Code("E205", "phase bound without a unit"),
    Code("E206", "ambiguous step count"),
    Code("E207", "not a whole number of epochs"),
    Code("E208", "scheduler made for another parameter"),
    Code("E209", "nothing to schedule by that name"),
    Code("W210", "per-epoch phase in an iteration-based run"),
    Code("E211", "unknown step unit"),
    Code("E212", "scheduler that cannot be stepped that way"),
    # components and arguments
    Code("E301", "unknown component"),
    Code("E302", "unknown argument or setting"),
    Code("E303", "missing argument"),
    Code("E304", "wrong type"),
    Code("E305", "value not allowed"),
    Code("E306", "component of the wrong kind"),
    Code("E307", "argument given twice"),
    Code("E308", "positional argument"),
    Code("E309", "arguments that exclude each other"),
    Code("N310", "component from a `use`d module"),
    # hooks
    Code("E401", "cycle in the hook order"),
    Code("E402", "unknown hook reference"),
    Code("E403", "priority out of range"),
    Code("E404", "unknown priority name"),
    Code("W405", "explicit order against priorities"),
    Code("E406", "hook label used twice"),
    Code("E407", "hook ordered against itself"),
    # optimizer
    Code("E502", "unknown parameter class"),
    Code("W503", "`lars_exclude` without LARS"),
]

CODES: dict[str, Code] = {c.code: c for c in _TABLE}


def explain(code: str) -> str:
    c = CODES[code]
    parts = [f"{c.code}: {c.title}", "", c.explanation.strip()]
    if c.example:
        parts += ["", "Example:", "", _indent(c.example)]
    if c.fix:
        parts += ["", "Fix:", "", _indent(c.fix)]
    return "\n".join(parts).rstrip() + "\n"


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.strip("\n").splitlines())


def markdown() -> str:
    """docs/diagnostics.md."""
    raise NotImplementedError  # written with the catalog's prose


if __name__ == "__main__":
    print(markdown(), end="")
