"""sspec.schedules against MMEngine 0.10.7's recorded curves, and its edge cases.

The fixtures in tests/reference/fixtures were recorded by
tests/reference/record_mmengine.py (mmengine is a development tool only;
nothing here imports it or torch).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sspec.compiler import compile_source
from sspec.schedules import ScheduleError, compute, engine, to_json

FIXTURES = sorted((Path(__file__).parent / "reference" / "fixtures").glob("*.json"))
RTOL = 1e-12


def _plan(text: str, file: str = "case.ss") -> dict:
    result = compile_source(text, file)
    errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]
    assert result.plan is not None, errors
    return result.plan


def _unrle(runs) -> np.ndarray:
    return np.concatenate([np.full(n, v, dtype=np.float64) for v, n in runs])


def _close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, what
    scale = float(np.max(np.abs(want))) if len(want) else 0.0
    err = np.abs(got - want)
    worst = int(np.argmax(err)) if len(err) else 0
    assert np.all(err <= RTOL * scale), (
        f"{what}: iteration {worst}: sspec {got[worst]!r}, MMEngine {want[worst]!r} "
        f"(|diff| {err[worst]:.3g} > {RTOL:g} x peak {scale:.3g})")


def test_there_are_enough_fixtures():
    assert len(FIXTURES) >= 40


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_matches_mmengine(path):
    fixture = json.loads(path.read_text(encoding="utf-8"))
    assert fixture["versions"]["mmengine"] == "0.10.7"
    result = compute(_plan(fixture["recipe"], path.stem + ".ss"))
    assert result.iterations == fixture["iterations"]
    assert set(result.values) == set(fixture["values"])
    for target, runs in fixture["values"].items():
        _close(result.values[target], _unrle(runs), f"{path.stem}: {target}")
    assert set(result.groups) <= set(fixture["groups"])
    for group, curves in fixture["groups"].items():
        for target, runs in curves.items():
            _close(result.curve(target, group), _unrle(runs), f"{path.stem}: {group}: {target}")


# ---------------------------------------------------------------- edge cases

HEAD = """recipe t
train {{ {train} }}
model = {model}
data = synthetic_images(n = 64, batch = 8)
optimizer {optimizer}
"""


def recipe(schedules: str, train: str = "epochs = 10  iters_per_epoch = 20",
           optimizer: str = "SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4)",
           model: str = "convnet()") -> dict:
    return _plan(HEAD.format(train=train, optimizer=optimizer, model=model) + schedules)


def test_unscheduled_values_are_constant_and_present():
    result = compute(recipe(""))
    assert set(result.values) == {"lr", "momentum", "weight_decay"}
    assert np.all(result.values["lr"] == 0.1)
    assert np.all(result.values["momentum"] == 0.9)
    assert result.groups == {} and result.phases == {}


def test_adam_momentum_is_beta1():
    result = compute(recipe("", optimizer="Adam(lr = 1e-3, betas = (0.8, 0.99))"))
    assert np.all(result.values["momentum"] == 0.8)


def test_linear_warmup_closed_form():
    result = compute(recipe("schedule lr { [0it, 101it) LinearLR(start_factor = 0.01) per iter }"))
    lr = result.values["lr"]
    expected = 0.1 * (0.01 + (1 - 0.01) * np.minimum(np.arange(200), 100) / 100)
    np.testing.assert_allclose(lr, expected, rtol=1e-13)


def test_cosine_closed_form():
    result = compute(recipe(
        "schedule lr { [0it, end) CosineAnnealingLR(eta_min = 0.001) per iter }"))
    k = np.arange(200)
    expected = 0.001 + (0.1 - 0.001) * (1 + np.cos(np.pi * k / 200)) / 2
    np.testing.assert_allclose(result.values["lr"], expected, rtol=1e-13, atol=0)


def test_per_epoch_steps_at_epoch_boundaries():
    result = compute(recipe(
        "schedule lr { [0ep, end) StepLR(step_size = 1, gamma = 0.5) per epoch }"))
    lr = result.values["lr"]
    assert np.all(lr[:20] == 0.1) and np.all(lr[20:40] == 0.05) and lr[-1] == 0.1 * 0.5 ** 9


def test_gap_keeps_the_value():
    result = compute(recipe("""schedule lr {
        [0it, 50it)   ExponentialLR(gamma = 0.9) per iter
        [100it, end)  ExponentialLR(gamma = 0.9) per iter
    }"""))
    lr = result.values["lr"]
    assert np.all(lr[49:101] == lr[49])
    assert lr[101] == lr[100] * 0.9


def test_per_epoch_phase_in_iteration_based_run_only_takes_its_first_step():
    result = compute(recipe("""schedule lr {
        [0ep, 2ep)  LinearLR(start_factor = 0.5) per epoch
        [2ep, 6ep)  ExponentialLR(gamma = 0.5) per epoch
    }""", train="iters = 300  iters_per_epoch = 50"))
    assert np.all(result.values["lr"] == 0.05)


def test_groups_keep_their_ratio_and_fixed_lr_stays():
    plan = recipe("schedule lr { [0it, end) CosineAnnealingLR() per iter }",
                  optimizer='SGD(lr = 0.1, momentum = 0.9) {\n'
                            '    params bias { lr_mult = 0.5 }\n'
                            '    params "pred.*" { fixed_lr = true }\n'
                            '    params norm { lars_exclude = false }\n}')
    result = compute(plan)
    lr = result.values["lr"]
    groups = {info.lines: name for name, info in result.group_info.items()}
    bias, pred = groups[(6,)], groups[(7,)]
    np.testing.assert_allclose(result.groups[bias]["lr"], lr * 0.5, rtol=1e-13)
    assert np.all(result.groups[pred]["lr"] == 0.1)
    assert set(result.groups) == {bias, pred}          # the norm group equals the default
    assert result.at("lr", 199, group=groups[(8,)]) == lr[199]
    assert result.at("lr", 7, group=bias) == result.groups[bias]["lr"][7]


def test_identical_rules_share_a_group():
    plan = recipe("", optimizer='SGD(lr = 0.1) {\n    params bias { lr_mult = 2 }\n'
                                '    params norm { lr_mult = 2 }\n}')
    result = compute(plan)
    assert list(result.group_info) == ["lines 6, 7"]
    assert np.all(result.groups["lines 6, 7"]["lr"] == 0.2)


def test_model_attribute_needs_the_argument():
    plan = recipe("schedule model.loss_lambda { [0it, end) LinearParamScheduler() per iter }",
                  model="densecl()")
    plan["model"]["args"].pop("loss_lambda")
    with pytest.raises(ScheduleError, match="no argument `loss_lambda`"):
        compute(plan)


def codes_of(schedules: str, train: str = "epochs = 10  iters_per_epoch = 20") -> list[str]:
    text = HEAD.format(train=train, optimizer="SGD(lr = 0.1, momentum = 0.9)",
                       model="convnet()") + schedules
    return [d.code for d in compile_source(text, "case.ss").diagnostics]


def test_onecycle_shorter_than_its_phase_is_an_error():
    # The compiler rejects it; the engine still refuses a Plan edited by hand.
    body = "schedule lr { [0it, end) OneCycleLR(eta_max = 0.1, total_steps = %s) per iter }"
    assert "E213" in codes_of(body % 50)
    plan = recipe(body % 200)
    plan["schedules"]["lr"][0]["args"]["total_steps"] = 50
    with pytest.raises(ScheduleError, match="total_steps"):
        compute(plan)


def test_at_and_to_json():
    result = compute(recipe(
        "schedule lr { [0ep, end) MultiStepLR(milestones = [3, 6]) per epoch }"))
    assert result.at("lr", 59) == 0.1 and result.at("lr", 60) == result.values["lr"][60]
    with pytest.raises(IndexError):
        result.at("lr", 200)
    data = to_json(result)
    assert data["iterations"] == 200 and data["iters_per_epoch"] == 20
    assert json.loads(json.dumps(data))["values"]["lr"] == result.values["lr"].tolist()
    assert all(type(v) is float for v in data["values"]["lr"])


def test_phases_for_charting():
    result = compute(recipe("""schedule lr {
        [0ep, 1ep)  LinearLR() per iter
        [1ep, end)  CosineAnnealingLR() per epoch
    }"""))
    assert result.phases["lr"] == [(0, 20, "LinearLR", "iter"),
                                   (20, 200, "CosineAnnealingLR", "epoch")]


def test_fast_mode_and_blocked_scan_agree_with_exact(monkeypatch):
    text = """schedule lr {
        stack {
            [0it, end)  CosineAnnealingLR(eta_min = 0.01) per iter
            [0it, end)  PolyLR(eta_min = 0.002, power = 1.5) per iter
        }
    }"""
    exact = compute(recipe(text)).values["lr"]
    fast = compute(recipe(text), exact=False).values["lr"]
    monkeypatch.setattr(engine, "_MAX_STEPPED", 10)
    scanned = compute(recipe(text), exact=False).values["lr"]
    stepped = compute(recipe(text)).values["lr"]
    assert np.array_equal(stepped, exact)
    for other in (fast, scanned):
        np.testing.assert_allclose(other, exact, rtol=0, atol=1e-13 * exact.max())


def test_exact_mode_is_mmengine_arithmetic():
    # MMEngine's chained cosine, step by step with Python floats.
    import math

    result = compute(recipe(
        "schedule lr { [0it, end) CosineAnnealingLR(eta_min = 0.01) per iter }"))
    v, want = 0.1, []
    for k in range(200):
        if k:
            v = ((1 + math.cos(math.pi * k / 200)) / (1 + math.cos(math.pi * (k - 1) / 200))
                 * (v - 0.01) + 0.01)
        want.append(v)
    assert result.values["lr"].tolist() == want


def test_a_million_iterations_is_fast():
    import time

    plan = recipe("""schedule lr {
        [0it, 5000it)   LinearLR(start_factor = 1e-3) per iter
        [5000it, 800000it) CosineAnnealingLR(eta_min = 1e-5) per iter
        [800000it, end) StepLR(step_size = 50000, gamma = 0.5) per iter
    }""", train="iters = 1000000")
    for exact in (True, False):
        start = time.perf_counter()
        result = compute(plan, exact=exact)
        elapsed = time.perf_counter() - start
        assert result.values["lr"].shape == (1_000_000,)
        assert elapsed < 3.0      # ~0.5 s exact, ~0.1 s fast on one CI core


def test_import_stays_light():
    code = ("import sys, sspec.schedules; "
            "bad = [m for m in ('torch', 'matplotlib') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_errors_mmengine_would_raise():
    # Each is a compile error; the engine still refuses a Plan edited by hand.
    restart = ("schedule momentum { [0it, end) CosineRestartMomentum(periods = [100, 100], "
               "restart_weights = %s, eta_min = 0.1) per iter }")
    assert "E213" in codes_of(restart % "[1, 0.5, 0.2]")
    plan = recipe(restart % "[1, 0.5]")
    plan["schedules"]["momentum"][0]["args"]["restart_weights"] = [1, 0.5, 0.2]
    with pytest.raises(ScheduleError, match="one restart weight per period"):
        compute(plan)
    short = "schedule lr { [0it, %s) LinearLR() per epoch }"
    assert "E207" in codes_of(short % "30it", train="iters = 300  iters_per_epoch = 50")
    plan = recipe(short % "50it", train="iters = 300  iters_per_epoch = 50")
    plan["schedules"]["lr"][0]["end"] = 30
    with pytest.raises(ScheduleError, match="shorter than an epoch"):
        compute(plan)
    plan = recipe("schedule lr { [0it, end) OneCycleLR(eta_max = 0.1) per iter }")
    plan["schedules"]["lr"][0]["args"]["total_steps"] = 250.5
    with pytest.raises(ScheduleError, match="whole number"):
        compute(plan)


def test_per_epoch_phase_without_epoch_length_in_iteration_run():
    plan = recipe("schedule lr { [0it, 100it) LinearLR(start_factor = 0.5) per epoch }",
                  train="iters = 300  iters_per_epoch = 50")
    plan["train"]["iters_per_epoch"] = None        # e.g. user data of unknown length
    assert np.all(compute(plan).values["lr"] == 0.05)


def test_every_registry_scheduler_has_a_formula():
    import sspec.schedules as schedules
    from sspec.registry import all_components

    for comp in all_components().values():
        if comp.kind == "scheduler":
            module, _, attr = comp.impl.partition(":")
            assert module == "sspec.schedules"
            assert callable(getattr(schedules, attr)), comp.name


@pytest.mark.parametrize("v0, eta_min", [(0.1, 1e-5), (0.1, 0.01), (0.95, 0.85), (0.9, 0.99),
                                         (0.05, 1e-3)])
def test_verified_vectorization_is_stepping(v0, eta_min):
    n = 30_000
    k = np.arange(1, n + 1, dtype=np.float64)
    ratios = (1 + np.cos(np.pi * k / n)) / (1 + np.cos(np.pi * (k - 1) / n))
    stepped = engine._step(v0, np.full(n, engine.MUL, np.int8), ratios, np.full(n, eta_min))
    assert engine._shifted(v0, ratios, eta_min).tolist() == stepped
