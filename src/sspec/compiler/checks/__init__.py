"""The checks, one module per family, run in this order.

Each is `check(ctx)`: it appends diagnostics and records what it resolved.
`arguments` comes first since the others read the components it resolved;
`train` before `phases`, which needs the time line.
"""

from . import arguments, hooks, optimizer, phases, recipe, train

CHECKS = (
    recipe.check,
    arguments.check,
    train.check,
    optimizer.check,
    phases.check,
    hooks.check,
)
