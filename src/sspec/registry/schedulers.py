"""Parameter schedulers: every one of MMEngine 0.10, plus MMPretrain's
CosineAnnealingWeightDecay.

Each MMEngine family exists as `<Family>LR` (param "lr"), `<Family>Momentum`
(param "momentum"; beta1 for Adam-family optimizers) and
`<Family>ParamScheduler` (param None: whatever `schedule P` names). OneCycle
has no Momentum form in MMEngine.

Argument names and defaults are MMEngine's, without those the phase supplies
(optimizer, param_name, begin, end, last_step, by_epoch, verbose,
convert_to_iter_based). Arguments that count steps (T_max, milestones,
step_size, periods, total_steps) count from the phase's begin and are marked
`x-steps`. Ranges are those MMEngine rejects, plus values that make its
chained formulas divide by zero.
"""

from __future__ import annotations

from . import Component
from .schema import (
    UNSET,
    any_of,
    array,
    boolean,
    choice,
    exactly_one,
    excludes,
    integer,
    number,
    obj,
    steps,
    steps_list,
    string,
    when,
)

VARIANTS = (("LR", "lr", "learning rate"), ("Momentum", "momentum", "momentum"), ("ParamScheduler", None, "value"))


def gamma(default=UNSET) -> dict:
    return number("multiplicative factor applied at each decay", default, minimum=0)


def eta_min(desc: str = "minimum value; 0 when neither eta_min nor eta_min_ratio is given") -> dict:
    # No schema default: a filled-in default would clash with eta_min_ratio.
    return number(desc)


def eta_min_ratio() -> dict:
    return number("minimum value as a ratio of each group's initial value", minimum=0)


def _cosine_schema() -> dict:
    return obj(
        dict(
            T_max=steps("steps of one half cosine period; defaults to the phase's length"),
            eta_min=eta_min(),
            eta_min_ratio=eta_min_ratio(),
        ),
        (),
        excludes("eta_min", "eta_min_ratio"),
    )


FAMILIES: dict[str, tuple[str, dict]] = {
    "Constant": (
        "Multiplies the value by `factor` for the whole phase, then restores it at the phase's last step.",
        obj(
            dict(
                factor=number(
                    "factor applied during the phase, in (0, 1] "
                    "(MMEngine accepts 0 but then divides by it at the last step)",
                    1.0 / 3,
                    exclusive_minimum=0,
                    maximum=1,
                )
            )
        ),
    ),
    "Linear": (
        "Changes the factor on the value linearly from `start_factor` to `end_factor` over the phase.",
        obj(
            dict(
                start_factor=number(
                    "factor at the phase's first step, in (0, 1] (MMEngine accepts 0 but then divides by it)",
                    1.0 / 3,
                    exclusive_minimum=0,
                    maximum=1,
                ),
                end_factor=number("factor reached at the phase's last step, in [0, 1]", 1.0, minimum=0, maximum=1),
            )
        ),
    ),
    "Step": (
        "Multiplies the value by `gamma` every `step_size` steps.",
        obj(dict(step_size=steps("steps between two decays"), gamma=gamma(0.1)), ["step_size"]),
    ),
    "MultiStep": (
        "Multiplies the value by `gamma` at each milestone.",
        obj(
            dict(
                milestones=steps_list("steps (from the phase's begin) at which to decay, increasing"),
                gamma=gamma(0.1),
            ),
            ["milestones"],
        ),
    ),
    "Exponential": (
        "Multiplies the value by `gamma` every step.",
        obj(dict(gamma=gamma()), ["gamma"]),
    ),
    "CosineAnnealing": (
        "Anneals the value from its initial value to eta_min along a half cosine.",
        _cosine_schema(),
    ),
    "Poly": (
        "Decays the value polynomially to eta_min at the phase's end.",
        obj(
            dict(
                eta_min=number("value reached at the end of the phase", 0),
                power=number("power of the polynomial", 1.0, minimum=0),
            )
        ),
    ),
    "OneCycle": (
        "The 1cycle policy: warm up to eta_max, then anneal far below the start (not chainable; lr only).",
        obj(
            dict(
                eta_max=any_of(
                    "peak value, or one per parameter group",
                    number(minimum=0),
                    array(None, number(minimum=0), min_items=1),
                    default=0,
                ),
                total_steps=steps("steps of the cycle; defaults to the phase's length"),
                pct_start=number("fraction of the cycle spent increasing the value", 0.3, minimum=0, maximum=1),
                anneal_strategy=choice("annealing shape", ["cos", "linear"], "cos"),
                div_factor=number("the initial value is eta_max / div_factor", 25.0, exclusive_minimum=0),
                final_div_factor=number(
                    "the final value is the initial value / final_div_factor", 1e4, exclusive_minimum=0
                ),
                three_phase=boolean(
                    "add a third phase that anneals to the final value (the paper's schedule)", False
                ),
            )
        ),
    ),
    "CosineRestart": (
        "Cosine annealing restarted at the end of each period, each restart scaled by its weight.",
        obj(
            dict(
                periods=steps_list("length of each cosine cycle", minimum=1),
                restart_weights=array(
                    "weight of the value at each restart; one per period", number(minimum=0), (1,), min_items=1
                ),
                eta_min=eta_min("minimum value"),
                eta_min_ratio=eta_min_ratio(),
            ),
            ["periods"],
            exactly_one("eta_min", "eta_min_ratio"),
            when(
                {"properties": {"periods": {"minItems": 2}}, "required": ["periods"]},
                {"required": ["restart_weights"]},
                "with several periods, give `restart_weights` (one per period)",
            ),
        ),
    ),
    "ReduceOnPlateau": (
        "Multiplies the value by `factor` when a validation metric stops improving (per epoch only).",
        obj(
            dict(
                monitor=string("name of the validation metric to watch", "loss"),
                rule=choice("'less': lower is better; 'greater': higher is better", ["less", "greater"], "less"),
                factor=number("factor applied on a plateau, below 1", 0.1, minimum=0, exclusive_maximum=1),
                patience=integer("epochs without improvement to tolerate before reducing", 10, minimum=0),
                threshold=number("least change that counts as an improvement", 1e-4, minimum=0),
                threshold_rule=choice(
                    "'rel': threshold relative to the best value; 'abs': absolute", ["rel", "abs"], "rel"
                ),
                cooldown=integer("epochs to wait after a reduction before watching again", 0, minimum=0),
                min_value=any_of(
                    "lower bound of the value, or one per parameter group",
                    number(),
                    array(None, number(), min_items=1),
                    default=0.0,
                ),
                eps=number("a reduction smaller than this is ignored", 1e-8, minimum=0),
            )
        ),
        # MMEngine asserts by_epoch=True for this scheduler.
    ),
}

PER_EPOCH_ONLY = {"ReduceOnPlateau"}
LR_ONLY = {"OneCycle"}  # OneCycleParamScheduler asserts param_name == 'lr'.


def _components() -> list[Component]:
    out = []
    for family, (doc, schema) in FAMILIES.items():
        extra = {}
        if family in PER_EPOCH_ONLY:
            extra["x-per"] = ["epoch"]
        if family in LR_ONLY:
            extra["x-params"] = ["lr"]
        schema = {**schema, **extra}
        for suffix, param, what in VARIANTS:
            if family in LR_ONLY and suffix == "Momentum":
                continue
            name = family + suffix
            out.append(
                Component(
                    name=name,
                    kind="scheduler",
                    schema=schema,
                    doc=f"{doc} Schedules the {what}.",
                    impl=f"sspec.schedules:{name}",
                    param=param,
                )
            )
    return out


COSINE_WEIGHT_DECAY = Component(
    name="CosineAnnealingWeightDecay",
    kind="scheduler",
    schema=_cosine_schema(),
    doc=(
        "MMPretrain's cosine annealing of weight decay; groups whose initial "
        "weight decay is 0 stay at 0."
    ),
    impl="sspec.schedules:CosineAnnealingWeightDecay",
    param="weight_decay",
)

COMPONENTS: tuple[Component, ...] = (*_components(), COSINE_WEIGHT_DECAY)
