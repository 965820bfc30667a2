"""ParamSchedulerHook: applies the precomputed schedules (sspec.schedules).

The values are computed once, before training (`runner.schedules`); after
iteration i this hook writes the values of iteration i + 1 into the param
groups, so `optimizer.step()` of every iteration uses exactly
`compute(plan).at(target, i)` (MMEngine's schedulers step after each
iteration too). The runner writes iteration 0's values (or the resumed
iteration's) before the first step.
"""

from __future__ import annotations

from .base import Hook


class ParamSchedulerHook(Hook):
    priority = "LOW"

    def after_train_iter(self, runner) -> None:
        nxt = runner.iter + 1
        if nxt < runner.max_iters:
            runner.apply_schedules(nxt)
