"""Resolved schedule phases in the Plan: absolute iteration bounds (MMEngine's
int() truncation of fractional epochs), the default stepping, step-count
arguments in the phase's own steps, and overlaps with and without `stack`."""

from __future__ import annotations

import pytest

from helpers import compile_text, located, recipe, schedule_plan

IPE7 = dict(train="epochs = 12  iters_per_epoch = 7", data="synthetic_images(n = 448, batch = 64)")


def bounds(phases):
    return [(p["begin"], p["end"]) for p in phases]


def diagnostics_of(schedule_body: str, target: str = "lr", **kw):
    result = compile_text(recipe(f"schedule {target} {{\n{schedule_body}\n}}\n", **kw))
    return result, located(result)


# ---------------------------------------------------------------- bounds

def test_epoch_bounds():
    phases = schedule_plan("[0ep, 4ep) LinearLR() per iter\n[4ep, 12ep) CosineAnnealingLR() per iter")
    assert bounds(phases) == [(0, 32), (32, 96)]


def test_iteration_bounds():
    phases = schedule_plan("[0it, 10it) LinearLR()\n[10it, 96it) CosineAnnealingLR()")
    assert bounds(phases) == [(0, 10), (10, 96)]


def test_mixed_bounds():
    phases = schedule_plan("[0it, 2ep) LinearLR()\n[16it, end) CosineAnnealingLR() per iter")
    assert bounds(phases) == [(0, 16), (16, 96)]


def test_end():
    [phase] = schedule_plan("[0ep, end) CosineAnnealingLR()")
    assert bounds([phase]) == [(0, 96)]
    [phase] = schedule_plan("[0it, end) CosineAnnealingLR()", train="iters = 50")
    assert bounds([phase]) == [(0, 50)]


def test_fractional_epochs_truncate():
    # MMEngine's convert_to_iter_based: int(begin * epoch_length), int(end * epoch_length).
    phases = schedule_plan("[0ep, 0.5ep) LinearLR() per iter\n"
                           "[0.5ep, 1.5ep) ConstantLR() per iter\n"
                           "[1.5ep, end) CosineAnnealingLR() per iter", **IPE7)
    assert bounds(phases) == [(0, 3), (3, 10), (10, 84)]


def test_step_counts_in_fractional_epochs():
    # MMEngine's build_iter_from_epoch multiplies T_max by the epoch length, no int():
    # a whole number of iterations is fine, a fractional one is refused.
    [phase] = schedule_plan("[0ep, 12ep) CosineAnnealingLR(T_max = 2.5ep) per iter")
    assert phase["args"]["T_max"] == 20
    result, found = diagnostics_of("[0ep, 12ep) CosineAnnealingLR(T_max = 2.5ep) per iter", **IPE7)
    assert [c for c, _, _ in found] == ["E207"]


def test_let_in_bounds():
    text = recipe("let warm = 2 * 1ep\nschedule lr {\n"
                  "[0ep, warm) LinearLR() per iter\n[warm, end) ConstantLR() per iter\n}\n")
    result = compile_text(text)
    assert result.ok
    assert bounds(result.plan["schedules"]["lr"]) == [(0, 16), (16, 96)]


def test_iteration_run_with_epoch_bounds_uses_the_data_length():
    # digits(batch = 64): 1438 training samples → 23 batches per epoch.
    [phase] = schedule_plan("[0ep, 2ep) LinearLR() per iter", train="iters = 100",
                            data="digits(batch = 64)")
    assert bounds([phase]) == [(0, 46)]


def test_phases_sorted_by_begin():
    phases = schedule_plan("[4ep, 12ep) CosineAnnealingLR() per iter\n[0ep, 4ep) LinearLR() per iter")
    assert [p["scheduler"] for p in phases] == ["LinearLR", "CosineAnnealingLR"]
    assert [p["line"] for p in phases] == [8, 7]


def test_schedule_blocks_of_one_target_merge():
    text = recipe("schedule lr {\n[0ep, 4ep) LinearLR() per iter\n}\n"
                  "schedule lr {\n[4ep, end) CosineAnnealingLR() per iter\n}\n")
    result = compile_text(text)
    assert result.ok
    assert bounds(result.plan["schedules"]["lr"]) == [(0, 32), (32, 96)]


def test_several_targets():
    text = recipe("schedule lr {\n[0ep, 12ep) LinearLR()\n}\n"
                  "schedule momentum {\n[0ep, 6ep) CosineAnnealingMomentum()\n}\n"
                  "schedule model.loss_lambda {\n[0it, 10it) ConstantParamScheduler()\n}\n")
    result = compile_text(text)
    assert result.ok
    schedules = result.plan["schedules"]
    assert set(schedules) == {"lr", "momentum", "model.loss_lambda"}
    assert bounds(schedules["momentum"]) == [(0, 48)]
    assert bounds(schedules["model.loss_lambda"]) == [(0, 10)]


# ---------------------------------------------------------------- per

@pytest.mark.parametrize("phase, per", [
    ("[0ep, 12ep) LinearLR()", "epoch"),
    ("[0it, 96it) LinearLR()", "iter"),
    ("[0it, 12ep) LinearLR()", "iter"),
    ("[0ep, 96it) LinearLR()", "iter"),
    ("[0ep, end) LinearLR()", "epoch"),
    ("[0it, end) LinearLR()", "iter"),
    ("[0ep, 12ep) LinearLR() per iter", "iter"),
    ("[0it, 96it) LinearLR() per epoch", "epoch"),
])
def test_per_default(phase, per):
    [p] = schedule_plan(phase)
    assert p["per"] == per


def test_per_epoch_in_iteration_run_warns_but_compiles():
    result, found = diagnostics_of("[0it, end) LinearLR() per epoch", train="iters = 96")
    assert found == [("W210", 7, 23)]
    assert result.plan["schedules"]["lr"][0]["per"] == "epoch"


# ---------------------------------------------------------------- step counts

@pytest.mark.parametrize("phase, name, expected", [
    # a unit converts to the phase's steps
    ("[0ep, 12ep) CosineAnnealingLR(T_max = 10ep) per iter", "T_max", 80),
    ("[0ep, 12ep) CosineAnnealingLR(T_max = 10ep) per epoch", "T_max", 10),
    ("[0ep, 12ep) CosineAnnealingLR(T_max = 80it) per epoch", "T_max", 10),
    ("[0ep, 12ep) CosineAnnealingLR(T_max = 50it) per iter", "T_max", 50),
    ("[0ep, 12ep) StepLR(step_size = 16it) per epoch", "step_size", 2),
    ("[0ep, 12ep) StepLR(step_size = 3ep) per iter", "step_size", 24),
    ("[0ep, 12ep) MultiStepLR(milestones = [8, 11]) per epoch", "milestones", [8, 11]),
    ("[0ep, 12ep) MultiStepLR(milestones = [8, 11])", "milestones", [8, 11]),
    ("[0ep, 12ep) MultiStepLR(milestones = [8ep, 100it]) per iter", "milestones", [64, 100]),
    ("[0ep, 6ep) OneCycleLR(total_steps = 6ep, eta_max = 1) per iter", "total_steps", 48),
    ("[0ep, 12ep) CosineRestartLR(periods = [16it, 32it], restart_weights = [1, 0.5], "
     "eta_min = 0) per epoch", "periods", [2, 4]),
    # a bare number counts the phase's own steps where that is unambiguous
    ("[0it, 96it) CosineAnnealingLR(T_max = 10)", "T_max", 10),
    ("[0ep, 12ep) CosineAnnealingLR(T_max = 10) per epoch", "T_max", 10),
    ("[0it, 96it) StepLR(step_size = 5) per epoch", "step_size", 5),
])
def test_step_counts(phase, name, expected):
    [p] = schedule_plan(phase)
    assert p["args"][name] == expected


def test_mmdet_1x_milestones_stay_in_epochs():
    [warmup, step] = schedule_plan(
        "stack {\n[0it, 500it) LinearLR(start_factor = 0.001) per iter\n"
        "[0ep, 12ep) MultiStepLR(milestones = [8, 11], gamma = 0.1) per epoch\n}",
        train="epochs = 12  iters_per_epoch = 7330", data="synthetic_images(n = 117_280, batch = 16)")
    assert (warmup["begin"], warmup["end"], warmup["per"]) == (0, 500, "iter")
    assert (step["begin"], step["end"], step["per"]) == (0, 12 * 7330, "epoch")
    assert step["args"]["milestones"] == [8, 11]
    assert warmup["stack"] == step["stack"] is not None


@pytest.mark.parametrize("phase", [
    "[0ep, 12ep) CosineAnnealingLR(T_max = 10) per iter",
    "[0it, 12ep) StepLR(step_size = 3)",
    "[0ep, 96it) StepLR(step_size = 3) per iter",
])
def test_bare_step_count_is_ambiguous(phase):
    result, found = diagnostics_of(phase)
    assert [code for code, _, _ in found] == ["E206"]
    assert result.plan is None


def test_step_count_not_whole_epochs():
    result, found = diagnostics_of("[0ep, 12ep) StepLR(step_size = 12it) per epoch")
    assert [code for code, _, _ in found] == ["E207"]


# ---------------------------------------------------------------- overlaps

def test_stacked_phases_may_overlap():
    phases = schedule_plan("stack {\n[0it, 2ep) LinearLR() per iter\n"
                           "[0ep, 12ep) MultiStepLR(milestones = [8, 11])\n}")
    assert bounds(phases) == [(0, 16), (0, 96)]
    assert phases[0]["stack"] == phases[1]["stack"] is not None


def test_stack_then_plain_phase():
    phases = schedule_plan("stack {\n[0it, 8it) LinearLR() per iter\n[0ep, 6ep) ConstantLR()\n}\n"
                           "[6ep, end) CosineAnnealingLR()")
    assert bounds(phases) == [(0, 8), (0, 48), (48, 96)]
    assert phases[2]["stack"] is None


def test_overlap_across_a_stack_and_a_plain_phase():
    result, found = diagnostics_of("stack {\n[0it, 8it) LinearLR() per iter\n[0ep, 6ep) ConstantLR()\n}\n"
                                   "[5ep, end) CosineAnnealingLR()")
    assert found == [("E201", 11, 1)]
    d = result.diagnostics[0]
    assert "[0ep, 6ep)" in d.message and "(line 9)" in d.message
    assert d.label == "overlaps by 1 epoch (8 iterations)"
    assert result.plan is None


def test_overlap_of_a_plain_phase_into_a_stack():
    result, found = diagnostics_of("[0ep, 2ep) ConstantLR()\n"
                                   "stack {\n[1ep, 4ep) LinearLR() per iter\n[1ep, end) ConstantLR()\n}")
    assert [code for code, _, _ in found] == ["E201"]


def test_two_stacks_overlap():
    result, found = diagnostics_of("stack {\n[0ep, 6ep) ConstantLR()\n[0ep, 2ep) LinearLR()\n}\n"
                                   "stack {\n[5ep, 12ep) ConstantLR()\n[6ep, 12ep) ConstantLR()\n}")
    assert [code for code, _, _ in found] == ["E201"]


def test_overlap_of_plain_phases():
    result, found = diagnostics_of("[0ep, 6ep) LinearLR() per iter\n[5ep, 12ep) ConstantLR() per iter")
    assert found == [("E201", 8, 1)]
    assert result.diagnostics[0].label == "overlaps by 1 epoch (8 iterations)"


def test_overlap_in_iterations():
    result, found = diagnostics_of("[0it, 50it) LinearLR()\n[47it, end) ConstantLR()")
    assert found == [("E201", 8, 1)]
    assert result.diagnostics[0].label == "overlaps by 3 iterations"


def test_contained_phase_overlaps():
    result, found = diagnostics_of("[0ep, 12ep) LinearLR()\n[2ep, 4ep) ConstantLR()")
    assert [code for code, _, _ in found] == ["E201"]


def test_adjacent_phases_in_mixed_units_do_not_overlap():
    assert bounds(schedule_plan("[0it, 16it) LinearLR()\n[2ep, end) ConstantLR() per iter")) == \
        [(0, 16), (16, 96)]


def test_phases_of_different_targets_never_overlap():
    text = recipe("schedule lr {\n[0ep, 12ep) LinearLR()\n}\n"
                  "schedule momentum {\n[0ep, 12ep) ConstantMomentum()\n}\n")
    assert compile_text(text).ok


def test_gap_and_late_start():
    result, found = diagnostics_of("[1ep, 4ep) LinearLR() per iter\n[6ep, 12ep) ConstantLR() per iter")
    assert found == [("W202", 7, 2), ("W202", 8, 2)]
    assert result.ok
    assert bounds(result.plan["schedules"]["lr"]) == [(8, 32), (48, 96)]


def test_phase_need_not_reach_the_end():
    [p] = schedule_plan("[0ep, 6ep) LinearLR()")
    assert bounds([p]) == [(0, 48)]


# ---------------------------------------------------------------- bad bounds

@pytest.mark.parametrize("phase, code", [
    ("[2ep, 2ep) LinearLR()", "E203"),
    ("[4ep, 2ep) LinearLR()", "E203"),
    ("[16it, 2ep) LinearLR()", "E203"),
    ("[-1ep, 2ep) LinearLR()", "E203"),
    ("[end, end) LinearLR()", "E203"),
    ("[0ep, 13ep) LinearLR()", "E204"),
    ("[0it, 97it) LinearLR()", "E204"),
    ("[0, 2ep) LinearLR()", "E205"),
    ("[0ep, 2) LinearLR()", "E205"),
    ("[0ep, none) LinearLR()", "E205"),
    ("[0ep, 0.5ep) LinearLR() per epoch", "E207"),
    ("[4it, 2ep) LinearLR() per epoch", "E207"),
    ("[0ep, 2ep) ReduceOnPlateauLR() per iter", "E212"),
])
def test_bad_bounds(phase, code):
    result, found = diagnostics_of(phase)
    assert [d.code for d in result.diagnostics if d.is_error] == [code]
    assert result.plan is None


def test_fractional_epoch_bound_with_whole_iterations_per_epoch():
    # 0.5ep of 8 iterations is 4 iterations: not an epoch boundary even though whole.
    result, found = diagnostics_of("[0ep, 0.5ep) LinearLR() per epoch")
    assert [c for c, _, _ in found] == ["E207"]


# ---------------------------------------------------------------- fixed and known bugs

def test_rejected_phase_causes_no_spurious_gap():
    result, found = diagnostics_of("[0ep, 6ep) StepLR(step_size = 3) per iter\n"
                                   "[6ep, end) ConstantLR() per iter")
    assert [c for c, _, _ in found] == ["E206"]


def test_ambiguous_list_gives_one_diagnostic():
    result, found = diagnostics_of("[0ep, 12ep) MultiStepLR(milestones = [2, 4]) per iter")
    assert [c for c, _, _ in found] == ["E206"]
    assert "[2, 4]" in result.diagnostics[0].message


def test_missing_periods_is_one_error():
    result, found = diagnostics_of("[0ep, 12ep) CosineRestartLR(eta_min = 0)")
    assert [c for c, _, _ in found] == ["E303"]
