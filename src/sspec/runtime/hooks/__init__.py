"""The hook base class and sspec's built-in hooks.

A hook is built from one of the Plan's `hook_defs` (`cls(**args)`, durations
as the Plan writes them: `{"value", "unit", "iters"}`), and the loop calls
its methods at the hook points, in the order the Plan's `hooks` gives.
"""

from .base import Hook

__all__ = ["Hook"]
