"""The checks, one module per family, run in this order.

Each is `check(ctx)`: it appends diagnostics and records what it resolved.
`train` comes first: the others need its time line; then `arguments`, since
the rest read the components it resolved.
"""

from . import arguments, hooks, optimizer, phases, recipe, train

CHECKS = (
    recipe.check,
    train.check,
    arguments.check,
    optimizer.check,
    phases.check,
    hooks.check,
)
