"""`sspec import`: MMEngine configs (read with `ast`, never run) → recipes.

The configs under tests/import_configs/ are small re-writings of real OpenMMLab
configs (same structure and values). Each must import without errors, the
recipe written must check clean, and its Plan must schedule exactly what
MMEngine would: the expected numbers below are worked out by hand from
MMEngine's rules (begin=0, end=max_epochs/max_iters, by_epoch=True,
convert_to_iter_based multiplying bounds and step counts by the epoch length).
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sspec.cli import main as cli
from sspec.compiler import compile_source
from sspec.diagnostics import TextRenderer
from sspec.codes import CODES
from sspec.importer import import_config

CONFIGS = Path(__file__).parent / "import_configs"


# ------------------------------------------------------------------ helpers

def shown(result) -> str:
    return TextRenderer(result.sources).render_all(result.diagnostics)


def imported(path, iters_per_epoch=None):
    """Import a config that must import without errors."""
    result = import_config(str(path), iters_per_epoch)
    assert result.text is not None, shown(result)
    assert not [d for d in result.diagnostics if d.is_error], shown(result)
    return result


def plan_of(result) -> dict:
    """The Plan of the written recipe, which must check without any diagnostic."""
    compiled = compile_source(result.text, "imported.ss")
    assert compiled.diagnostics == [], compiled.diagnostics
    return compiled.plan


def phases(plan, target="lr"):
    return [(p["scheduler"], p["begin"], p["end"], p["per"], p["args"])
            for p in plan["schedules"][target]]


def codes(result):
    """(code, file name, line) of every diagnostic."""
    return [(d.code, os.path.basename(d.span.file), d.span.line) for d in result.diagnostics]


def has(result, code, file=None, line=None) -> bool:
    return any(c == code and (file is None or f == file) and (line is None or n == line)
               for c, f, n in codes(result))


def hooks(plan):
    """(type, priority, the arguments that differ from the registry's defaults)."""
    return [(h["type"], h["priority"], _given(h["type"], h["args"])) for h in plan["hook_defs"]
            if h["type"] != "ParamSchedulerHook"]


def without_defaults(expected):
    """Expected hook tuples, normalised like `hooks` (defaults dropped)."""
    return [(t, p, _given(t, a)) for t, p, a in expected]


def _given(hook_type: str, args: dict) -> dict:
    from sspec.compiler.values import Duration, to_json
    from sspec.registry import lookup, schema_defaults

    defaults = schema_defaults(lookup(hook_type).schema)

    def same(value, default) -> bool:
        if isinstance(default, Duration):
            return isinstance(value, dict) and (value["value"], value["unit"]) == (
                default.value, default.unit)
        return value == to_json(default)

    return {k: v for k, v in args.items() if not (k in defaults and same(v, defaults[k]))}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def dur(value, unit, iters):
    return {"value": value, "unit": unit, "iters": iters}


SGD_BASE = """
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10)
"""


# ------------------------------------------------------------------ MMSelfSup: MAE

MAE = CONFIGS / "mmselfsup" / "mae"


def test_mae_300e_schedule_optimizer_and_hooks():
    result = imported(MAE / "mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py", 312)
    plan = plan_of(result)
    ipe = 312
    assert plan["train"]["epochs"] == 300
    assert plan["train"]["iters"] == 300 * ipe
    assert plan["train"]["precision"] == "fp16"       # AmpOptimWrapper's default dtype
    assert plan["train"]["seed"] == 0
    assert phases(plan) == [
        ("LinearLR", 0, 40 * ipe, "iter", {"start_factor": 1e-4, "end_factor": 1.0}),
        ("CosineAnnealingLR", 40 * ipe, 300 * ipe, "iter", {"T_max": 260 * ipe}),
    ]
    opt = plan["optimizer"]
    assert opt["type"] == "AdamW"
    assert opt["args"]["lr"] == 1.5e-4 * 4096 / 256
    assert opt["args"]["betas"] == [0.9, 0.95]
    assert opt["args"]["weight_decay"] == 0.05
    # every custom key matches as a substring of the parameter name
    assert opt["rules"] == [{
        "selectors": [{"glob": "*ln*"}, {"glob": "*bias*"}, {"glob": "*pos_embed*"},
                      {"glob": "*cls_token*"}, {"glob": "*mask_token*"}],
        "settings": {"decay_mult": 0.0}, "line": opt["rules"][0]["line"]}]
    assert hooks(plan) == without_defaults([
        ("LoggerHook", 60, {"interval": dur(100, "it", 100)}),
        ("CheckpointHook", 90, {"interval": dur(1, "ep", ipe), "keep": 3}),
    ])


def test_mae_recipe_reads_like_a_hand_written_one():
    text = imported(MAE / "mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py", 312).text
    assert text.startswith("# Imported by `sspec import` from "
                           "mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py\n")
    assert "recipe mae_vit_base_p16_8xb512_amp_coslr_300e_in1k\n" in text
    assert "lr = 1.5e-4 * 4096 / 256" in text               # the config's own arithmetic
    assert "[0ep, 40ep)    LinearLR(start_factor = 0.0001)   per iter" in text
    assert "[40ep, 300ep)  CosineAnnealingLR(T_max = 260ep)  per iter" in text
    assert "model = mae_vit(" in text and "data  = synthetic_images(" in text
    assert "# Stand-ins:" in text
    assert "iters_per_epoch = 312" in text


def test_mae_stand_ins_are_warnings_naming_config_lines():
    result = imported(MAE / "mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py", 312)
    assert has(result, "W602", "mae_vit-base-p16.py", 2)                        # model = dict(
    assert has(result, "W602", "mae_vit-base-p16_8xb512-coslr-400e_in1k.py", 9)  # train_dataloader
    assert [c for c, _, _ in codes(result)] == ["W602", "W602"]


@pytest.mark.parametrize("name, precision, t_max", [
    ("mae_vit-base-p16_8xb512-coslr-400e_in1k.py", "fp32", 360),
    ("mae_vit-base-p16_8xb512-amp-coslr-400e_in1k.py", "fp16", 360),
    ("mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py", "fp16", 260),
])
def test_mae_chain_each_level(name, precision, t_max):
    plan = plan_of(imported(MAE / name, 100))
    assert plan["train"]["precision"] == precision
    assert phases(plan)[1][4] == {"T_max": t_max * 100}


def test_plan_through_the_cli(tmp_path):
    result = imported(MAE / "mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py", 312)
    recipe = tmp_path / "mae.ss"
    recipe.write_text(result.text, encoding="utf-8")
    run = CliRunner().invoke(cli, ["compile", str(recipe)])
    assert run.exit_code == 0, run.output
    plan = json.loads(run.output)
    assert [(p["begin"], p["end"]) for p in plan["schedules"]["lr"]] == \
        [(0, 12480), (12480, 93600)]


# ------------------------------------------------------------------ MMSelfSup: DenseCL, SimSiam

def test_densecl():
    result = imported(CONFIGS / "mmselfsup/densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py",
                      5004)
    plan = plan_of(result)
    assert plan["optimizer"]["type"] == "SGD"
    assert {k: plan["optimizer"]["args"][k] for k in ("lr", "momentum", "weight_decay")} == \
        {"lr": 0.03, "momentum": 0.9, "weight_decay": 1e-4}
    # by_epoch=True without conversion: stepped once an epoch, T_max in epochs
    assert phases(plan) == [("CosineAnnealingLR", 0, 200 * 5004, "epoch", {"T_max": 200})]
    assert hooks(plan) == without_defaults([
        ("DenseCLHook", 50, {"start_iters": 1000}),
        ("LoggerHook", 60, {"interval": dur(50, "it", 50)}),
        ("CheckpointHook", 90, {"interval": dur(10, "ep", 50040), "keep": 3}),
    ])
    assert plan["model"]["type"] == "densecl"
    assert plan["model"]["args"]["loss_lambda"] == 0.5


def test_simsiam_fixed_predictor_lr():
    result = imported(CONFIGS / "mmselfsup/simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py",
                      5004)
    plan = plan_of(result)
    assert phases(plan) == [("CosineAnnealingLR", 0, 100 * 5004, "epoch", {"T_max": 100})]
    assert plan["optimizer"]["args"]["lr"] == 0.05
    assert [(r["selectors"], r["settings"]) for r in plan["optimizer"]["rules"]] == \
        [([{"glob": "*predictor*"}], {"fixed_lr": True})]
    assert ("SimSiamHook", 30, {"fix_pred_lr": True, "lr": 0.05}) in hooks(plan)
    # `lr` feeds both the optimizer and the hook: one `let`
    assert "let lr = 0.05" in result.text
    assert "SGD(lr = lr," in result.text
    assert "SimSiamHook(fix_pred_lr = true, lr = lr)" in result.text


def test_epoch_length_unknown_is_a_warning():
    result = imported(CONFIGS / "mmselfsup/simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py")
    assert has(result, "W606", "simsiam_resnet50_8xb32-coslr-100e_in1k.py", 8)
    plan = plan_of(result)
    assert plan["train"]["iters_per_epoch"] == 8      # the stand-in data's length


# ------------------------------------------------------------------ MMDetection

def test_mmdet_schedule_1x_stacks_the_warmup():
    result = imported(CONFIGS / "mmdet/_base_/schedules/schedule_1x.py", 7330)
    plan = plan_of(result)
    lr = plan["schedules"]["lr"]
    assert [(p["scheduler"], p["begin"], p["end"], p["per"]) for p in lr] == [
        ("LinearLR", 0, 500, "iter"),
        ("MultiStepLR", 0, 12 * 7330, "epoch"),
    ]
    assert lr[0]["stack"] is not None and lr[0]["stack"] == lr[1]["stack"]
    assert lr[1]["args"] == {"milestones": [8, 11], "gamma": 0.1}
    assert plan["optimizer"]["args"]["lr"] == 0.02
    assert "stack {" in result.text
    # no default_hooks in this file: MMEngine's own LoggerHook() and CheckpointHook(interval=1)
    assert hooks(plan) == without_defaults([("LoggerHook", 60, {"interval": dur(10, "it", 10)}),
                           ("CheckpointHook", 90, {"interval": dur(1, "ep", 7330)})])


def test_mmdet_child_overrides_the_optimizer_lr_only():
    result = imported(CONFIGS / "mmdet/retinanet/retinanet_r50_fpn_1x_coco.py", 7330)
    plan = plan_of(result)
    assert {k: plan["optimizer"]["args"][k] for k in ("lr", "momentum", "weight_decay")} == \
        {"lr": 0.01, "momentum": 0.9, "weight_decay": 1e-4}
    assert [(p["scheduler"], p["begin"], p["end"]) for p in plan["schedules"]["lr"]] == \
        [("LinearLR", 0, 500), ("MultiStepLR", 0, 87960)]
    assert hooks(plan) == without_defaults([("LoggerHook", 60, {"interval": dur(50, "it", 50)}),
                           ("CheckpointHook", 90, {"interval": dur(1, "ep", 7330)})])
    assert has(result, "W601", "default_runtime.py", 9)       # DetVisualizationHook
    assert has(result, "W601", "schedule_1x.py", 3)           # the validation loop
    assert plan["model"]["args"]["num_classes"] == 80


def test_mmdet_without_epoch_length_still_fits_the_warmup():
    # 500 warm-up iterations in 12 epochs need at least 42 iterations an epoch
    result = imported(CONFIGS / "mmdet/retinanet/retinanet_r50_fpn_1x_coco.py")
    plan = plan_of(result)
    assert plan["train"]["iters_per_epoch"] == 42
    assert has(result, "W606")


# ------------------------------------------------------------------ MMPretrain: layer decay

def test_mmpretrain_layer_decay_finetune():
    path = CONFIGS / "mmpretrain/mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py"
    result = imported(path, 1251)
    plan = plan_of(result)
    opt = plan["optimizer"]
    assert opt["layer_decay"]["rate"] == 0.65 and opt["layer_decay"]["layers"] == 12
    # the child's optimizer dict is merged into the base's: eps comes from the base
    assert {k: opt["args"][k] for k in ("lr", "weight_decay", "eps", "betas")} == \
        {"lr": 2e-3, "weight_decay": 0.05, "eps": 1e-8, "betas": [0.9, 0.999]}
    # the base's decay multipliers and custom keys, the child's custom keys merged in;
    # the longest custom key wins, so it comes last
    assert [(r["selectors"], r["settings"]) for r in opt["rules"]] == [([
        {"class": "flat"}, {"class": "bias"}, {"class": "norm"}, {"glob": "*.ln*"},
        {"glob": "*.bias*"}, {"glob": "*.pos_embed*"}, {"glob": "*.cls_token*"},
        {"glob": "*.absolute_pos_embed*"}, {"glob": "*.relative_position_bias_table*"}],
        {"decay_mult": 0.0})]
    assert phases(plan) == [
        ("LinearLR", 0, 5 * 1251, "iter", {"start_factor": 1e-4, "end_factor": 1.0}),
        ("CosineAnnealingLR", 5 * 1251, 100 * 1251, "iter", {"T_max": 95 * 1251,
                                                             "eta_min": 1e-6}),
    ]
    assert plan["model"]["type"] == "vit" and plan["model"]["args"]["depth"] == 12
    assert has(result, "W607", "vit-base-p16_8xb128-coslr-100e_in1k.py", 13)  # arch='base'
    assert has(result, "W603", "imagenet_bs64_swin_224.py", 15)  # the comprehension


def test_mmselfsup_layer_decay_in_the_optimizer(tmp_path):
    path = write(tmp_path, "ft.py", """
        model = dict(type='ImageClassifier', backbone=dict(type='VisionTransformer', arch='large'))
        optim_wrapper = dict(
            optimizer=dict(type='AdamW', lr=4e-3, weight_decay=0.05,
                           model_type='vit', layer_decay_rate=0.75),
            constructor='mmselfsup.LearningRateDecayOptimWrapperConstructor',
            paramwise_cfg=dict(custom_keys={'.pos_embed': dict(decay_mult=0.0, lr_mult=2.0)}))
        train_cfg = dict(by_epoch=True, max_epochs=50)
    """)
    result = imported(path, 10)
    plan = plan_of(result)
    assert plan["optimizer"]["layer_decay"]["rate"] == 0.75
    assert plan["optimizer"]["layer_decay"]["layers"] == 24
    assert "model_type" not in plan["optimizer"]["args"]
    assert [r["settings"] for r in plan["optimizer"]["rules"]] == [{"decay_mult": 0.0}]
    assert has(result, "W601", "ft.py", 6)        # lr_mult: that constructor ignores it


def test_layer_decay_for_a_non_vit_backbone_is_an_error(tmp_path):
    path = write(tmp_path, "ft.py", """
        model = dict(type='ImageClassifier', backbone=dict(type='ConvNeXt', arch='tiny'))
        optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3),
                             constructor='LearningRateDecayOptimWrapperConstructor',
                             paramwise_cfg=dict(layer_decay_rate=0.8))
        train_cfg = dict(by_epoch=True, max_epochs=50)
    """)
    result = import_config(str(path), 10)
    assert result.text is None and has(result, "E611", "ft.py", 3)


# ------------------------------------------------------------------ _base_ merging

CORNER = CONFIGS / "corner"


def test_list_of_bases_merges_their_keys():
    plan = plan_of(imported(CORNER / "child_list.py", 10))
    assert plan["optimizer"]["type"] == "SGD"
    assert hooks(plan) == without_defaults([
        ("EMAHook", 49, {"momentum": 0.0001}),
        ("LoggerHook", 60, {"interval": dur(20, "it", 20)}),
        ("CheckpointHook", 90, {"interval": dur(5, "ep", 50), "keep": 2}),
    ])


def test_delete_replaces_instead_of_merging():
    result = imported(CORNER / "child_delete.py", 10)
    plan = plan_of(result)
    assert plan["optimizer"]["type"] == "Adam"
    assert "optimizer Adam(lr = 1e-3)\n" in result.text   # no momentum leaks from SGD
    assert not has(result, "W601")


def test_child_overrides_a_nested_key():
    plan = plan_of(imported(CORNER / "child_nested.py", 10))
    args = plan["optimizer"]["args"]
    assert (plan["optimizer"]["type"], args["lr"], args["momentum"], args["weight_decay"]) == \
        ("SGD", 0.4, 0.9, 5e-4)


def test_child_optimizer_without_optim_wrapper_changes_nothing():
    result = imported(CORNER / "child_optimizer_only.py", 10)
    assert plan_of(result)["optimizer"]["args"]["lr"] == 0.1      # the base's, as in MMEngine
    assert has(result, "W604", "child_optimizer_only.py", 5)
    # a base's own helper `optimizer` is not worth a warning
    assert not has(imported(CORNER / "child_nested.py", 10), "W604")


def test_duplicate_key_among_bases_is_an_error():
    result = import_config(str(CORNER / "child_dup.py"))
    assert result.text is None
    assert codes(result) == [("E605", "child_dup.py", 1)]


def test_missing_base_is_an_error_at_its_name():
    result = import_config(str(CORNER / "child_missing.py"))
    assert result.text is None
    assert codes(result) == [("E603", "child_missing.py", 3)]
    d = result.diagnostics[0]
    assert (d.span.column, d.span.end_column) == (5, 22)   # 'no_such_base.py'


def test_base_in_another_package_is_an_error(tmp_path):
    path = write(tmp_path, "c.py", "_base_ = ['mmcls::_base_/default_runtime.py']\n")
    result = import_config(str(path))
    assert codes(result) == [("E604", "c.py", 1)] and result.text is None


def test_base_including_itself_is_an_error(tmp_path):
    write(tmp_path, "a.py", "_base_ = 'b.py'\n")
    path = write(tmp_path, "b.py", "_base_ = 'a.py'\n")
    result = import_config(str(path))
    assert [c for c, _, _ in codes(result)] == ["E604"]


def test_child_dict_over_a_base_value_of_another_type(tmp_path):
    write(tmp_path, "base.py", SGD_BASE + "param_scheduler = None\n")
    path = write(tmp_path, "child.py", """
        _base_ = 'base.py'
        train_cfg = 'long'
    """)
    assert import_config(str(path)).text is None   # a string is not a loop: E610
    path = write(tmp_path, "child2.py", """
        _base_ = 'base2.py'
        param_scheduler = dict(type='ConstantLR')
    """)
    write(tmp_path, "base2.py", SGD_BASE + "param_scheduler = [dict(type='LinearLR')]\n")
    result = import_config(str(path))
    assert codes(result) == [("E606", "child2.py", 2)]
    path = write(tmp_path, "child3.py", """
        _base_ = 'base2.py'
        param_scheduler = dict(_delete_=True, type='ConstantLR', factor=0.5)
    """)
    plan = plan_of(imported(path, 10))
    assert phases(plan) == [("ConstantLR", 0, 100, "epoch", {"factor": 0.5})]


# ------------------------------------------------------------------ evaluation

def test_arithmetic_names_and_base_references():
    result = imported(CORNER / "child_arith.py", 100)
    plan = plan_of(result)
    assert plan["train"]["epochs"] == 50                       # 100 // 2
    assert plan["optimizer"]["args"]["lr"] == 0.1 * 64 * 8 / 256
    assert plan["optimizer"]["args"]["weight_decay"] == 1e-4 * 5
    assert phases(plan) == [
        ("LinearLR", 0, 500, "iter", {"start_factor": 1 / 3, "end_factor": 1.0}),
        ("CosineAnnealingLR", 500, 5000, "iter", {"T_max": 4500, "eta_min": 0.2 * 1e-2}),
    ]
    assert ("CheckpointHook", 90, {"interval": dur(5, "ep", 500)}) in hooks(plan)  # {{_base_...}}
    assert "weight_decay = 1e-4 * 5" in result.text and "start_factor = 1 / 3" in result.text


def test_skipped_constructs_warn_on_their_lines():
    result = imported(CORNER / "child_skipped.py", 10)
    skipped = [(line, d.message) for d, (c, f, line) in zip(result.diagnostics, codes(result))
               if c == "W603"]
    assert [line for line, _ in skipped] == [2, 4, 5, 6, 9]
    assert "import" in skipped[0][1] and "os.path.join" in skipped[1][1]
    assert "comprehension" in skipped[2][1] and "f-string" in skipped[3][1]
    assert "scale" in skipped[4][1]
    assert plan_of(result)["optimizer"]["args"]["lr"] == 0.2


def test_needed_value_from_skipped_code_is_an_error():
    result = import_config(str(CORNER / "child_opaque.py"))
    assert result.text is None
    assert has(result, "E613", "child_opaque.py", 4) and has(result, "W603", "child_opaque.py", 4)


def test_value_set_in_an_if_is_unknown(tmp_path):
    path = write(tmp_path, "c.py", SGD_BASE + """
        import os
        if os.environ.get('LONG'):
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300)
    """.replace("        ", ""))
    result = import_config(str(path))
    assert has(result, "W603", "c.py", 4)                                  # the import
    assert has(result, "W603", "c.py", 5) and has(result, "E613", "c.py", 5)  # the `if`
    assert result.text is None


def test_syntax_error_is_a_diagnostic_not_a_traceback(tmp_path):
    write(tmp_path, "base.py", SGD_BASE)
    path = write(tmp_path, "syntax_error.py", """
        _base_ = 'base.py'

        optim_wrapper = dict(optimizer=dict(lr=0.1)
        train_cfg = dict(max_epochs=10)
    """)
    result = import_config(str(path))
    assert result.text is None
    assert codes(result) == [("E602", "syntax_error.py", 3)]


def test_syntax_error_in_a_base_points_into_the_base(tmp_path):
    write(tmp_path, "base.py", "x = dict(a=1,,)\n")
    path = write(tmp_path, "c.py", "_base_ = 'base.py'\n")
    assert codes(import_config(str(path))) == [("E602", "base.py", 1)]


def test_unreadable_config(tmp_path):
    result = import_config(str(tmp_path / "nope.py"))
    assert [c for c, _, _ in codes(result)] == ["E601"] and result.text is None
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    assert [c for c, _, _ in codes(import_config(str(tmp_path / "latin.py")))] == ["E601"]


def test_undefined_name_says_how_to_reach_the_base(tmp_path):
    write(tmp_path, "base.py", SGD_BASE + "base_lr = 0.5\n")
    path = write(tmp_path, "c.py", """
        _base_ = 'base.py'
        optim_wrapper = dict(optimizer=dict(lr=base_lr))
    """)
    result = import_config(str(path))
    assert codes(result)[0] == ("E607", "c.py", 2)
    assert "_base_.base_lr" in result.diagnostics[0].help


def test_division_by_zero(tmp_path):
    path = write(tmp_path, "c.py", SGD_BASE + "gpus = 0\nlr = 0.1 / gpus\n")
    assert has(import_config(str(path)), "E608", "c.py", 4)


def test_new_style_config_is_out_of_scope(tmp_path):
    path = write(tmp_path, "c.py", """
        from mmengine.config import read_base

        with read_base():
            from .base import *
    """)
    result = import_config(str(path))
    assert [c for c, _, _ in codes(result)] == ["E609"] and result.text is None


def test_assignment_into_base(tmp_path):
    write(tmp_path, "base.py", SGD_BASE)
    path = write(tmp_path, "c.py", """
        _base_ = 'base.py'
        _base_.optim_wrapper.optimizer.lr = 0.3
        _base_['train_cfg']['max_epochs'] = 20
    """)
    plan = plan_of(imported(path, 10))
    assert plan["optimizer"]["args"]["lr"] == 0.3 and plan["train"]["epochs"] == 20


# ------------------------------------------------------------------ translation details

def test_iteration_based_loop(tmp_path):
    path = write(tmp_path, "seg.py", """
        optim_wrapper = dict(type='OptimWrapper',
                             optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
                             clip_grad=None)
        param_scheduler = [
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=1000),
            dict(type='PolyLR', eta_min=1e-4, power=0.9, by_epoch=False, begin=1000),
        ]
        train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
        default_hooks = dict(
            logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
            checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=8000))
    """)
    result = imported(path)
    plan = plan_of(result)
    assert plan["train"]["iters"] == 80000 and plan["train"]["epochs"] is None
    assert phases(plan) == [
        ("LinearLR", 0, 1000, "iter", {"start_factor": 0.1, "end_factor": 1.0}),
        ("PolyLR", 1000, 80000, "iter", {"eta_min": 1e-4, "power": 0.9}),
    ]
    assert "[1000it, end)" in result.text
    assert ("CheckpointHook", 90, {"interval": dur(8000, "it", 8000)}) in hooks(plan)
    assert has(result, "W601", "seg.py", 10)       # log_metric_by_epoch=False
    assert not has(result, "W606")                 # no epochs: nothing to guess


def test_train_cfg_by_epoch_instead_of_type(tmp_path):
    path = write(tmp_path, "c.py", """
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
        train_cfg = dict(by_epoch=False, max_iters=300)
    """)
    assert plan_of(imported(path))["train"]["iters"] == 300


@pytest.mark.parametrize("train_cfg, line", [
    ("dict(max_epochs=10)", 2),                                  # neither type nor by_epoch
    ("dict(type='EpochBasedTrainLoop', by_epoch=True, max_epochs=10)", 2),
    ("dict(type='EpochBasedTrainLoop', max_epochs=10.5)", 2),
    ("dict(type='EpochBasedTrainLoop', max_epochs=10, max_iters=5)", 2),
])
def test_train_loops_mmengine_rejects(tmp_path, train_cfg, line):
    path = write(tmp_path, "c.py", "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n"
                 f"train_cfg = {train_cfg}\n")
    result = import_config(str(path))
    assert result.text is None and has(result, "E610", "c.py", line), shown(result)


def test_mmcv_0x_config(tmp_path):
    path = write(tmp_path, "old.py", """
        optimizer = dict(type='SGD', lr=0.02)
        lr_config = dict(policy='step', step=[8, 11])
        runner = dict(type='EpochBasedRunner', max_epochs=12)
    """)
    result = import_config(str(path))
    assert [c for c, _, _ in codes(result)] == ["E610"]


def test_amp_bf16_clip_and_accumulation(tmp_path):
    path = write(tmp_path, "c.py", """
        optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16',
                             optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
                             clip_grad=dict(max_norm=5.0, norm_type=2),
                             accumulative_counts=4)
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10)
    """)
    train = plan_of(imported(path, 10))["train"]
    assert (train["precision"], train["clip_grad_norm"], train["accumulate"]) == ("bf16", 5.0, 4)


def test_paramwise_classes_and_custom_keys(tmp_path):
    path = write(tmp_path, "c.py", """
        optim_wrapper = dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
            paramwise_cfg=dict(bias_lr_mult=2.0, bias_decay_mult=0.0, norm_decay_mult=0.0,
                               dwconv_decay_mult=0.5, flat_decay_mult=0.1,
                               custom_keys={'backbone': dict(lr_mult=0.1),
                                            'head.fc': dict(decay_mult=2.0)}))
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10)
    """)
    rules = plan_of(imported(path, 10))["optimizer"]["rules"]
    # MMEngine: a custom key overrides every other rule (its unset multipliers are 1),
    # then norm > bias > dwconv > flat; bias_lr_mult leaves the biases of norm layers alone.
    assert [(r["selectors"], r["settings"]) for r in rules] == [
        ([{"class": "flat"}], {"decay_mult": 0.1}),
        ([{"class": "dwconv"}], {"decay_mult": 0.5}),
        ([{"class": "bias"}], {"lr_mult": 2.0, "decay_mult": 0.0}),
        ([{"class": "norm"}], {"lr_mult": 1, "decay_mult": 0.0}),
        ([{"glob": "*head.fc*"}], {"decay_mult": 2.0, "lr_mult": 1}),
        ([{"glob": "*backbone*"}], {"lr_mult": 0.1, "decay_mult": 1}),   # longer: it wins
    ]


def test_decay_mult_without_weight_decay_is_an_error(tmp_path):
    path = write(tmp_path, "c.py", """
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1),
                             paramwise_cfg=dict(norm_decay_mult=0.0))
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10)
    """)
    assert has(import_config(str(path)), "E616", "c.py", 2)


def test_momentum_and_generic_schedulers(tmp_path):
    path = write(tmp_path, "c.py", """
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
        param_scheduler = [
            dict(type='CosineAnnealingLR', by_epoch=True),
            dict(type='CosineAnnealingMomentum', eta_min=0.85, by_epoch=True),
            dict(type='CosineAnnealingParamScheduler', param_name='weight_decay', eta_min=0.0),
        ]
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10)
    """)
    plan = plan_of(imported(path, 10))
    assert set(plan["schedules"]) == {"lr", "momentum", "weight_decay"}
    assert phases(plan, "momentum") == [("CosineAnnealingMomentum", 0, 100, "epoch",
                                         {"eta_min": 0.85})]


@pytest.mark.parametrize("scheduler, code", [
    ("dict(type='CosineLR')", "E611"),                                  # unknown type
    ("dict(type='LinearLR', begin=10, end=10)", "E612"),                # begin >= end
    ("dict(type='LinearLR', by_epoch=False, convert_to_iter_based=True)", "E612"),
    ("dict(type='LinearParamScheduler')", "E612"),                      # no param_name
    ("dict(type='LinearLR', warmup_iters=5)", "E612"),                  # unknown argument
])
def test_schedulers_mmengine_rejects(tmp_path, scheduler, code):
    path = write(tmp_path, "c.py", SGD_BASE + f"param_scheduler = [\n    {scheduler},\n]\n")
    result = import_config(str(path), 10)
    assert result.text is None and has(result, code, "c.py", 4), shown(result)


def test_phase_past_a_shortened_training(tmp_path):
    write(tmp_path, "base.py", SGD_BASE.replace("max_epochs=10", "max_epochs=100") + """
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=100)]
""")
    path = write(tmp_path, "short.py", "_base_ = 'base.py'\ntrain_cfg = dict(max_epochs=30)\n")
    result = imported(path, 10)
    plan = plan_of(result)
    # cut at the end of training, with the period MMEngine uses made explicit
    assert phases(plan) == [("CosineAnnealingLR", 0, 300, "epoch", {"T_max": 100})]
    assert has(result, "W605", "base.py", 4)
    path = write(tmp_path, "short_linear.py", """
        _base_ = 'base.py'
        param_scheduler = [dict(type='LinearLR', by_epoch=True, begin=0, end=100)]
        train_cfg = dict(max_epochs=30)
    """)
    assert has(import_config(str(path), 10), "E615", "short_linear.py", 2)


def test_default_hooks_removed_and_runner_defaults(tmp_path):
    path = write(tmp_path, "c.py", SGD_BASE + "default_hooks = dict(checkpoint=None)\n")
    assert [h[0] for h in hooks(plan_of(imported(path, 10)))] == ["LoggerHook"]


def test_custom_hooks_priorities_and_unknown_hooks(tmp_path):
    path = write(tmp_path, "c.py", SGD_BASE + """model = dict(type='DenseCL')
custom_hooks = [
    dict(type='EMAHook', momentum=0.0002, priority='ABOVE_NORMAL'),
    dict(type='mmselfsup.DenseCLHook', start_iters=500, priority=45),
    dict(type='SelfSupVisualizationHook', interval=10),
]
""")
    result = imported(path, 10)
    assert hooks(plan_of(result))[:2] == without_defaults([("EMAHook", 40, {"momentum": 0.0002}),
                                          ("DenseCLHook", 45, {"start_iters": 500})])
    assert has(result, "W601", "c.py", 7)
    assert "priority ABOVE_NORMAL" in result.text and "priority 45" in result.text


def test_several_optimizers_are_an_error(tmp_path):
    path = write(tmp_path, "gan.py", """
        optim_wrapper = dict(
            constructor='MultiOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=1e-4)),
            discriminator=dict(optimizer=dict(type='Adam', lr=4e-4)))
        train_cfg = dict(by_epoch=False, max_iters=1000)
    """)
    assert has(import_config(str(path)), "E614", "gan.py", 1)


def test_written_recipe_that_fails_its_check_points_at_the_config(monkeypatch):
    import sspec.importer as importer

    real = importer.render

    def broken(draft):
        text, origins = real(draft)
        return text.replace("[0ep, 100ep)", "[100ep, 0ep)"), origins

    monkeypatch.setattr(importer, "render", broken)
    result = import_config(str(CORNER / "child_nested.py"), 10)
    assert result.text is None
    assert has(result, "E690", "base_sgd.py", 4)    # the param_scheduler line


def test_iters_per_epoch_must_be_positive():
    with pytest.raises(ValueError):
        import_config(str(CORNER / "child_nested.py"), 0)


# The importer's codes are the E6xx/W6xx entries of the central table, sspec.codes.
IMPORT_CODES = {code: entry for code, entry in CODES.items() if code[1] == "6"}


def test_codes_are_in_the_importer_family():
    assert IMPORT_CODES
    for code, entry in IMPORT_CODES.items():
        assert code[0] in "EW" and entry.code == code
        assert entry.title and entry.explanation.count(".") >= 2
        assert entry.example and entry.fix


# ------------------------------------------------------------------ every sample, and fuzz

def _whole(path: Path) -> bool:
    """A config that trains on its own (not a base holding only hooks or a model)."""
    if path.parent.name == "corner":
        return path.name.startswith("child_") and path.name not in {
            "child_dup.py", "child_missing.py", "child_opaque.py"}
    return "_base_" not in path.parts or path.parent.name == "schedules"


SAMPLES = sorted(p for p in CONFIGS.rglob("*.py") if _whole(p))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_sample_imports_and_checks_clean(path):
    plan_of(imported(path, 100))


def test_every_code_used_is_in_the_table():
    import re

    import sspec.importer as importer

    used = set()
    for source in Path(importer.__file__).parent.glob("*.py"):
        used |= set(re.findall(r'"([EW]6[0-9]{2})"', source.read_text(encoding="utf-8")))
    assert used == set(IMPORT_CODES)


FRAGMENTS = st.sampled_from([
    "_base_ = 'x.py'\n", "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=3)\n",
    "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n",
    "param_scheduler = [dict(type='LinearLR', end=2), dict(type='CosineAnnealingLR')]\n",
    "param_scheduler = dict(type='StepLR', step_size=1, by_epoch=False, end=1e9)\n",
    "default_hooks = dict(logger=None, checkpoint=dict(interval=-1))\n",
    "custom_hooks = [dict(type='EMAHook', priority=200)]\n", "x = [i for i in y]\n",
    "lr = 1 / 0\n", "a, b = 1\n", "del q\n", "x = {{_base_.nope}}\n", "def f(): pass\n",
    "x = 2 ** 10 ** 10\n", "x = [0] * 10 ** 9\n", "x = (\n", "_base_.a.b = 1\n",
    "optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'a': 1}))\n",
    "train_cfg = dict(by_epoch=True, max_epochs=-1)\n", "model = dict(type='MAE')\n",
])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=30)), max_size=8))
def test_no_config_gives_a_traceback(tmp_path, parts):
    path = tmp_path / "fuzz.py"
    path.write_text("".join(parts), encoding="utf-8")
    result = import_config(str(path), 7)
    if result.text is not None:
        assert compile_source(result.text, "f.ss").ok
