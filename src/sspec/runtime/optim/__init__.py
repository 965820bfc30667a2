"""The optimizer of a Plan: torch's optimizers, LARS and Lamb, parameter groups
from `params` rules and layer-wise lr decay (see builder.py).

    from sspec.runtime.optim import build_optimizer, param_table
    built = build_optimizer(plan, model)     # BuiltOptimizer
    built.optimizer, built.groups, built.table()
    print(param_table(plan))                 # the model built on the meta device
"""

from __future__ import annotations

from .builder import (
                      BuiltOptimizer,
                      OptimizerBuildError,
                      ParamRuleError,
                      RuleProblem,
                      build_model_on_meta,
                      build_optimizer,
                      layer_ids,
                      param_table,
                      resolve_optimizer,
)
from .lamb import Lamb
from .lars import LARS
from .table import abbreviate

__all__ = [
                      "LARS",
                      "BuiltOptimizer",
                      "Lamb",
                      "OptimizerBuildError",
                      "ParamRuleError",
                      "RuleProblem",
                      "abbreviate",
                      "build_model_on_meta",
                      "build_optimizer",
                      "layer_ids",
                      "param_table",
                      "resolve_optimizer",
]
