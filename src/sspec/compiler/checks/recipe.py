"""The parts every runnable recipe has: a model, data and an optimizer."""

from __future__ import annotations

from ...diagnostics import Span, error
from ..context import Context

_REQUIRED = {
    "model": "add `model = mlp()` or another model",
    "data": "add `data = digits()` or another data set",
    "optimizer": "add `optimizer SGD(lr = 0.1)` or another optimizer",
}


def check(ctx: Context) -> None:
    recipe = ctx.recipe
    for part, help in _REQUIRED.items():
        if part not in recipe.declared:
            ctx.report(error("E113", f"the recipe has no {part}",
                             Span.whole_file(recipe.file), help=help))
