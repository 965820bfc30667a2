"""Record MMEngine's per-iteration schedule values as JSON fixtures.

A development tool, not a test: it needs torch and mmengine==0.10.7, which
sspec neither depends on nor imports. Set up once:

    python -m venv /tmp/mmenv
    /tmp/mmenv/bin/pip install torch==2.13.0      # first: a pinned CPU build
    /tmp/mmenv/bin/pip install mmengine==0.10.7 numpy
    /tmp/mmenv/bin/pip install --no-deps mmpretrain==1.2.0   # CosineAnnealingWeightDecay
    /tmp/mmenv/bin/python tests/reference/record_mmengine.py [CASE ...]

Each case is a small sspec recipe and, written out by hand, the MMEngine
setup it stands for: the optimizer (explicit param groups where the recipe has
`params` rules, with the lr/weight decay DefaultOptimWrapperConstructor would
give them), and the `param_scheduler` config list as a user would write it in
MMEngine (epoch units and `convert_to_iter_based=True` for `per iter` phases
bounded in epochs). The schedulers are built as `Runner.build_param_scheduler`
builds them (`PARAM_SCHEDULERS.build` with `epoch_length`), on an
`OptimWrapper`, and the training loop is replayed the way MMEngine's
`EpochBasedTrainLoop` / `IterBasedTrainLoop` call `ParamSchedulerHook`:
record each group's values (what `optimizer.step()` sees), step the
optimizer, step the per-iteration schedulers (`after_train_iter`), and after
the last iteration of an epoch the per-epoch ones (`after_train_epoch`; an
iteration-based loop calls it once, after its last iteration). Cases marked
`runner=True` are also run through a real `mmengine.runner.Runner` whose
model records the values inside `train_step`, and both recordings must agree
bit for bit.

Fixture format (tests/reference/fixtures/<case>.json): the recipe, the
MMEngine setup, versions, and the values, run-length encoded as
`[[value, count], ...]` so constant stretches stay small:
`values` (the optimizer's own values: OptimWrapper's base param settings when
there are several groups) and `groups` (`"line L"` of the `params` rule ->
target -> values).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import sys
import tempfile
import types
import uuid
import warnings
from pathlib import Path

import torch
import mmengine
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS

FIXTURES = Path(__file__).with_name("fixtures")
MAX_ITERS = 2000

warnings.filterwarnings("ignore")


# ---------------------------------------------------------------- MMPretrain

def _load_mmpretrain_weight_decay_scheduler() -> str:
    """Register MMPretrain's CosineAnnealingWeightDecay from its own source
    file (importing the `mmpretrain` package needs mmcv, which needs a build).
    Its module only needs `mmpretrain.registry.PARAM_SCHEDULERS`; give it
    MMEngine's registry so the class registers where we build from."""
    spec = importlib.util.find_spec("mmpretrain")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install --no-deps mmpretrain==1.2.0 (for CosineAnnealingWeightDecay)")
    root = Path(list(spec.submodule_search_locations)[0])
    path = root / "engine" / "schedulers" / "weight_decay_scheduler.py"
    registry = types.ModuleType("mmpretrain.registry")
    registry.PARAM_SCHEDULERS = PARAM_SCHEDULERS
    package = types.ModuleType("mmpretrain")
    package.__path__ = []
    sys.modules.setdefault("mmpretrain", package)
    sys.modules["mmpretrain.registry"] = registry
    module_spec = importlib.util.spec_from_file_location("_mmpretrain_wd", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    from importlib.metadata import version
    return f"mmpretrain {version('mmpretrain')} ({path.relative_to(root.parent)})"


# ---------------------------------------------------------------- cases

CASES: dict[str, dict] = {}


def it(type_, begin, end, **kw):
    """A per-iteration scheduler config, bounds in iterations."""
    return dict(type=type_, by_epoch=False, begin=begin, end=end, **kw)


def ep(type_, begin, end, **kw):
    """A per-epoch scheduler config, bounds in epochs."""
    return dict(type=type_, by_epoch=True, begin=begin, end=end, **kw)


def conv(type_, begin, end, **kw):
    """Epoch bounds stepped per iteration (`convert_to_iter_based=True`)."""
    return dict(type=type_, by_epoch=True, begin=begin, end=end, convert_to_iter_based=True, **kw)


SGD = dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)
SGD_TEXT = "SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4)"


def case(name, *, train, schedules, mm, optimizer=SGD, optimizer_text=SGD_TEXT, rules="",
         groups=(), fixed=(), model="convnet()", note="", runner=None, targets=()):
    """Register a case.

    train: the train block's body (`epochs = 10  iters_per_epoch = 20`).
    schedules: the recipe's `schedule` blocks.
    mm: [(target, MMEngine scheduler config)] in the recipe's phase order.
    rules: the optimizer block's `params` rules (one per line).
    groups: [(marker, param-group overrides)]: the rule on the line that
        contains `marker` gives a group with these settings in MMEngine.
    fixed: markers of groups whose lr a hook restores before each iteration.
    runner: None, or the Runner variant to cross-check with ("epoch"/"iter";
        "paramwise:<custom key>" for one lr_mult group via paramwise_cfg).
    """
    body = f" {{\n{rules}}}" if rules else ""
    recipe = (f"recipe {name}\n"
              f"train {{ {train} }}\n"
              f"model = {model}\n"
              f"data = synthetic_images(n = 64, batch = 8)\n"
              f"optimizer {optimizer_text}{body}\n"
              f"{schedules.strip()}\n")
    lines = recipe.splitlines()

    def line_of(marker):
        found = [i + 1 for i, text in enumerate(lines) if marker in text and "params" in text]
        assert len(found) == 1, (name, marker, found)
        return f"line {found[0]}"

    CASES[name] = dict(
        name=name, recipe=recipe, optimizer=optimizer, mm=mm, note=note, runner=runner,
        groups=[(line_of(m), g) for m, g in groups], fixed=[line_of(m) for m in fixed],
        train=_train(train), targets=list(targets))


def _train(text):
    words = text.replace("=", " ").split()
    kv = dict(zip(words[::2], words[1::2]))
    return dict(epochs=int(kv["epochs"]) if "epochs" in kv else None,
                iters=int(kv["iters"]) if "iters" in kv else None,
                ipe=int(kv["iters_per_epoch"]))


E10 = "epochs = 10  iters_per_epoch = 20"     # 200 iterations

# --- Linear
case("linear_lr_iter", train=E10, schedules="""
schedule lr { [0it, 100it) LinearLR(start_factor = 0.1) per iter }
""", mm=[("lr", it("LinearLR", 0, 100, start_factor=0.1))],
     note="value stays at the end factor after the phase")
case("linear_lr_epoch", train=E10, schedules="""
schedule lr { [0ep, 5ep) LinearLR(start_factor = 0.25, end_factor = 0.75) per epoch }
""", mm=[("lr", ep("LinearLR", 0, 5, start_factor=0.25, end_factor=0.75))])
case("linear_lr_decay_begin", train=E10, schedules="""
schedule lr { [37it, 163it) LinearLR(start_factor = 1.0, end_factor = 0.05) per iter }
""", mm=[("lr", it("LinearLR", 37, 163, start_factor=1.0, end_factor=0.05))])

# --- Constant
case("constant_lr_iter_begin", train=E10, schedules="""
schedule lr { [10it, 60it) ConstantLR(factor = 0.5) per iter }
""", mm=[("lr", it("ConstantLR", 10, 60, factor=0.5))],
     note="the factor is undone at the phase's last step (iteration 59), not at its end")
case("constant_lr_epoch", train=E10, schedules="""
schedule lr { [1ep, 4ep) ConstantLR(factor = 0.2) per epoch }
""", mm=[("lr", ep("ConstantLR", 1, 4, factor=0.2))])
case("constant_lr_one_epoch", train=E10, schedules="""
schedule lr { [0ep, 1ep) ConstantLR() per epoch }
""", mm=[("lr", ep("ConstantLR", 0, 1))],
     note="a one-step phase: total_iters is 0, so the factor is never undone")

# --- Step
case("step_lr_iter_begin", train=E10, schedules="""
schedule lr { [30it, 190it) StepLR(step_size = 25, gamma = 0.5) per iter }
""", mm=[("lr", it("StepLR", 30, 190, step_size=25, gamma=0.5))],
     note="step_size counts from the phase's begin")
case("step_lr_epoch", train=E10, schedules="""
schedule lr { [0ep, end) StepLR(step_size = 3, gamma = 0.3) per epoch }
""", mm=[("lr", ep("StepLR", 0, 10, step_size=3, gamma=0.3))])
case("step_lr_epoch_converted", train=E10, schedules="""
schedule lr { [1ep, 9ep) StepLR(step_size = 2ep) per iter }
""", mm=[("lr", conv("StepLR", 1, 9, step_size=2))])

# --- MultiStep
case("multistep_lr_iter_begin", train=E10, schedules="""
schedule lr { [50it, 200it) MultiStepLR(milestones = [20, 90, 120], gamma = 0.5) per iter }
""", mm=[("lr", it("MultiStepLR", 50, 200, milestones=[20, 90, 120], gamma=0.5))],
     note="milestones count from the phase's begin")
case("multistep_lr_epoch_converted", train=E10, schedules="""
schedule lr { [0ep, 10ep) MultiStepLR(milestones = [3ep, 7ep]) per iter }
""", mm=[("lr", conv("MultiStepLR", 0, 10, milestones=[3, 7]))])
case("multistep_lr_epoch_begin", train=E10, schedules="""
schedule lr { [2ep, end) MultiStepLR(milestones = [0, 3, 5], gamma = 0.2) per epoch }
""", mm=[("lr", ep("MultiStepLR", 2, 10, milestones=[0, 3, 5], gamma=0.2))],
     note="a milestone at 0 applies at the phase's first step")

# --- Exponential
case("exponential_lr_iter_gap", train=E10, schedules="""
schedule lr {
    [0it, 80it)    ExponentialLR(gamma = 0.98) per iter
    [120it, 200it) ExponentialLR(gamma = 1.01) per iter
}
""", mm=[("lr", it("ExponentialLR", 0, 80, gamma=0.98)),
         ("lr", it("ExponentialLR", 120, 200, gamma=1.01))],
     note="a gap: the value stays where the first phase left it")
case("exponential_lr_epoch_begin", train=E10, schedules="""
schedule lr { [2ep, 8ep) ExponentialLR(gamma = 0.7) per epoch }
""", mm=[("lr", ep("ExponentialLR", 2, 8, gamma=0.7))])

# --- CosineAnnealing
case("cosine_lr_iter", train=E10, schedules="""
schedule lr { [0it, end) CosineAnnealingLR(eta_min = 1e-4) per iter }
""", mm=[("lr", it("CosineAnnealingLR", 0, 200, eta_min=1e-4))])
case("cosine_lr_short_tmax_begin", train=E10, schedules="""
schedule lr { [20it, 200it) CosineAnnealingLR(T_max = 40, eta_min = 0.01) per iter }
""", mm=[("lr", it("CosineAnnealingLR", 20, 200, T_max=40, eta_min=0.01))],
     note="T_max shorter than the phase: past T_max the chained form climbs back "
          "(MMEngine's (last_step - 1 - T_max) % (2 T_max) branch)")
case("cosine_lr_epoch_converted_tmax", train=E10, schedules="""
schedule lr { [2ep, 10ep) CosineAnnealingLR(T_max = 6ep, eta_min = 0.001) per iter }
""", mm=[("lr", conv("CosineAnnealingLR", 2, 10, T_max=6, eta_min=0.001))])
case("cosine_lr_cut_by_end", train=E10, schedules="""
schedule lr { [0it, end) CosineAnnealingLR(T_max = 500) per iter }
""", mm=[("lr", it("CosineAnnealingLR", 0, 200, T_max=500))],
     note="T_max longer than the run: the curve is cut at the end of training")
case("cosine_lr_eta_min_ratio_groups", train=E10, schedules="""
schedule lr { [0ep, end) CosineAnnealingLR(eta_min_ratio = 0.05) per epoch }
""", rules='    params bias { lr_mult = 0.1 }\n',
     groups=[("bias", dict(lr_mult=0.1))],
     mm=[("lr", ep("CosineAnnealingLR", 0, 10, eta_min_ratio=0.05))],
     runner="paramwise:bias",
     note="eta_min_ratio is relative to each group's own initial lr")
case("cosine_lr_eta_min_groups", train=E10, schedules="""
schedule lr { [0it, end) CosineAnnealingLR(eta_min = 0.004) per iter }
""", rules='    params bias { lr_mult = 0.5 }\n    params "head.*" { lr = 0.3 }\n',
     groups=[("bias", dict(lr_mult=0.5)), ("head", dict(lr=0.3))],
     mm=[("lr", it("CosineAnnealingLR", 0, 200, eta_min=0.004))],
     note="an absolute eta_min is shared by every group")

# --- warm-up then cosine (MAE / MMPretrain style), AdamW with decay_mult 0
case("warmup_cosine_sequential_adamw", train="epochs = 12  iters_per_epoch = 16", schedules="""
schedule lr {
    [0ep, 2ep)   LinearLR(start_factor = 1e-3) per iter
    [2ep, end)   CosineAnnealingLR(eta_min = 0) per iter
}
""", optimizer=dict(type="AdamW", lr=1.5e-4, betas=(0.9, 0.95), weight_decay=0.05),
     optimizer_text="AdamW(lr = 1.5e-4, betas = (0.9, 0.95), weight_decay = 0.05)",
     rules="    params norm, bias { decay_mult = 0 }\n",
     groups=[("norm, bias", dict(decay_mult=0))],
     mm=[("lr", conv("LinearLR", 0, 2, start_factor=1e-3)),
         ("lr", conv("CosineAnnealingLR", 2, 12, eta_min=0))],
     runner="epoch")

# --- stacks
case("mmdet_1x_stack", train="epochs = 12  iters_per_epoch = 50", schedules="""
schedule lr {
    stack {
        [0it, 120it)  LinearLR(start_factor = 0.001)                  per iter
        [0ep, 12ep)   MultiStepLR(milestones = [8, 11], gamma = 0.1)  per epoch
    }
}
""", optimizer=dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=1e-4),
     optimizer_text="SGD(lr = 0.02, momentum = 0.9, weight_decay = 1e-4)",
     mm=[("lr", it("LinearLR", 0, 120, start_factor=0.001)),
         ("lr", ep("MultiStepLR", 0, 12, milestones=[8, 11], gamma=0.1))],
     runner="epoch", note="MMDetection's schedule_1x, shortened")
case("stack_warmup_cosine_epoch", train=E10, schedules="""
schedule lr {
    stack {
        [0it, 30it)  LinearLR(start_factor = 0.01) per iter
        [0ep, end)   CosineAnnealingLR(eta_min = 0.002) per epoch
    }
}
""", mm=[("lr", it("LinearLR", 0, 30, start_factor=0.01)),
         ("lr", ep("CosineAnnealingLR", 0, 10, eta_min=0.002))], runner="epoch",
     note="a multiplicative warm-up chained onto a per-epoch cosine with eta_min: at "
          "iteration 20 the warm-up steps before the cosine (after_train_iter, then "
          "after_train_epoch), and the order changes the value")
case("stack_warmup_cosine_iter", train=E10, schedules="""
schedule lr {
    stack {
        [0it, 60it)  LinearLR(start_factor = 0.05) per iter
        [0it, end)   CosineAnnealingLR(eta_min = 0.01) per iter
    }
}
""", mm=[("lr", it("LinearLR", 0, 60, start_factor=0.05)),
         ("lr", it("CosineAnnealingLR", 0, 200, eta_min=0.01))],
     note="two per-iteration schedulers chained every iteration")
case("stack_three", train=E10, schedules="""
schedule lr {
    stack {
        [0it, 40it)   LinearLR(start_factor = 0.2) per iter
        [0it, 150it)  ExponentialLR(gamma = 0.995) per iter
        [0ep, end)    MultiStepLR(milestones = [4, 7]) per epoch
    }
}
""", mm=[("lr", it("LinearLR", 0, 40, start_factor=0.2)),
         ("lr", it("ExponentialLR", 0, 150, gamma=0.995)),
         ("lr", ep("MultiStepLR", 0, 10, milestones=[4, 7]))])

# --- Poly
case("poly_lr_iter", train=E10, schedules="""
schedule lr { [0it, end) PolyLR(eta_min = 1e-4, power = 0.9) per iter }
""", mm=[("lr", it("PolyLR", 0, 200, eta_min=1e-4, power=0.9))])
case("poly_lr_epoch_begin", train=E10, schedules="""
schedule lr { [1ep, 9ep) PolyLR(power = 2.0) per epoch }
""", mm=[("lr", ep("PolyLR", 1, 9, power=2.0))])

# --- OneCycle
case("onecycle_lr_default", train=E10, schedules="""
schedule lr { [0it, end) OneCycleLR(eta_max = 0.5) per iter }
""", mm=[("lr", it("OneCycleLR", 0, 200, eta_max=0.5))],
     note="OneCycle ignores the optimizer's lr: it starts at eta_max / div_factor")
case("onecycle_lr_three_phase_linear", train=E10, schedules="""
schedule lr {
    [10it, 160it) OneCycleLR(eta_max = 0.2, total_steps = 170, pct_start = 0.25,
                             anneal_strategy = "linear", three_phase = true,
                             div_factor = 10, final_div_factor = 100) per iter
}
""", mm=[("lr", it("OneCycleLR", 10, 160, eta_max=0.2, total_steps=170, pct_start=0.25,
                   anneal_strategy="linear", three_phase=True, div_factor=10.,
                   final_div_factor=100.))],
     note="total_steps longer than the phase: the cycle is cut")
case("onecycle_then_cosine_ratio", train=E10, schedules="""
schedule lr {
    [0it, 100it)   OneCycleLR(eta_max = 0.3) per iter
    [100it, 200it) CosineAnnealingLR(eta_min_ratio = 10) per iter
}
""", mm=[("lr", it("OneCycleLR", 0, 100, eta_max=0.3)),
         ("lr", it("CosineAnnealingLR", 100, 200, eta_min_ratio=10.0))],
     note="OneCycle writes initial_lr = eta_max / div_factor when built, so the later "
          "cosine's eta_min_ratio is relative to 0.012, not to the optimizer's 0.1")
case("onecycle_lr_epoch", train=E10, schedules="""
schedule lr { [0ep, end) OneCycleLR(eta_max = 0.1, pct_start = 0.4) per epoch }
""", mm=[("lr", ep("OneCycleLR", 0, 10, eta_max=0.1, pct_start=0.4))])
case("onecycle_lr_eta_max_per_group", train=E10, schedules="""
schedule lr { [0it, end) OneCycleLR(eta_max = [0.1, 0.4]) per iter }
""", rules='    params bias { lr_mult = 2 }\n', groups=[("bias", dict(lr_mult=2))],
     mm=[("lr", it("OneCycleLR", 0, 200, eta_max=[0.1, 0.4, 0.1]))],
     note="eta_max per group: sspec orders the default group first, then the rules; "
          "MMEngine's list is per torch param group plus OptimWrapper's base settings")

# --- CosineRestart
case("cosine_restart_lr_iter", train="epochs = 14  iters_per_epoch = 25", schedules="""
schedule lr {
    [0it, end) CosineRestartLR(periods = [50, 100, 150], restart_weights = [1, 0.5, 0.25],
                               eta_min = 1e-3) per iter
}
""", mm=[("lr", it("CosineRestartLR", 0, 350, periods=[50, 100, 150],
                   restart_weights=[1, 0.5, 0.25], eta_min=1e-3))],
     note="past the last period the value stays")
case("cosine_restart_lr_converted_ratio", train=E10, schedules="""
schedule lr {
    [1ep, 9ep) CosineRestartLR(periods = [3ep, 5ep], restart_weights = [1, 0.8],
                               eta_min_ratio = 0.1) per iter
}
""", mm=[("lr", conv("CosineRestartLR", 1, 9, periods=[3, 5], restart_weights=[1, 0.8],
                     eta_min_ratio=0.1))])
case("cosine_restart_lr_epoch", train=E10, schedules="""
schedule lr {
    [0ep, end) CosineRestartLR(periods = [4, 6], restart_weights = [0.9, 0.6],
                               eta_min = 0.0) per epoch
}
""", mm=[("lr", ep("CosineRestartLR", 0, 10, periods=[4, 6], restart_weights=[0.9, 0.6],
                   eta_min=0.0))])

# --- ReduceOnPlateau
case("reduce_on_plateau_lr", train=E10, schedules="""
schedule lr { [0ep, end) ReduceOnPlateauLR(patience = 1) per epoch }
""", mm=[("lr", ep("ReduceOnPlateauLR", 0, 10, patience=1))],
     note="no validation metrics: the value never changes")

# --- Momentum (SGD momentum, Adam beta1)
case("momentum_sgd_cosine_iter", train=E10, schedules="""
schedule lr { [0it, end) CosineAnnealingLR() per iter }
schedule momentum { [0it, end) CosineAnnealingMomentum(eta_min = 0.95) per iter }
""", optimizer=dict(type="SGD", lr=0.1, momentum=0.85, weight_decay=1e-4),
     optimizer_text="SGD(lr = 0.1, momentum = 0.85, weight_decay = 1e-4)",
     mm=[("lr", it("CosineAnnealingLR", 0, 200)),
         ("momentum", it("CosineAnnealingMomentum", 0, 200, eta_min=0.95))],
     note="eta_min above the initial value: the momentum rises")
case("momentum_sgd_step_epoch", train=E10, schedules="""
schedule momentum { [0ep, end) StepMomentum(step_size = 4, gamma = 0.9) per epoch }
""", mm=[("momentum", ep("StepMomentum", 0, 10, step_size=4, gamma=0.9))])
case("momentum_adam_linear_cosine", train=E10, schedules="""
schedule momentum {
    [0it, 100it)   LinearMomentum(start_factor = 0.9) per iter
    [100it, end)   CosineAnnealingMomentum(eta_min = 0.8) per iter
}
""", optimizer=dict(type="Adam", lr=1e-3, betas=(0.9, 0.999)),
     optimizer_text="Adam(lr = 1e-3, betas = (0.9, 0.999))",
     mm=[("momentum", it("LinearMomentum", 0, 100, start_factor=0.9)),
         ("momentum", it("CosineAnnealingMomentum", 100, 200, eta_min=0.8))],
     runner="epoch", note="Adam's momentum is betas[0]")
case("momentum_adamw_multistep_converted", train=E10, schedules="""
schedule momentum { [0ep, end) MultiStepMomentum(milestones = [2ep, 5ep], gamma = 0.9) per iter }
""", optimizer=dict(type="AdamW", lr=1e-3, betas=(0.9, 0.99), weight_decay=0.05),
     optimizer_text="AdamW(lr = 1e-3, betas = (0.9, 0.99), weight_decay = 0.05)",
     mm=[("momentum", conv("MultiStepMomentum", 0, 10, milestones=[2, 5], gamma=0.9))])
case("momentum_sgd_poly_exponential", train=E10, schedules="""
schedule momentum {
    [0ep, 5ep) PolyMomentum(eta_min = 0.5, power = 1.5) per epoch
    [5ep, end) ExponentialMomentum(gamma = 1.02) per iter
}
""", mm=[("momentum", ep("PolyMomentum", 0, 5, eta_min=0.5, power=1.5)),
         ("momentum", conv("ExponentialMomentum", 5, 10, gamma=1.02))])
case("momentum_sgd_constant_restart", train=E10, schedules="""
schedule momentum {
    [0it, 50it)  ConstantMomentum(factor = 0.5) per iter
    [50it, end)  CosineRestartMomentum(periods = [60, 90], restart_weights = [1, 0.9],
                                       eta_min = 0.6) per iter
}
""", mm=[("momentum", it("ConstantMomentum", 0, 50, factor=0.5)),
         ("momentum", it("CosineRestartMomentum", 50, 200, periods=[60, 90],
                         restart_weights=[1, 0.9], eta_min=0.6))])

# --- weight decay and other param-group keys
case("weight_decay_cosine_param_groups", train=E10, schedules="""
schedule weight_decay { [0ep, end) CosineAnnealingParamScheduler(eta_min = 1e-5) per epoch }
""", rules="    params norm { decay_mult = 0 }\n    params bias { decay_mult = 2 }\n",
     groups=[("norm", dict(decay_mult=0)), ("bias", dict(decay_mult=2))],
     mm=[("weight_decay", ep("CosineAnnealingParamScheduler", 0, 10, param_name="weight_decay",
                             eta_min=1e-5))],
     note="MMEngine's generic cosine moves a zero weight decay up to eta_min")
case("weight_decay_cawd_iter", train=E10, schedules="""
schedule weight_decay { [0it, end) CosineAnnealingWeightDecay(eta_min = 0.01) per iter }
""", optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.05),
     optimizer_text="AdamW(lr = 1e-3, weight_decay = 0.05)",
     rules="    params norm { decay_mult = 0 }\n    params bias { decay_mult = 2 }\n",
     groups=[("norm", dict(decay_mult=0)), ("bias", dict(decay_mult=2))],
     mm=[("weight_decay", it("CosineAnnealingWeightDecay", 0, 200, eta_min=0.01))],
     note="MMPretrain's CosineAnnealingWeightDecay keeps a zero weight decay at zero")
case("weight_decay_cawd_epoch_ratio", train=E10, schedules="""
schedule weight_decay {
    [2ep, end) CosineAnnealingWeightDecay(eta_min_ratio = 0.1, T_max = 5) per epoch
}
""", optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.05),
     optimizer_text="AdamW(lr = 1e-3, weight_decay = 0.05)",
     mm=[("weight_decay", ep("CosineAnnealingWeightDecay", 2, 10, eta_min_ratio=0.1, T_max=5))])
case("weight_decay_linear_param", train=E10, schedules="""
schedule weight_decay {
    [0it, 150it) LinearParamScheduler(start_factor = 0.1, end_factor = 1.0) per iter
}
""", mm=[("weight_decay", it("LinearParamScheduler", 0, 150, param_name="weight_decay",
                             start_factor=0.1, end_factor=1.0))])
case("eps_param_schedulers", train=E10, schedules="""
schedule eps {
    [0it, 100it)   LinearParamScheduler(start_factor = 0.01) per iter
    [100it, end)   StepParamScheduler(step_size = 30, gamma = 10) per iter
}
""", optimizer=dict(type="Adam", lr=1e-3, eps=1e-6),
     optimizer_text="Adam(lr = 1e-3, eps = 1e-6)",
     mm=[("eps", it("LinearParamScheduler", 0, 100, param_name="eps", start_factor=0.01)),
         ("eps", it("StepParamScheduler", 100, 200, param_name="eps", step_size=30, gamma=10.))])
case("lr_param_schedulers", train=E10, schedules="""
schedule lr {
    [0ep, 3ep)  ConstantParamScheduler(factor = 0.25) per epoch
    [3ep, end)  OneCycleParamScheduler(eta_max = 0.2) per iter
}
""", mm=[("lr", ep("ConstantParamScheduler", 0, 3, param_name="lr", factor=0.25)),
         ("lr", conv("OneCycleParamScheduler", 3, 10, param_name="lr", eta_max=0.2))])
case("model_attr_loss_lambda", train=E10, model="densecl(loss_lambda = 0.5)", schedules="""
schedule model.loss_lambda {
    [0it, 50it)  LinearParamScheduler(start_factor = 0.01) per iter
    [50it, end)  CosineAnnealingParamScheduler(eta_min = 0.1) per iter
}
""", mm=[("model.loss_lambda", it("LinearParamScheduler", 0, 50, param_name="loss_lambda",
                                  start_factor=0.01)),
         ("model.loss_lambda", it("CosineAnnealingParamScheduler", 50, 200,
                                  param_name="loss_lambda", eta_min=0.1))],
     note="MMEngine has no model-attribute schedulers: recorded on a param-group key "
          "`loss_lambda` holding the model's value")

# --- param groups
case("groups_lr_mult_lr_decay_mult", train=E10, schedules="""
schedule lr { [0ep, end) StepLR(step_size = 2, gamma = 0.5) per epoch }
schedule weight_decay { [0it, 100it) ExponentialParamScheduler(gamma = 0.99) per iter }
""", rules='    params bias { lr_mult = 2  decay_mult = 0 }\n    params "head.*" { lr = 0.005 }\n'
           '    params norm { weight_decay = 0.01 }\n',
     groups=[("bias", dict(lr_mult=2, decay_mult=0)), ("head", dict(lr=0.005)),
             ("norm", dict(weight_decay=0.01))],
     mm=[("lr", ep("StepLR", 0, 10, step_size=2, gamma=0.5)),
         ("weight_decay", it("ExponentialParamScheduler", 0, 100, param_name="weight_decay",
                             gamma=0.99))])
case("fixed_lr_group", train=E10, schedules="""
schedule lr { [0it, end) CosineAnnealingLR(eta_min = 0) per iter }
""", model="simsiam()", rules='    params "predictor.*" { fixed_lr = true }\n',
     groups=[("predictor", dict())], fixed=["predictor"],
     mm=[("lr", it("CosineAnnealingLR", 0, 200, eta_min=0))],
     note="fixed_lr: the group's lr is restored before every iteration "
          "(MMSelfSup's SimSiamHook with adjust_by_epoch=False)")

# --- iteration-based runs
case("iter_run_warmup_cosine", train="iters = 400  iters_per_epoch = 50", schedules="""
schedule lr {
    [0it, 50it)  LinearLR(start_factor = 0.001) per iter
    [50it, end)  CosineAnnealingLR(eta_min = 1e-5) per iter
}
""", mm=[("lr", it("LinearLR", 0, 50, start_factor=0.001)),
         ("lr", it("CosineAnnealingLR", 50, 400, eta_min=1e-5))])
case("iter_run_per_epoch_phases", train="iters = 300  iters_per_epoch = 50", schedules="""
schedule lr {
    stack {
        [0ep, 6ep)    ConstantLR(factor = 0.5) per epoch
        [0it, 300it)  CosineAnnealingLR(eta_min = 0.001) per iter
    }
}
schedule momentum {
    [0ep, 2ep) LinearMomentum(start_factor = 0.5) per epoch
    [2ep, 6ep) ExponentialMomentum(gamma = 0.5) per epoch
}
""", mm=[("lr", ep("ConstantLR", 0, 6, factor=0.5)),
         ("lr", it("CosineAnnealingLR", 0, 300, eta_min=0.001)),
         ("momentum", ep("LinearMomentum", 0, 2, start_factor=0.5)),
         ("momentum", ep("ExponentialMomentum", 2, 6, gamma=0.5))],
     runner="iter",
     note="an iteration-based loop never ends an epoch before the last iteration: a "
          "per-epoch scheduler only takes the step its constructor takes")

# --- float epoch bounds (int(epochs * iters_per_epoch), as MMEngine converts)
case("float_epoch_bounds", train="epochs = 8  iters_per_epoch = 7", schedules="""
schedule lr {
    [0ep, 1.5ep)  LinearLR(start_factor = 0.1) per iter
    [1.5ep, end)  CosineAnnealingLR(eta_min = 0) per iter
}
""", mm=[("lr", conv("LinearLR", 0, 1.5, start_factor=0.1)),
         ("lr", conv("CosineAnnealingLR", 1.5, 8, eta_min=0))])
case("float_epoch_bounds_milestones", train="epochs = 6  iters_per_epoch = 9", schedules="""
schedule lr { [0.5ep, 5.5ep) MultiStepLR(milestones = [1ep, 3ep], gamma = 0.5) per iter }
""", mm=[("lr", conv("MultiStepLR", 0.5, 5.5, milestones=[1, 3], gamma=0.5))])


# ---------------------------------------------------------------- recording

def _momentum(group, optimizer):
    return group["momentum"] if "momentum" in optimizer.defaults else group["betas"][0]


def _read(group, target, optimizer):
    if target == "momentum":
        return float(_momentum(group, optimizer))
    if target.startswith("model."):
        return float(group[target[len("model."):]])
    return float(group[target])


def _targets(c, optimizer):
    out = [t for t in ("lr", "momentum", "weight_decay")
           if t in optimizer.defaults or (t == "momentum" and "betas" in optimizer.defaults)]
    for t, _ in c["mm"]:
        if t not in out:
            out.append(t)
    return out


def _build_optimizer(c):
    opt = dict(c["optimizer"])
    cls = getattr(torch.optim, opt.pop("type"))
    n = 1 + len(c["groups"])
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(n)]
    extra = {}
    for t, _ in c["mm"]:
        if t.startswith("model."):
            extra[t[len("model."):]] = _model_value(c, t[len("model."):])
    groups = [dict(params=[params[0]], **extra)]
    groups += [dict(params=[p], **_settings(g, opt)) for p, (_, g) in zip(params[1:], c["groups"])]
    optimizer = cls(groups, **opt)
    return optimizer, OptimWrapper(optimizer)


def _settings(g, opt):
    """A group's lr / weight decay, as DefaultOptimWrapperConstructor sets them
    (`base_lr * lr_mult`, `base_wd * decay_mult`)."""
    out = {k: v for k, v in g.items() if k not in ("lr_mult", "decay_mult")}
    if "lr_mult" in g and "lr" not in g:
        out["lr"] = opt["lr"] * g["lr_mult"]
    if "decay_mult" in g and "weight_decay" not in g:
        out["weight_decay"] = opt.get("weight_decay", 0) * g["decay_mult"]
    return out


def _model_value(c, attr):
    # The recipe's model line: `name(attr = value)`.
    text = next(line for line in c["recipe"].splitlines() if line.startswith("model ="))
    return float(text.split(f"{attr} =")[1].split(")")[0].split(",")[0])


def _schedulers(c, wrapper, ipe):
    out = []
    for _, cfg in c["mm"]:
        out.append(PARAM_SCHEDULERS.build(copy.deepcopy(cfg),
                                          default_args=dict(optimizer=wrapper, epoch_length=ipe)))
    return out


def simulate(c):
    """Replay the loop with ParamSchedulerHook's calls; see the module doc."""
    optimizer, wrapper = _build_optimizer(c)
    targets = _targets(c, optimizer)
    schedulers = _schedulers(c, wrapper, c["train"]["ipe"])
    n_groups = 1 + len(c["groups"])
    fixed = {i + 1: optimizer.param_groups[i + 1]["initial_lr"]
             for i, (name, _) in enumerate(c["groups"]) if name in c["fixed"]}
    record = {name: {t: [] for t in targets} for name in ["default"] + [g for g, _ in c["groups"]]}

    def one_iteration():
        for i, lr in fixed.items():
            optimizer.param_groups[i]["lr"] = lr            # before_train_iter
        groups = wrapper.param_groups
        default = groups[-1] if len(groups) > n_groups else groups[0]
        for t in targets:
            record["default"][t].append(_read(default, t, optimizer))
            for (name, _), group in zip(c["groups"], groups[1:n_groups]):
                record[name][t].append(_read(group, t, optimizer))
        if len(groups) > n_groups:   # the first group is the default group too
            for t in targets:
                assert _read(groups[0], t, optimizer) == record["default"][t][-1], (c["name"], t)
        wrapper.step()
        for s in schedulers:                                   # after_train_iter
            if not s.by_epoch:
                s.step()

    tr = c["train"]
    if tr["epochs"] is not None:
        for _ in range(tr["epochs"]):
            for _ in range(tr["ipe"]):
                one_iteration()
            for s in schedulers:                               # after_train_epoch
                if s.by_epoch:
                    s.step()
    else:
        for _ in range(tr["iters"]):
            one_iteration()
        for s in schedulers:   # IterBasedTrainLoop: once, after the last iteration
            if s.by_epoch:
                s.step()
    return record


def run_runner(c):
    """The same case through a real mmengine Runner (single group, or one
    paramwise_cfg custom key group); values recorded inside train_step."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    tr = c["train"]
    seen: list = []
    targets_holder: list = []

    class Recorder(BaseModel):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.ones(1))
            self.bias = torch.nn.Parameter(torch.zeros(1))

        def forward(self, inputs, data_samples=None, mode="loss"):
            return {"loss": (self.weight * inputs + self.bias).sum()}

        def train_step(self, data, optim_wrapper):
            groups = optim_wrapper.param_groups
            optimizer = optim_wrapper.optimizer
            if not targets_holder:
                targets_holder.extend(_targets(c, optimizer))
            seen.append([[_read(g, t, optimizer) for t in targets_holder] for g in groups])
            return super().train_step(data, optim_wrapper)

    n = tr["ipe"] if tr["epochs"] is not None else tr["iters"]
    loader = DataLoader([dict(inputs=torch.ones(1)) for _ in range(n)], batch_size=1)
    optimizer = dict(c["optimizer"])
    optim_wrapper = dict(optimizer=optimizer)
    variant = c["runner"]
    if variant.startswith("paramwise:"):
        (name, g), = c["groups"]
        key = variant.split(":", 1)[1]
        optim_wrapper["paramwise_cfg"] = dict(custom_keys={key: dict(g)})
    if tr["epochs"] is not None:
        train_cfg = dict(by_epoch=True, max_epochs=tr["epochs"])
    else:
        train_cfg = dict(by_epoch=False, max_iters=tr["iters"])
    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(model=Recorder(), work_dir=work_dir, train_dataloader=loader,
                        optim_wrapper=optim_wrapper,
                        param_scheduler=[copy.deepcopy(cfg) for _, cfg in c["mm"]],
                        train_cfg=train_cfg, default_hooks=dict(checkpoint=None, logger=None),
                        experiment_name=f"{c['name']}_{uuid.uuid4().hex}",
                        log_level="ERROR")
        runner.train()
    # With several groups the OptimWrapper's base settings come last.
    names = ["default"] if len(seen[0]) == 1 else ["_weight", c["groups"][0][0], "default"]
    out = {name: {t: [row[i][j] for row in seen] for j, t in enumerate(targets_holder)}
           for i, name in enumerate(names)}
    out.pop("_weight", None)
    return out


def _rle(values):
    out = []
    for v in values:
        if out and (out[-1][0] == v or (math.isnan(v) and math.isnan(out[-1][0]))):
            out[-1][1] += 1
        else:
            out.append([v, 1])
    return out


def record_case(c, wd_source):
    sim = simulate(c)
    source = "simulation of the training loop on MMEngine's scheduler objects"
    if c["runner"]:
        real = run_runner(c)
        for name, curves in real.items():
            for t, vals in curves.items():
                assert vals == sim[name][t], (c["name"], name, t)
        source += "; identical to a real mmengine.runner.Runner run"
    n = len(sim["default"][next(iter(sim["default"]))])
    assert n <= MAX_ITERS, (c["name"], n)
    uses_cawd = any(cfg["type"] == "CosineAnnealingWeightDecay" for _, cfg in c["mm"])
    fixture = {
        "name": c["name"],
        "note": c["note"],
        "recipe": c["recipe"],
        "versions": {"mmengine": mmengine.__version__, "torch": torch.__version__,
                     **({"mmpretrain": wd_source} if uses_cawd else {})},
        "source": source,
        "mmengine": {"optimizer": c["optimizer"],
                     "param_groups": [{"name": n_, **g} for n_, g in c["groups"]],
                     "fixed_lr_groups": c["fixed"],
                     "param_scheduler": [cfg for _, cfg in c["mm"]],
                     "train": c["train"]},
        "iterations": n,
        "values": {t: _rle(v) for t, v in sim["default"].items()},
        "groups": {g: {t: _rle(v) for t, v in curves.items()}
                   for g, curves in sim.items() if g != "default"},
    }
    FIXTURES.mkdir(exist_ok=True)
    path = FIXTURES / f"{c['name']}.json"
    path.write_text(json.dumps(fixture, indent=1) + "\n", encoding="utf-8")
    return path


def main(argv):
    assert mmengine.__version__ == "0.10.7", mmengine.__version__
    wd_source = _load_mmpretrain_weight_decay_scheduler()
    names = argv or list(CASES)
    for name in names:
        path = record_case(CASES[name], wd_source)
        print(f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    print(f"{len(names)} cases recorded")


if __name__ == "__main__":
    main(sys.argv[1:])
