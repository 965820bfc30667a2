"""The compiler: recipe text → AST → checked Plan, with diagnostics.

`compile_source` is the whole front end in one call; `parse_overrides`
turns `--set KEY=VALUE` strings into overrides. Neither imports torch.
"""

from __future__ import annotations

import gc
import re
import sys
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Span, error, sort_key
from ..grammar.parser import ParseError, parse, parse_value
from . import ast
from .checks import CHECKS
from .checks.train import SCHEMA as TRAIN_SCHEMA
from .context import Context
from .lower import OVERRIDE_FILE, Lowerer, Override

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass
class Result:
    """What compiling one recipe gave: the AST and Plan (None when it could
    not be built), the resolved train settings (the Plan's `train`, also
    without a Plan) and every diagnostic, sorted by position."""

    file: str
    recipe: ast.Recipe | None = None
    plan: dict | None = None
    train: dict | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def override_text(overrides: list[str]) -> str:
    """The `--set` arguments as one pseudo-file, one per line, so that
    diagnostics about them print with a snippet like any other."""
    return "\n".join(overrides)


def parse_overrides(overrides: list[str]) -> tuple[list[Override], list[Diagnostic]]:
    parsed, diagnostics = [], []
    for index, text in enumerate(overrides):
        line = index + 1
        key, sep, value = text.partition("=")
        key_stripped = key.strip()
        if not sep or not _KEY.fullmatch(key_stripped):
            diagnostics.append(error(
                "E107", f"`--set {text}` is not `KEY=VALUE`",
                Span(OVERRIDE_FILE, line, 1, line, len(text) + 1),
                help="for example `--set train.epochs=100`"))
            continue
        # Parse the value in place, padded so its positions are those in the line.
        padded = "\n" * index + " " * (len(key) + 1) + value
        try:
            tree = parse_value(padded, OVERRIDE_FILE)
        except ParseError as exc:
            d = exc.diagnostic
            diagnostics.append(error("E107", f"bad value in `--set {text}`: {d.message}",
                                     d.span, help=d.help))
            continue
        start = len(key) - len(key.lstrip()) + 1
        key_span = Span(OVERRIDE_FILE, line, start, line, start + len(key_stripped))
        value_span = Span(OVERRIDE_FILE, line, len(key) + 2, line, len(text) + 1)
        if key_stripped.startswith("let."):  # `let.batch` and `batch` are one key
            key_stripped = key_stripped[len("let."):]
        parsed.append(Override(key_stripped, tree, key_span, value_span))
    # The same key twice: the last one wins, as on any command line.
    last = {o.key: o for o in parsed}
    return list(last.values()), diagnostics


def compile_source(text: str, file: str, overrides: list[str] = (), *,
                   plan: bool = True) -> Result:
    """Parse, lower and check `text`; build the Plan when it has no errors
    (and `plan` is true: `sspec check` does not need one)."""
    # The parse tree and AST are many small objects that all stay alive until
    # the end: cyclic garbage collection would only rescan them, again and
    # again, making a large recipe's check superlinear.
    enabled = gc.isenabled()
    gc.disable()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4000))  # deep expressions fold recursively
    try:
        return _compile(text, file, list(overrides), plan)
    except RecursionError:
        return Result(file, diagnostics=[error(
            "E115", "the recipe nests expressions too deeply to evaluate",
            Span.whole_file(file), help="split the expression with `let` names")])
    finally:
        sys.setrecursionlimit(limit)
        if enabled:
            gc.enable()


def _compile(text: str, file: str, overrides: list[str], want_plan: bool) -> Result:
    result = Result(file)
    parsed_overrides, override_errors = parse_overrides(list(overrides))
    result.diagnostics += override_errors
    try:
        tree = parse(text, file)
    except ParseError as exc:
        result.diagnostics.append(exc.diagnostic)
        return result
    lowerer = Lowerer(file, parsed_overrides)
    recipe = lowerer.lower(tree)
    result.recipe = recipe
    result.diagnostics += lowerer.diagnostics
    result.diagnostics += _unused_overrides(parsed_overrides, recipe)

    ctx = Context(recipe)
    for check in CHECKS:
        check(ctx)
    result.diagnostics += ctx.diagnostics
    result.diagnostics.sort(key=sort_key)
    result.train = ctx.train
    if result.ok and want_plan:
        from .plan import build

        result.plan = build(ctx)
    return result


def _unused_overrides(overrides: list[Override], recipe: ast.Recipe) -> list[Diagnostic]:
    from ..registry import suggest

    keys = [let.name for let in recipe.lets]
    keys += [f"train.{k}" for k in TRAIN_SCHEMA["properties"]]
    for part in ("model", "data", "optimizer"):
        call = getattr(recipe, part) if part != "optimizer" else (
            recipe.optimizer.call if recipe.optimizer else None)
        keys += [f"{part}.{a.name}" for a in call.args] if call else []
    out = []
    for o in overrides:
        if o.used:
            continue
        hint = suggest(o.key, keys) or next(
            (k for k in keys if k.rsplit(".", 1)[-1] == o.key), None)
        out.append(error("E106", f"`--set {o.key}` names nothing in {recipe.file}", o.key_span,
                         help=f"did you mean `{hint}`?" if hint else
                         "keys are `train.SETTING`, a `let` name, or `model.ARG`, "
                         "`data.ARG`, `optimizer.ARG`"))
    return out
