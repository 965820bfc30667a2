"""Helpers shared by the front-end tests: a CLI runner that keeps stdout and
stderr apart, small recipes built around a given body, and shortcuts to the
compiler's result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from click.testing import CliRunner

from sspec.cli import main
from sspec.compiler import compile_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"


def runner() -> CliRunner:
    """A CliRunner whose result has separate `stdout` and `stderr`.

    click < 8.2 mixes them unless asked not to; click >= 8.2 always keeps
    them apart (and has no `mix_stderr` argument)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def invoke(*args: str, **kw):
    """Run `sspec ARGS...` in-process; never lets an exception escape silently."""
    return runner().invoke(main, list(args), catch_exceptions=True, **kw)


def recipe(body: str = "", *, train: str = "epochs = 12  iters_per_epoch = 8",
           model: str = "mlp()", data: str = "synthetic_images(n = 512, batch = 64)",
           optimizer: str = "SGD(lr = 0.1, momentum = 0.9)", name: str = "t") -> str:
    """A minimal valid recipe (8 batches per epoch unless `data` changes)
    followed by `body`. The prelude takes lines 1-5, so `body` starts on line 6."""
    lines = [f"recipe {name}", f"train {{ {train} }}", f"model = {model}",
             f"data = {data}", f"optimizer {optimizer}"]
    return "\n".join(lines) + "\n" + body


BODY_LINE = 6  # the line on which `recipe(body)` puts the body's first line


def spec(name: str, **args) -> dict:
    """The Plan entry of a built-in component, its defaults filled in as the compiler does."""
    from sspec.registry import lookup

    return {"type": name, "user": False, "args": lookup(name).with_defaults(args)}


def compile_text(text: str, overrides: Iterable[str] = (), file: str = "t.ss"):
    return compile_source(text, file, list(overrides))


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def located(result) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line, d.span.column) for d in result.diagnostics]


def plan_of(text: str, overrides: Iterable[str] = ()) -> dict:
    """The Plan of a recipe that must compile without errors."""
    result = compile_text(text, overrides)
    assert result.ok, [f"{d.code}@{d.span.line}:{d.span.column} {d.message}"
                       for d in result.diagnostics]
    assert result.plan is not None
    # The Plan is plain JSON data.
    return json.loads(json.dumps(result.plan))


def schedule_plan(schedule_body: str, target: str = "lr", **kw) -> list[dict]:
    """The Plan's phases of `target` for `schedule TARGET { schedule_body }`."""
    plan = plan_of(recipe(f"schedule {target} {{\n{schedule_body}\n}}\n", **kw))
    return plan["schedules"][target]
