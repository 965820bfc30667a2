"""The runtime's optimizer: LARS and Lamb against straightforward reference
implementations, and the param groups built from a Plan's `params` rules and
`layer_decay`, whose names and base values must be those `sspec.schedules`
computes (so that `render` draws what trains)."""

from __future__ import annotations

import math
import sys
import types

import pytest

torch = pytest.importorskip("torch")
from helpers import EXAMPLES, plan_of
from torch import nn

from sspec.registry.optimizers import TORCH
from sspec.runtime.optim import (
    LARS,
    BuiltOptimizer,
    Lamb,
    OptimizerBuildError,
    ParamRuleError,
    abbreviate,
    build_optimizer,
    layer_ids,
    param_table,
)
from sspec.schedules import compute

# ------------------------------------------------------------------ models


class Block(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.Linear(dim, 3 * dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))


class TinyViT(nn.Module):
    """ViT-like names: cls_token, pos_embed, patch_embed.*, <blocks>.N.*, norm, head."""

    def __init__(self, dim: int = 8, depth: int = 4, blocks: str = "blocks"):
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 5, dim))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.patch_embed = nn.Conv2d(3, dim, 2, 2)
        setattr(self, blocks, nn.ModuleList(Block(dim) for _ in range(depth)))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)


class ConvNet(nn.Module):
    """Every parameter class: plain and depth-wise convolutions, norms, a
    predictor head (SimSiam's `fixed_lr` group)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 8, 3)               # in_channels == groups == 1: not dwconv
        self.bn = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, groups=8)       # depth-wise
        self.gn = nn.GroupNorm(2, 8)
        self.inorm = nn.InstanceNorm2d(8, affine=True)
        self.pw = nn.Conv2d(8, 16, 1, bias=False)
        self.ln = nn.LayerNorm(16)
        self.fc = nn.Linear(16, 10)
        self.predictor = nn.Sequential(nn.Linear(10, 4), nn.BatchNorm1d(4), nn.Linear(4, 10))


def plan(optimizer: str = "SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4)",
         rules: str = "", schedule: str = "") -> dict:
    """A compiled Plan whose rules start on line 6."""
    body = "{\n" + rules + "\n}" if rules else ""
    text = (f"recipe t\ntrain {{ epochs = 4  iters_per_epoch = 8 }}\nmodel = mlp()\n"
            f"data = synthetic_images(n = 512, batch = 64)\noptimizer {optimizer} {body}\n"
            f"{schedule}\n")
    return plan_of(text)


def groups_by_name(built: BuiltOptimizer) -> dict[str, dict]:
    return {g["name"]: g for g in built.groups}


def params_of(built: BuiltOptimizer, name: str) -> set[str]:
    return set(groups_by_name(built)[name]["params"])


# ------------------------------------------------------------------ selectors


def test_class_selectors_match_what_they_say():
    model = ConvNet()
    expected = {
        "bias": {"stem.bias", "bn.bias", "dw.bias", "gn.bias", "inorm.bias", "ln.bias",
                 "fc.bias", "predictor.0.bias", "predictor.1.bias", "predictor.2.bias"},
        "norm": {"bn.weight", "bn.bias", "gn.weight", "gn.bias", "inorm.weight", "inorm.bias",
                 "ln.weight", "ln.bias", "predictor.1.weight", "predictor.1.bias"},
        "dwconv": {"dw.weight"},
        "flat": {n for n, p in model.named_parameters() if p.ndim == 1},
    }
    for cls, names in expected.items():
        built = build_optimizer(plan(rules=f"params {cls} {{ lr_mult = 2 }}"), model)
        assert params_of(built, "line 6") == names, cls
        assert params_of(built, "default") == {n for n, _ in model.named_parameters()} - names


def test_glob_selectors_use_full_names_case_sensitively():
    model = ConvNet()
    built = build_optimizer(plan(rules='params "predictor.*", "*.bn*" { lr_mult = 0.5 }'), model)
    assert params_of(built, "line 6") == {
        "predictor.0.weight", "predictor.0.bias", "predictor.1.weight", "predictor.1.bias",
        "predictor.2.weight", "predictor.2.bias"}   # "*.bn*" needs a dot before `bn`
    with pytest.raises(ParamRuleError):
        build_optimizer(plan(rules='params "BN.*" { lr_mult = 0.5 }'), model)


def test_later_rules_override_key_by_key():
    model = ConvNet()
    p = plan(rules="params flat { decay_mult = 0  lr_mult = 3 }\n"
                   'params "fc.*" { lr_mult = 10 }')
    built = build_optimizer(p, model)
    g = groups_by_name(built)
    # fc.bias: decay_mult from line 6, lr_mult overridden by line 7
    assert g["line 6 + line 7"]["params"] == ["fc.bias"]
    assert g["line 6 + line 7"]["settings"] == {"decay_mult": 0, "lr_mult": 10}
    assert g["line 6 + line 7"]["lr"] == pytest.approx(1.0)
    assert g["line 6 + line 7"]["weight_decay"] == 0
    assert g["line 7"]["params"] == ["fc.weight"]
    assert g["line 7"]["lr"] == pytest.approx(1.0) and g["line 7"]["weight_decay"] == 1e-4
    assert "fc.bias" not in g["line 6"]["params"]
    assert g["line 6"]["lr"] == pytest.approx(0.3) and g["line 6"]["weight_decay"] == 0
    # The other order: the flat rule wins lr_mult for fc.bias.
    p = plan(rules='params "fc.*" { lr_mult = 10 }\n'
                   "params flat { decay_mult = 0  lr_mult = 3 }")
    g = groups_by_name(build_optimizer(p, model))
    # {lr_mult: 3, decay_mult: 0} is exactly line 7's settings: the same group
    assert "fc.bias" in g["line 7"]["params"] and "line 6 + line 7" not in g


def test_lr_and_weight_decay_settings_win_over_multipliers():
    model = ConvNet()
    p = plan(rules="params bias { lr_mult = 5  decay_mult = 0 }\n"
                   'params "fc.*" { lr = 0.02  weight_decay = 0.3 }')
    g = groups_by_name(build_optimizer(p, model))
    assert g["line 6 + line 7"]["params"] == ["fc.bias"]
    assert g["line 6 + line 7"]["lr"] == 0.02 and g["line 6 + line 7"]["weight_decay"] == 0.3


def test_equal_settings_share_one_group_named_after_every_line():
    model = ConvNet()
    p = plan(rules='params bias { decay_mult = 0 }\nparams "predictor.*" { lr_mult = 2 }\n'
                   "params norm { decay_mult = 0 }")
    built = build_optimizer(p, model)
    names = [g["name"] for g in built.groups]
    assert names[:3] == ["default", "lines 6, 8", "line 7"]
    g = groups_by_name(built)
    assert {"bn.weight", "stem.bias"} <= set(g["lines 6, 8"]["params"])
    assert g["lines 6, 8"]["lines"] == (6, 8)
    # bias/norm parameters of the predictor combine both kinds of settings
    assert set(g["lines 6, 8 + line 7"]["params"]) == {
        "predictor.0.bias", "predictor.1.weight", "predictor.1.bias", "predictor.2.bias"}
    # every parameter is in exactly one group
    seen = [n for grp in built.groups for n in grp["params"]]
    assert sorted(seen) == sorted(n for n, _ in model.named_parameters())
    assert len(built.optimizer.param_groups) == len(built.groups)


def test_torch_groups_carry_names_base_values_and_flags():
    model = ConvNet()
    p = plan("LARS(lr = 0.3, momentum = 0.9, weight_decay = 1e-6)",
             rules="params norm, bias { decay_mult = 0  lars_exclude = true }\n"
                   'params "predictor.*" { fixed_lr = true }')
    built = build_optimizer(p, model)
    assert isinstance(built.optimizer, LARS)
    for tg, info in zip(built.optimizer.param_groups, built.groups):
        assert tg["name"] == info["name"]
        assert tg["lr"] == tg["initial_lr"] == info["lr"]
        assert tg["weight_decay"] == tg["initial_weight_decay"] == info["weight_decay"]
        assert tg["initial_momentum"] == 0.9
        assert tg["fixed_lr"] is info["fixed_lr"] and tg["lars_exclude"] is info["lars_exclude"]
        assert [id(q) for q in tg["params"]] == [id(dict(model.named_parameters())[n])
                                                 for n in info["params"]]
    g = groups_by_name(built)
    assert g["line 6"]["lars_exclude"] and not g["line 6"]["fixed_lr"]
    assert g["line 7"]["fixed_lr"] and not g["line 7"]["lars_exclude"]
    assert not g["default"]["fixed_lr"] and not g["default"]["lars_exclude"]


def test_optimizer_keys_set_by_rules_go_into_the_group():
    model = ConvNet()
    p = plan("AdamW(lr = 1e-3, betas = (0.9, 0.95))",
             rules='params "fc.*" { betas = (0.8, 0.9)  eps = 1e-6 }')
    built = build_optimizer(p, model)
    fc = built.optimizer.param_groups[[g["name"] for g in built.groups].index("line 6")]
    assert fc["betas"] == (0.8, 0.9) and fc["eps"] == 1e-6
    assert built.optimizer.param_groups[0]["betas"] == (0.9, 0.95)
    res = compute(p)
    assert res.curve("momentum", "line 6")[0] == 0.8
    assert res.curve("momentum")[0] == 0.9


# ------------------------------------------------------------------ same values as schedules


def _check_against_schedules(p: dict, model: nn.Module) -> BuiltOptimizer:
    """Each group's base values are the schedules' values of its group before
    any scheduler acts (the Plan without schedules: constant curves), and the
    scheduled curves exist for every group the schedules know."""
    built = build_optimizer(p, model)
    scheduled = compute(p)
    res = compute({**p, "schedules": {}})
    for tg, info in zip(built.optimizer.param_groups, built.groups):
        name = info["schedule_group"]
        group = None if name == "default" else name
        if group is not None and group not in res.group_info:
            continue   # a combination of rules: not a group of sspec.schedules
        scale = info["lr_scale"]
        assert tg["lr"] == res.curve("lr", group)[0] * scale, info["name"]
        if "weight_decay" in res.values:
            assert tg["weight_decay"] == res.curve("weight_decay", group)[0], info["name"]
        if "momentum" in tg and "momentum" in res.values:
            assert tg["momentum"] == res.curve("momentum", group)[0], info["name"]
        if "betas" in tg and "momentum" in res.values:
            assert tg["betas"][0] == res.curve("momentum", group)[0], info["name"]
        assert len(scheduled.curve("lr", group)) == scheduled.iterations
    return built


def test_group_names_and_base_values_equal_the_schedules_mae_example():
    from sspec.compiler import compile_source

    text = (EXAMPLES / "mae_vit_tiny.ss").read_text(encoding="utf-8")
    p = compile_source(text, "mae_vit_tiny.ss").plan
    built = _check_against_schedules(p, TinyViT(blocks="layers"))
    assert [g["name"] for g in built.groups] == ["default", "line 22"]
    g = groups_by_name(built)
    assert set(g["line 22"]["params"]) >= {"cls_token", "pos_embed", "mask_token",
                                           "norm.weight", "head.bias", "layers.3.norm1.bias"}
    assert g["line 22"]["weight_decay"] == 0 and g["default"]["weight_decay"] == 0.05


def test_group_names_and_base_values_equal_the_schedules_simsiam_example():
    from sspec.compiler import compile_source

    text = (EXAMPLES / "simsiam_digits.ss").read_text(encoding="utf-8")
    p = compile_source(text, "simsiam_digits.ss").plan
    built = _check_against_schedules(p, ConvNet())
    g = groups_by_name(built)
    assert g["line 19"]["fixed_lr"] and all(n.startswith("predictor.")
                                            for n in g["line 19"]["params"])
    res = compute(p)
    assert (res.curve("lr", "line 19") == g["line 19"]["lr"]).all()   # fixed
    assert res.curve("lr")[-1] < g["default"]["lr"]                    # scheduled


@pytest.mark.parametrize("optimizer, rules", [
    ("SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4)",
     ('params bias, norm { decay_mult = 0 }\nparams "fc.*" { lr_mult = 10  momentum = 0.5 }\n'
      'params dwconv { weight_decay = 0.01  lr = 0.3 }')),
    ("AdamW(lr = 1e-3, weight_decay = 0.05, betas = (0.9, 0.95))",
     'params flat { decay_mult = 0 }\nparams "predictor.*" { lr_mult = 0.1 }'),
    ("LARS(lr = 4.8, momentum = 0.9, weight_decay = 1e-6)",
     "params bias, norm { decay_mult = 0  lr_mult = 0.024  lars_exclude = true }"),
    ("Lamb(lr = 5e-3, weight_decay = 0.02)",
     'params flat { decay_mult = 0 }\nparams "fc.*" { lr = 1e-2 }'),
])
def test_group_names_and_base_values_equal_the_schedules(optimizer, rules):
    schedule = ("schedule lr {\n  [0it, 8it) LinearLR(start_factor = 0.01) per iter\n"
                "  [8it, end) CosineAnnealingLR(eta_min = 0) per iter\n}")
    p = plan(optimizer, rules, schedule)
    built = _check_against_schedules(p, ConvNet())
    names = {g["name"] for g in built.groups}
    res = compute(p)
    # every rule group of the schedules that has parameters of its own is built
    assert set(res.group_info) <= names


def test_a_fixed_lr_group_is_one_the_schedules_leave_alone():
    p = plan(rules='params "predictor.*" { fixed_lr = true  lr_mult = 2 }',
             schedule="schedule lr { [0it, end) CosineAnnealingLR(eta_min = 0) per iter }")
    built = _check_against_schedules(p, ConvNet())
    res = compute(p)
    assert (res.curve("lr", "line 6") == 0.2).all()
    assert groups_by_name(built)["line 6"]["fixed_lr"]


# ------------------------------------------------------------------ errors


def test_a_rule_that_matches_nothing_is_an_error_at_its_line():
    p = plan(rules='params bias { decay_mult = 0 }\n'
                   'params "*pos_embed", "*cls_token" { decay_mult = 0  lr_mult = 2 }\n'
                   'params dwconv { lr_mult = 3 }')
    with pytest.raises(ParamRuleError) as info:
        build_optimizer(p, nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2)))
    err = info.value
    assert err.line == 7
    assert err.selectors == ({"glob": "*pos_embed"}, {"glob": "*cls_token"})
    assert '"*pos_embed", "*cls_token"' in err.message and "matches no parameter" in err.message
    assert "0.{weight,bias}" in err.help or "{0-1}.{weight,bias}" in err.help
    # every failing rule, in one pass
    assert [(q.line, q.message) for q in err.problems] == [
        (7, '`params "*pos_embed", "*cls_token"` matches no parameter of the model'),
        (8, "`params dwconv` matches no parameter of the model")]
    assert "line 7:" in str(err) and "line 8:" in str(err)


def test_a_selector_that_matches_nothing_in_a_rule_that_matches_is_a_note():
    p = plan(rules='params norm, bias, "*pos_embed" { decay_mult = 0 }')
    built = build_optimizer(p, ConvNet())
    assert [(w.line, w.selectors) for w in built.warnings] == [(6, ({"glob": "*pos_embed"},))]


def test_unknown_optimizer_and_arguments_are_errors():
    p = plan()
    p["optimizer"]["type"] = "NoSuchOptimizer"
    with pytest.raises(OptimizerBuildError, match="unknown optimizer"):
        build_optimizer(p, ConvNet())
    p = plan()
    p["optimizer"]["args"]["no_such_argument"] = 3
    with pytest.raises(OptimizerBuildError, match="no argument `no_such_argument`"):
        build_optimizer(p, ConvNet())
    # An argument of the registry's default that this torch lacks is dropped.
    p = plan()
    p["optimizer"]["args"]["no_such_flag"] = None
    build_optimizer(p, ConvNet())


def test_user_optimizer_by_module_and_attribute(monkeypatch):
    module = types.ModuleType("my_optimizers")

    class Mine(torch.optim.SGD):
        pass

    module.Mine = Mine
    monkeypatch.setitem(sys.modules, "my_optimizers", module)
    p = plan()
    p["optimizer"].update(type="my_optimizers:Mine", user=True, args={"lr": 0.5})
    built = build_optimizer(p, ConvNet())
    assert type(built.optimizer) is Mine and built.groups[0]["lr"] == 0.5


@pytest.mark.parametrize("name", [c.name for c in TORCH] + ["LARS", "Lamb"])
def test_every_registered_optimizer_builds_from_its_plan_defaults(name):
    args = "lr = 0.1" if name == "LARS" else ""
    p = plan(f"{name}({args})")
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    built = build_optimizer(p, model)
    assert type(built.optimizer).__name__ == name
    if name in ("LBFGS", "SparseAdam"):
        return   # needs a closure / sparse gradients
    before = [q.detach().clone() for q in model.parameters()]
    model(torch.randn(5, 3)).pow(2).sum().backward()
    built.optimizer.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


# ------------------------------------------------------------------ layer decay


def test_layer_ids_of_vit_like_names():
    names = [n for n, _ in TinyViT(depth=3).named_parameters()]
    ids = layer_ids(names, {"rate": 0.5, "layers": 3, "blocks": "*blocks.{}.*",
                            "embed": ["*cls_token", "*pos_embed", "*mask_token", "*patch_embed*"]})
    assert ids["cls_token"] == ids["pos_embed"] == ids["mask_token"] == 0
    assert ids["patch_embed.weight"] == ids["patch_embed.bias"] == 0
    assert ids["blocks.0.attn.weight"] == 1 and ids["blocks.2.mlp.2.bias"] == 3
    assert ids["norm.weight"] == ids["head.bias"] == 4
    # MMPretrain's / MMSelfSup's naming, `layers.{}`, given explicitly
    ids = layer_ids(["backbone.layers.11.ffn.weight", "backbone.ln1.weight"],
                    {"rate": 0.5, "layers": 12, "embed": [], "blocks": "*layers.{}.*"})
    assert ids == {"backbone.layers.11.ffn.weight": 12, "backbone.ln1.weight": 13}


def test_layer_decay_scales_each_groups_lr_per_layer():
    text = ("recipe ft\ntrain { epochs = 2  iters_per_epoch = 4 }\n"
            "model = vit(channels = 1, img_size = 8, patch = 2, depth = 4)\n"
            "data = digits()\n"
            "optimizer AdamW(lr = 1e-3, weight_decay = 0.05) {\n"
            '    params norm, bias, "*pos_embed", "*cls_token" { decay_mult = 0 }\n'
            '    params "head.*" { lr_mult = 10 }\n'
            '    layer_decay(rate = 0.65, layers = 4, blocks = "blocks.{}.*")\n'
            "}\n"
            "schedule lr { [0it, end) CosineAnnealingLR(eta_min = 0) per iter }\n")
    p = plan_of(text)
    model = TinyViT(depth=4)
    built = _check_against_schedules(p, model)
    rate, layers = 0.65, 4
    ids = layer_ids([n for n, _ in model.named_parameters()], p["optimizer"]["layer_decay"])
    base = {"default": (1e-3, 0.05), "line 6": (1e-3, 0.0), "line 7": (1e-2, 0.05),
            "line 6 + line 7": (1e-2, 0.0)}
    for tg, info in zip(built.optimizer.param_groups, built.groups):
        lr, wd = base[info["schedule_group"]]
        layer = info["layer_id"]
        assert info["name"] == f"{info['schedule_group']} / layer {layer}"
        assert {ids[n] for n in info["params"]} == {layer}
        assert info["lr_scale"] == rate ** (layers + 1 - layer) == tg["lr_scale"]
        assert tg["lr"] == lr * rate ** (layers + 1 - layer) == tg["initial_lr"]
        assert tg["weight_decay"] == wd and tg["layer_id"] == layer
    g = groups_by_name(built)
    assert g["default / layer 0"]["params"] == ["mask_token", "patch_embed.weight"]
    assert g["line 6 / layer 0"]["params"] == ["cls_token", "pos_embed", "patch_embed.bias"]
    assert set(g["default / layer 3"]["params"]) == {
        "blocks.2.attn.weight", "blocks.2.mlp.0.weight", "blocks.2.mlp.2.weight"}
    assert g["line 7 / layer 5"]["params"] == ["head.weight"]
    assert g["line 6 + line 7 / layer 5"]["params"] == ["head.bias"]
    assert g["line 6 / layer 5"]["lr"] == 1e-3          # the last layer is not scaled
    # ordered: default, rule groups, combinations; by layer within each
    order = [(gr["schedule_group"], gr["layer_id"]) for gr in built.groups]
    assert order == sorted(order, key=lambda x: (
        ["default", "line 6", "line 7", "line 6 + line 7"].index(x[0]), x[1]))
    # layer decay zeroes no weight decay by itself
    assert all(gr["weight_decay"] == 0.05 for gr in built.groups
               if gr["schedule_group"] == "default")


def test_layer_decay_with_too_few_layers_is_an_error():
    p = plan("AdamW(lr = 1e-3) {\n    layer_decay(rate = 0.5, layers = 2, blocks = \"blocks.{}.*\")\n}")
    with pytest.raises(OptimizerBuildError, match="block 2") as info:
        build_optimizer(p, TinyViT(depth=4))
    assert "4" in info.value.help
    # fewer blocks than `layers`, or no match at all: notes
    p = plan("AdamW(lr = 1e-3) {\n    layer_decay(rate = 0.5, layers = 6, blocks = \"blocks.{}.*\")\n}")
    built = build_optimizer(p, TinyViT(depth=4))
    assert any("block(s) 4, 5" in w.message for w in built.warnings)
    p = plan("AdamW(lr = 1e-3) {\n    layer_decay(rate = 0.5, layers = 4, "
             "blocks = \"*layers.{}.*\")\n}")
    built = build_optimizer(p, TinyViT(depth=4))
    assert any("no parameter matches the blocks glob" in w.message for w in built.warnings)
    # the default glob is sspec's own naming, `blocks.{}`: no warning
    p = plan("AdamW(lr = 1e-3) {\n    layer_decay(rate = 0.5, layers = 4)\n}")
    assert not build_optimizer(p, TinyViT(depth=4)).warnings


# ------------------------------------------------------------------ meta device, table


def test_building_on_the_meta_device_allocates_no_storage():
    with torch.device("meta"):
        model = TinyViT(dim=64, depth=12)
    assert all(q.is_meta for q in model.parameters())
    text = (EXAMPLES / "mae_vit_tiny.ss").read_text(encoding="utf-8")
    from sspec.compiler import compile_source

    p = compile_source(text, "mae.ss").plan
    built = build_optimizer(p, model)
    assert all(q.is_meta for g in built.optimizer.param_groups for q in g["params"])
    assert not built.optimizer.state
    assert sum(g["numel"] for g in built.groups) == sum(q.numel() for q in model.parameters())


def test_param_table_builds_the_plans_model_on_the_meta_device(monkeypatch):
    seen = []

    def build_model(spec, uses=()):
        seen.append((spec["type"], torch.empty(1).device.type))
        return TinyViT(depth=2, blocks="layers")

    fake = types.ModuleType("sspec.runtime.models")
    fake.build_model = build_model
    monkeypatch.setitem(sys.modules, "sspec.runtime.models", fake)
    import sspec.runtime

    monkeypatch.setattr(sspec.runtime, "models", fake, raising=False)
    from sspec.compiler import compile_source

    p = compile_source((EXAMPLES / "mae_vit_tiny.ss").read_text(encoding="utf-8"), "m.ss").plan
    table = param_table(p)
    assert seen == [("mae_vit", "meta")]
    lines = table.splitlines()
    assert lines[0].split(" | ") == ["group  ", "params" + " " * (len(lines[0].split(" | ")[1]) - 6),
                                     "lr      ", "weight_decay", "flags"]
    assert lines[1].startswith("--------+-")
    assert any(line.startswith("default | ") for line in lines)
    assert any(line.startswith("line 22 | ") for line in lines)
    assert "layers.{0-1}.attn.weight" in table
    assert "3.75e-05" in table
    model = TinyViT(depth=2, blocks="layers")
    count = len(list(model.parameters()))
    numel = sum(q.numel() for q in model.parameters())
    assert lines[-1] == f"{count} parameter tensors ({numel:,} values) in 2 groups"


def test_table_shows_flags_and_wraps_long_parameter_lists():
    p = plan("LARS(lr = 0.3, momentum = 0.9, weight_decay = 1e-6)",
             rules="params norm, bias { decay_mult = 0  lars_exclude = true }\n"
                   'params "predictor.*" { fixed_lr = true  momentum = 0.5 }')
    table = build_optimizer(p, ConvNet()).table(width=80)
    assert all(len(line) <= 80 for line in table.splitlines()[:-1])
    assert "lars_exclude" in table and "fixed_lr" in table and "momentum=0.5" in table
    row = next(line for line in table.splitlines() if line.startswith("line 6 "))
    assert "| 0.3 " in row and "| 0 " in row


def test_abbreviate_collapses_indices_and_sibling_leaves():
    names = [f"blocks.{i}.{part}.{leaf}" for i in range(12) for part in ("norm1", "attn")
             for leaf in ("weight", "bias")] + ["head.weight", "cls_token"]
    assert abbreviate(names) == ["blocks.{0-11}.norm1.{weight,bias}",
                                 "blocks.{0-11}.attn.{weight,bias}", "head.weight", "cls_token"]
    # not a full grid: only the last index collapses
    names = ["stages.0.blocks.0.w", "stages.0.blocks.1.w", "stages.1.blocks.0.w"]
    assert abbreviate(names) == ["stages.0.blocks.{0-1}.w", "stages.1.blocks.0.w"]
    assert abbreviate(["a.1.w", "a.2.w", "a.3.w", "a.7.w"]) == ["a.{1-3,7}.w"]


# ------------------------------------------------------------------ LARS numerics


def _lars_reference(params, grads_per_step, groups, steps):
    """MMSelfSup 1.x's LARS written out plainly with Python floats, except that
    an excluded group takes no weight decay."""
    params = [[q.clone() for q in g] for g in params]
    bufs = {}
    for step in range(steps):
        for gi, group in enumerate(groups):
            lr, wd, m = group["lr"], group["weight_decay"], group["momentum"]
            for pi, p in enumerate(params[gi]):
                g = grads_per_step[step][gi][pi]
                if group.get("lars_exclude"):
                    d = g * lr
                else:
                    wn, gn = torch.norm(p).item(), torch.norm(g).item()
                    local = 1.0
                    if wn != 0 and gn != 0:
                        local = group["eta"] * wn / (gn + wd * wn + group["eps"])
                    d = g.add(p, alpha=wd).mul(local * lr)
                if m != 0:
                    key = (gi, pi)
                    if key not in bufs:
                        bufs[key] = d.clone()
                    else:
                        bufs[key].mul_(m).add_(d, alpha=1 - group["dampening"])
                    d = d.add(bufs[key], alpha=m) if group["nesterov"] else bufs[key]
                p.sub_(d)
    return params


@pytest.mark.parametrize("nesterov, dampening", [(False, 0.0), (True, 0.0), (False, 0.1)])
def test_lars_matches_the_reference_bit_for_bit(nesterov, dampening):
    gen = torch.Generator().manual_seed(0)
    shapes = [[(4, 3), (3,)], [(5,), (2, 2)]]
    init = [[torch.randn(s, generator=gen) for s in g] for g in shapes]
    init[0][1].zero_()          # a zero weight: trust ratio 1
    steps = 4
    grads = [[[torch.randn(s, generator=gen) for s in g] for g in shapes] for _ in range(steps)]
    grads[1][0][0].zero_()      # a zero gradient: trust ratio 1
    hyper = dict(lr=0.5, momentum=0.9, weight_decay=1e-2, dampening=dampening, eta=0.02,
                 nesterov=nesterov, eps=1e-8)
    groups = [dict(hyper), dict(hyper, lars_exclude=True, lr=0.1)]
    params = [[nn.Parameter(t.clone()) for t in g] for g in init]
    opt = LARS([{"params": params[0]}, {"params": params[1], "lars_exclude": True, "lr": 0.1}],
               **{k: v for k, v in hyper.items()})
    for step in range(steps):
        for gi in range(2):
            for pi, p in enumerate(params[gi]):
                p.grad = grads[step][gi][pi].clone()
        opt.step()
    expected = _lars_reference(init, grads, groups, steps)
    for got_g, exp_g in zip(params, expected):
        for got, exp in zip(got_g, exp_g):
            assert torch.equal(got.detach(), exp)


def test_lars_excluded_groups_take_no_weight_decay_and_no_trust_ratio():
    p = nn.Parameter(torch.ones(3))
    opt = LARS([{"params": [p], "lars_exclude": True}], lr=0.1, weight_decay=0.5, eta=0.001)
    p.grad = torch.full((3,), 2.0)
    opt.step()
    assert torch.allclose(p.detach(), torch.full((3,), 1 - 0.1 * 2.0))
    q = nn.Parameter(torch.ones(3))
    opt = LARS([q], lr=0.1, weight_decay=0.5, eta=0.001)
    q.grad = torch.full((3,), 2.0)
    opt.step()
    wn, gn = math.sqrt(3), 2 * math.sqrt(3)
    trust = 0.001 * wn / (gn + 0.5 * wn + 1e-8)
    assert torch.allclose(q.detach(), torch.full((3,), 1 - 0.1 * trust * (2.0 + 0.5)))


def test_lars_validates_its_arguments_and_pickles_its_state():
    with pytest.raises(ValueError):
        LARS([nn.Parameter(torch.ones(1))], lr=-1.0)
    with pytest.raises(ValueError):
        LARS([nn.Parameter(torch.ones(1))], lr=0.1, nesterov=True)
    p = nn.Parameter(torch.ones(2))
    opt = LARS([p], lr=0.1, momentum=0.9)
    p.grad = torch.ones(2)
    opt.step()
    state = opt.state_dict()
    opt2 = LARS([nn.Parameter(torch.ones(2))], lr=0.1, momentum=0.9)
    opt2.load_state_dict(state)
    assert opt2.param_groups[0]["eps"] == 1e-8 and opt2.param_groups[0]["lars_exclude"] is False


# ------------------------------------------------------------------ Lamb numerics


def _lamb_reference(init, grads, groups, max_grad_norm, steps):
    """MMPretrain's Lamb written out plainly, one parameter at a time."""
    params = [[q.clone() for q in g] for g in init]
    m = {k: torch.zeros_like(q) for k, q in
         (((gi, pi), q) for gi, g in enumerate(params) for pi, q in enumerate(g))}
    v = {k: torch.zeros_like(q) for k, q in m.items()}
    for step in range(1, steps + 1):
        gs = grads[step - 1]
        total = torch.zeros(1)
        for g in gs:
            for x in g:
                total += x.pow(2).sum()
        norm = total.sqrt()
        clip = norm / max_grad_norm if norm.item() > max_grad_norm else torch.ones(1)
        for gi, group in enumerate(groups):
            b1, b2 = group["betas"]
            c1 = 1 - b1 ** step if group["bias_correction"] else 1.0
            c2 = 1 - b2 ** step if group["bias_correction"] else 1.0
            for pi, p in enumerate(params[gi]):
                g = gs[gi][pi] / clip
                key = (gi, pi)
                m[key] = m[key] * b1 + g * ((1 - b1) if group["grad_averaging"] else 1.0)
                v[key] = v[key] * b2 + g * g * (1 - b2)
                u = (m[key] / c1) / (v[key].sqrt() / math.sqrt(c2) + group["eps"])
                wd = group["weight_decay"]
                if wd != 0:
                    u = u + wd * p
                if wd != 0 or group["always_adapt"]:
                    wn, un = p.norm().item(), u.norm().item()
                    ratio = wn / un if wn > 0 and un > 0 else 1.0
                    if group["trust_clip"]:
                        ratio = min(ratio, 1.0)
                    u = u * ratio
                p -= group["lr"] * u
    return params


@pytest.mark.parametrize("variant", [
    {},
    {"bias_correction": False, "grad_averaging": False},
    {"trust_clip": True, "always_adapt": True},
])
@pytest.mark.parametrize("max_grad_norm", [1.0, 100.0])   # clipping, no clipping
def test_lamb_matches_the_reference(variant, max_grad_norm):
    gen = torch.Generator().manual_seed(1)
    shapes = [[(4, 3), (3,)], [(6,)]]
    init = [[torch.randn(s, generator=gen) for s in g] for g in shapes]
    steps = 5
    grads = [[[3 * torch.randn(s, generator=gen) for s in g] for g in shapes]
             for _ in range(steps)]
    hyper = dict(lr=0.05, bias_correction=True, betas=(0.9, 0.99), eps=1e-6,
                 weight_decay=0.1, grad_averaging=True, trust_clip=False, always_adapt=False)
    hyper.update(variant)
    groups = [dict(hyper), dict(hyper, weight_decay=0.0)]
    params = [[nn.Parameter(t.clone()) for t in g] for g in init]
    opt = Lamb([{"params": params[0]}, {"params": params[1], "weight_decay": 0.0}],
               max_grad_norm=max_grad_norm, **hyper)
    for step in range(steps):
        for gi in range(2):
            for pi, p in enumerate(params[gi]):
                p.grad = grads[step][gi][pi].clone()
        opt.step()
        # the gradients are left as they were
        assert torch.equal(params[0][0].grad, grads[step][0][0])
    expected = _lamb_reference(init, grads, groups, max_grad_norm, steps)
    for got_g, exp_g in zip(params, expected):
        for got, exp in zip(got_g, exp_g):
            torch.testing.assert_close(got.detach(), exp, rtol=1e-6, atol=1e-7)
    assert opt.param_groups[0]["step"] == steps


def test_lamb_skips_parameters_without_gradients_and_empty_steps():
    p, q = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    opt = Lamb([p, q], lr=0.1)
    opt.step()                       # no gradient at all
    p.grad = torch.ones(2)
    opt.step()
    assert torch.equal(q.detach(), torch.ones(2)) and not torch.equal(p.detach(), torch.ones(2))
