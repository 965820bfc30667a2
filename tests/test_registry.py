"""The registry's components: well-formed schemas, coherent facts, and a few
behaviours that recipes rely on."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from jsonschema import SchemaError

from sspec.registry import HOOK_POINTS, KINDS, PRIORITIES, all_components, lookup, names
from sspec.registry import data, hooks, models, optimizers, schedulers
from sspec.registry.schema import check_schema, jsonable, make_duration, message_for, validator_for

try:
    from sspec.compiler.values import Duration
except ImportError:  # not written yet: anything with .value and .unit will do

    @dataclass(frozen=True)
    class Duration:  # type: ignore[no-redef]
        value: float | int
        unit: str


COMPONENTS = list(all_components().values())
BY_KIND = {
    "optimizer": optimizers.COMPONENTS,
    "scheduler": schedulers.COMPONENTS,
    "hook": hooks.COMPONENTS,
    "model": models.COMPONENTS,
    "data": data.COMPONENTS,
}


def ids(components):
    return [c.name for c in components]


def errors(name: str, **args) -> list:
    comp = lookup(name)
    assert comp is not None, name
    return list(validator_for(comp.schema).iter_errors(args))


def valid(name: str, **args) -> bool:
    return not errors(name, **args)


# ------------------------------------------------------------------ structure


@pytest.mark.parametrize("comp", COMPONENTS, ids=ids(COMPONENTS))
def test_schema_is_valid_draft_2020_12(comp):
    check_schema(comp.schema)


@pytest.mark.parametrize("comp", COMPONENTS, ids=ids(COMPONENTS))
def test_schema_is_a_closed_object_with_described_properties(comp):
    schema = comp.schema
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert isinstance(schema["properties"], dict)
    assert set(schema["required"]) <= set(schema["properties"])
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{comp.name}.{name} has no description"
        assert name not in schema["required"] or "default" not in prop, f"{comp.name}.{name}"


@pytest.mark.parametrize("comp", COMPONENTS, ids=ids(COMPONENTS))
def test_defaults_satisfy_the_schema(comp):
    for name, prop in comp.properties.items():
        if "default" in prop:
            assert validator_for(prop).is_valid(prop["default"]), f"{comp.name}.{name}"
    if not comp.schema["required"]:
        assert validator_for(comp.schema).is_valid(comp.with_defaults({})), comp.name


def test_every_kind_is_registered_and_names_are_unique():
    assert sum(len(c) for c in BY_KIND.values()) == len(COMPONENTS)
    for kind, components in BY_KIND.items():
        assert kind in KINDS
        assert all(c.kind == kind for c in components)
        assert sorted(names(kind)) == sorted(ids(components))


def test_impl_is_a_lazy_module_attr_string():
    for comp in COMPONENTS:
        module, _, attr = comp.impl.partition(":")
        assert module and attr and "." not in attr, comp.name


def test_registry_modules_do_not_import_torch():
    # In a fresh interpreter: other tests in this process may import torch.
    import subprocess
    import sys

    code = ("import sys, sspec.registry as r; r.all_components(); "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0


# ------------------------------------------------------------------ facts


@pytest.mark.parametrize("comp", hooks.COMPONENTS, ids=ids(hooks.COMPONENTS))
def test_hook_points_and_priority_are_known(comp):
    assert comp.points, comp.name
    assert all(p in HOOK_POINTS for p in comp.points), comp.points
    assert len(set(comp.points)) == len(comp.points)
    assert comp.priority in PRIORITIES


def test_non_hooks_have_no_points():
    for comp in COMPONENTS:
        if comp.kind != "hook":
            assert comp.points == () and comp.priority == "NORMAL", comp.name


def test_mmengine_hook_facts():
    assert lookup("ParamSchedulerHook").priority == "LOW"
    assert lookup("CheckpointHook").priority == "VERY_LOW"
    assert lookup("LoggerHook").priority == "BELOW_NORMAL"
    assert lookup("EMAHook").priority == "NORMAL"
    assert lookup("EMAHook").writes == ("ema",)
    assert lookup("DenseCLHook").writes == ("model.loss_lambda",)
    assert lookup("DenseCLHook").points == ("before_train", "before_train_iter")
    assert lookup("SimSiamHook").writes == ("lr:fixed",)
    assert "after_train_iter" in lookup("ParamSchedulerHook").points
    assert "after_train_epoch" in lookup("ParamSchedulerHook").points


@pytest.mark.parametrize("comp", schedulers.COMPONENTS, ids=ids(schedulers.COMPONENTS))
def test_scheduler_kind_and_param_are_coherent(comp):
    assert comp.kind == "scheduler"
    if comp.name.endswith("LR"):
        assert comp.param == "lr"
    elif comp.name.endswith("Momentum"):
        assert comp.param == "momentum"
    elif comp.name.endswith("ParamScheduler"):
        assert comp.param is None
    elif comp.name.endswith("WeightDecay"):
        assert comp.param == "weight_decay"
    else:
        pytest.fail(f"unexpected scheduler name {comp.name}")
    for name in ("optimizer", "param_name", "begin", "end", "last_step", "by_epoch", "verbose"):
        assert name not in comp.properties


def test_every_mmengine_scheduler_is_there():
    families = [
        "Constant", "Linear", "Step", "MultiStep", "Exponential",
        "CosineAnnealing", "Poly", "CosineRestart", "ReduceOnPlateau",
    ]
    for family in families:
        for suffix in ("LR", "Momentum", "ParamScheduler"):
            assert lookup(family + suffix) is not None, family + suffix
    assert lookup("OneCycleLR") and lookup("OneCycleParamScheduler")
    assert lookup("OneCycleMomentum") is None  # MMEngine has none
    assert lookup("CosineAnnealingWeightDecay").param == "weight_decay"


def test_step_counting_arguments_are_marked():
    marked = {
        (c.name, arg) for c in schedulers.COMPONENTS for arg, p in c.properties.items() if p.get("x-steps")
    }
    assert ("CosineAnnealingLR", "T_max") in marked
    assert ("MultiStepLR", "milestones") in marked
    assert ("StepMomentum", "step_size") in marked
    assert ("CosineRestartParamScheduler", "periods") in marked
    assert ("OneCycleLR", "total_steps") in marked
    assert {arg for _, arg in marked} == {"T_max", "milestones", "step_size", "periods", "total_steps"}


def test_every_torch_optimizer_is_there():
    expected = {
        "SGD", "Adam", "AdamW", "Adamax", "Adadelta", "Adagrad", "ASGD", "NAdam",
        "RAdam", "RMSprop", "Rprop", "LBFGS", "SparseAdam", "Adafactor",
    }
    torch_ones = {c.name for c in optimizers.COMPONENTS if c.impl.startswith("torch.optim:")}
    assert torch_ones == expected
    assert lookup("LARS").impl.startswith("sspec.")
    assert lookup("Lamb").impl.startswith("sspec.")


def test_optimizer_defaults_follow_the_constructors():
    assert lookup("SGD").with_defaults({})["lr"] == 1e-3
    assert lookup("AdamW").with_defaults({})["weight_decay"] == 1e-2
    assert lookup("Adam").with_defaults({})["betas"] == (0.9, 0.999)
    assert lookup("Adafactor").with_defaults({})["eps"] == (None, 1e-3)
    assert lookup("LARS").schema["required"] == ["lr"]
    assert lookup("LARS").with_defaults({"lr": 0.1})["eta"] == 0.001
    lamb = lookup("Lamb").with_defaults({})
    assert lamb["eps"] == 1e-6 and lamb["max_grad_norm"] == 1.0 and lamb["weight_decay"] == 0.01


# ------------------------------------------------------------------ validation behaviour


def test_linear_lr_start_factor_out_of_range_is_rejected():
    assert not valid("LinearLR", start_factor=1.5)
    assert not valid("LinearLR", start_factor=0)
    assert not valid("LinearMomentum", end_factor=-0.1)
    assert valid("LinearLR", start_factor=1e-4)
    assert valid("LinearLR", start_factor=1, end_factor=0)


def test_constant_lr_factor_range():
    assert not valid("ConstantLR", factor=1.01)
    assert valid("ConstantLR", factor=1.0)
    assert valid("ConstantLR", factor=0.5)


def test_eta_min_and_eta_min_ratio_are_exclusive():
    for name in ("CosineAnnealingLR", "CosineAnnealingParamScheduler", "CosineAnnealingWeightDecay"):
        assert not valid(name, eta_min=0, eta_min_ratio=0.01)
        assert valid(name, eta_min_ratio=0.01)
        assert valid(name, eta_min=1e-6)
        assert valid(name)


def test_cosine_restart_needs_exactly_one_minimum():
    assert not valid("CosineRestartLR", periods=[10])  # MMEngine asserts one of them
    assert not valid("CosineRestartLR", periods=[10], eta_min=0, eta_min_ratio=0.1)
    assert valid("CosineRestartLR", periods=[10], eta_min=0)
    assert not valid("CosineRestartLR", periods=[10, 20], eta_min=0)  # restart_weights needed
    assert valid("CosineRestartLR", periods=(10, 20), restart_weights=(1, 0.5), eta_min=0)


def test_a_rule_failure_carries_a_readable_message():
    comp = lookup("CosineAnnealingLR")
    (error,) = errors("CosineAnnealingLR", eta_min=0, eta_min_ratio=0.01)
    assert message_for(error, comp.schema) == "give `eta_min` or `eta_min_ratio`, not both"
    (error,) = errors("CosineAnnealingLR", T_max=0)
    assert message_for(error, comp.schema) == error.message


def test_rule_messages_point_at_the_rule():
    cases = [
        ("SGD", dict(nesterov=True), "Nesterov momentum needs"),
        ("EMAHook", dict(gamma=3), "`gamma` needs"),
        ("CosineRestartLR", dict(periods=[3]), "give exactly one of"),
        ("CheckpointHook", dict(keep=0), "`keep = 0`"),
    ]
    for name, args, start in cases:
        (error,) = errors(name, **args)
        assert message_for(error, lookup(name).schema).startswith(start), name


def test_schemas_render_as_plain_json():
    import json

    text = json.dumps([jsonable(c.schema) for c in COMPONENTS])
    assert '"default": "1ep"' in text and '"default": "10it"' in text


def test_step_arguments_take_numbers_or_durations():
    assert valid("CosineAnnealingLR", T_max=260)
    assert valid("CosineAnnealingLR", T_max=Duration(260, "ep"))
    assert not valid("CosineAnnealingLR", T_max="260ep")
    assert not valid("CosineAnnealingLR", T_max=0)
    assert valid("MultiStepLR", milestones=[8, 11], gamma=0.1)
    assert valid("MultiStepLR", milestones=(Duration(8, "ep"), Duration(11, "ep")))
    assert not valid("MultiStepLR", milestones=[8, Duration(11, "ep")])
    assert not valid("MultiStepLR", milestones=[])
    assert not valid("MultiStepLR")
    assert valid("StepLR", step_size=Duration(500, "it"))


def test_one_cycle_and_plateau_enums():
    assert not valid("OneCycleLR", eta_max=0.1, anneal_strategy="cosine")
    assert valid("OneCycleLR", eta_max=0.1, anneal_strategy="linear", total_steps=100)
    assert not valid("OneCycleLR", pct_start=1.5)
    assert lookup("OneCycleParamScheduler").schema["x-params"] == ["lr"]
    assert not valid("ReduceOnPlateauLR", rule="max")
    assert not valid("ReduceOnPlateauLR", threshold_rule="relative")
    assert not valid("ReduceOnPlateauLR", factor=1.0)
    assert valid("ReduceOnPlateauMomentum", monitor="accuracy", rule="greater", factor=0.5)
    assert lookup("ReduceOnPlateauLR").schema["x-per"] == ["epoch"]


def test_poly_power_and_exponential_gamma():
    assert not valid("PolyLR", power=-1)
    assert valid("PolyLR", power=2.0, eta_min=1e-5)
    assert not valid("ExponentialLR")
    assert valid("ExponentialLR", gamma=0.95)


def test_unknown_and_mistyped_arguments_are_rejected():
    assert not valid("AdamW", learning_rate=1e-3)
    assert not valid("AdamW", lr="fast")
    assert not valid("AdamW", lr=True)
    assert not valid("AdamW", lr=-1)


def test_tuples_are_arrays_and_pairs_have_two_elements():
    assert valid("AdamW", lr=1e-3, betas=(0.9, 0.95), weight_decay=0.05)
    assert valid("AdamW", betas=[0.9, 0.95])
    assert not valid("AdamW", betas=(0.9,))
    assert not valid("AdamW", betas=(0.9, 0.95, 0.99))
    assert not valid("Adam", betas=(1.0, 0.999))
    assert valid("Adafactor", eps=(None, 1e-3))
    assert not valid("Rprop", etas=(1.0, 1.2))


def test_nesterov_needs_momentum_and_no_dampening():
    for name in ("SGD", "LARS"):
        assert not valid(name, lr=0.1, nesterov=True)
        assert not valid(name, lr=0.1, nesterov=True, momentum=0.9, dampening=0.1)
        assert valid(name, lr=0.1, nesterov=True, momentum=0.9)
    assert not valid("LARS", momentum=0.9)  # lr is required


def test_hook_arguments():
    assert valid("CheckpointHook", interval=Duration(10, "ep"), keep=3)
    assert not valid("CheckpointHook", interval=10)
    assert not valid("CheckpointHook", keep=0)
    assert valid("CheckpointHook", keep=-1, save_last=False, save_optimizer=False)
    assert lookup("CheckpointHook").with_defaults({})["interval"] == make_duration(1, "ep")
    assert valid("LoggerHook", interval=Duration(10, "it"))
    assert lookup("LoggerHook").properties["interval"]["x-units"] == ["it"]
    assert valid("EMAHook", momentum=0.0002)
    assert not valid("EMAHook", momentum=0)
    assert not valid("EMAHook", ema_type="EMA")
    assert not valid("EMAHook", begin_iter=100, begin_epoch=2)
    assert valid("EMAHook", begin_iter=100, begin_epoch=0)
    assert not valid("EMAHook", gamma=100)
    assert valid("EMAHook", ema_type="MomentumAnnealingEMA", gamma=100)
    assert not valid("EMAHook", ema_type="StochasticWeightAverage", momentum=0.001)
    assert valid("DenseCLHook", start_iters=1000)
    assert not valid("SimSiamHook", lr=0.05)
    assert valid("SimSiamHook", fix_pred_lr=True, lr=0.05)
    assert not valid("SwAVHook")
    assert valid("SwAVHook", batch_size=32, queue_length=3840, frozen_layers_cfg={"prototypes": 5005})
    assert not valid("SwAVHook", batch_size=32, frozen_layers_cfg={"prototypes": -1})
    odc = dict(centroids_update_interval=10, deal_with_small_clusters_interval=1, evaluate_interval=50, reweight=True)
    assert valid("ODCHook", **odc)
    assert lookup("ODCHook").with_defaults(odc)["reweight_pow"] == 0.5
    assert not valid("ODCHook", **odc, dist_mode=False)
    assert not valid("ODCHook", **{**odc, "evaluate_interval": 0})


def test_deepcluster_hook_clustering():
    base = dict(unif_sampling=True, reweight=False, reweight_pow=0.5)
    assert valid("DeepClusterHook", clustering={"type": "kmeans", "k": 30}, **base)
    assert valid("DeepClusterHook", clustering={"type": "Kmeans", "k": 30, "pca_dim": -1}, **base)
    assert not valid("DeepClusterHook", clustering={"type": "PIC", "k": 30}, **base)
    assert not valid("DeepClusterHook", clustering={"type": "kmeans"}, **base)
    assert not valid("DeepClusterHook", clustering={"type": "kmeans", "k": 30, "pca_dim": 0}, **base)
    assert not valid("DeepClusterHook", clustering={"type": "kmeans", "k": 30}, extractor={}, **base)


def test_model_arguments():
    assert valid("mae_vit", img_size=32, patch=4, dim=64, depth=4, heads=4)
    assert not valid("mae_vit", mask_ratio=1.0)
    assert not valid("mlp", depth=0)
    assert valid("densecl", queue_len=256, momentum=0.99)
    assert not valid("densecl", momentum=1.0)
    assert not valid("simsiam", backbone="resnet50")


# ------------------------------------------------------------------ data


def iters(name: str, **args) -> int | None:
    comp = lookup(name)
    assert validator_for(comp.schema).is_valid(args)
    return comp.iters_per_epoch(comp.with_defaults(args))


def test_synthetic_images_iters_per_epoch():
    assert iters("synthetic_images", n=512, size=32, batch=64) == 8
    assert iters("synthetic_images", n=500, batch=64) == 8
    assert iters("synthetic_images", n=500, batch=64, drop_last=True) == 7
    assert iters("synthetic_images") == 8


def test_digits_iters_per_epoch():
    # 1797 - round(359.4) = 1438 training samples
    assert iters("digits", batch=64) == math.ceil(1438 / 64) == 23
    assert iters("digits", batch=64, drop_last=True) == 22
    assert iters("digits", batch=100, val_fraction=0.5) == math.ceil((1797 - 898) / 100)  # round(898.5) == 898
    assert iters("digits", batch=1797, val_fraction=0) == 1
    assert not validator_for(lookup("digits").schema).is_valid({"val_fraction": 1.0})


# ------------------------------------------------------------------ the validator itself


def test_validator_is_cached_per_schema():
    schema = lookup("AdamW").schema
    assert validator_for(schema) is validator_for(schema)
    assert validator_for(schema) is not validator_for(lookup("SGD").schema)


def test_duration_type_is_duck_typed():
    schema = {"type": "duration"}

    class Other:
        value, unit = 3, "it"

    assert validator_for(schema).is_valid(Duration(3, "ep"))
    assert validator_for(schema).is_valid(Other())
    assert not validator_for(schema).is_valid(3)
    assert not validator_for(schema).is_valid({"value": 3, "unit": "ep"})


def test_check_schema_rejects_bad_schemas():
    with pytest.raises(SchemaError):
        check_schema({"type": "object", "properties": {"a": {"type": "float"}}})
    with pytest.raises(SchemaError):
        check_schema({"type": "object", "required": "a"})
    check_schema({"type": ["duration", "null"]})
