"""The resolved hook order in the Plan.

With no `after`/`before` edges the order must be exactly MMEngine's: the
reference below re-implements `Runner.register_hook` (insert the new hook
after the last registered hook whose priority is <= its own), with the
implicit ParamSchedulerHook registered first, as MMEngine registers its
default hooks before the custom ones.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from helpers import compile_text, located, plan_of, recipe

# MMEngine's priority names (mmengine/runner/priority.py), written out again
# here so that the reference does not share sspec's table.
PRIORITY = {"HIGHEST": 0, "VERY_HIGH": 10, "HIGH": 30, "ABOVE_NORMAL": 40, "NORMAL": 50,
            "BELOW_NORMAL": 60, "LOW": 70, "VERY_LOW": 90, "LOWEST": 100}

# Each hook class's own `priority` attribute (MMEngine / MMSelfSup 1.x) and
# arguments that make a valid call.
HOOKS = {
    "CheckpointHook": ("VERY_LOW", "interval = 1ep"),
    "LoggerHook": ("BELOW_NORMAL", "interval = 5it"),
    "EMAHook": ("NORMAL", "momentum = 0.001"),
    "DenseCLHook": ("NORMAL", "start_iters = 10"),
    "SimSiamHook": ("NORMAL", "fix_pred_lr = true, lr = 0.01"),
    "SwAVHook": ("NORMAL", "batch_size = 32"),
    "ODCHook": ("NORMAL", "centroids_update_interval = 10, deal_with_small_clusters_interval = 1, "
                          "evaluate_interval = 50, reweight = true"),
    "DeepClusterHook": ("NORMAL", 'clustering = {type: "kmeans", k: 10}, unif_sampling = true, '
                                  "reweight = false, reweight_pow = 0.5"),
    "ParamSchedulerHook": ("LOW", ""),
}

SCHEDULE = "schedule lr {\n    [0ep, end)  CosineAnnealingLR()\n}\n"


def register(hooks: list, hook, priority: int) -> None:
    """mmengine.runner.Runner.register_hook's insertion, verbatim in spirit."""
    for i in range(len(hooks) - 1, -1, -1):
        if priority >= hooks[i][1]:
            hooks.insert(i + 1, (hook, priority))
            return
    hooks.insert(0, (hook, priority))


def reference_order(declared: list[tuple[str, int | str | None]], has_schedule: bool) -> list:
    """Registration order → execution order, as (type, declaration index) pairs;
    the implicit schedule hook has index None."""
    hooks: list = []
    if has_schedule and not any(t == "ParamSchedulerHook" for t, _ in declared):
        register(hooks, ("ParamSchedulerHook", None), PRIORITY["LOW"])
    for index, (type_, priority) in enumerate(declared):
        if priority is None:
            priority = HOOKS[type_][0]
        if isinstance(priority, str):
            priority = PRIORITY[priority]
        register(hooks, (type_, index), priority)
    return [h for h, _ in hooks]


def hook_line(type_: str, priority, extra: str = "") -> str:
    args = HOOKS[type_][1]
    text = f"hook {type_}({args})"
    if priority is not None:
        text += f" priority {priority}"
    return text + extra


# A model from user code: `check` cannot know its parts, so any hook may be
# ordered against any other without E409 (a hook needing a part the model lacks).
ANY_MODEL = '"lab.models:Net"()'


def hook_recipe(declared, has_schedule: bool) -> str:
    body = SCHEDULE if has_schedule else ""
    first_hook_line = 6 + body.count("\n")
    return recipe(body + "".join(hook_line(t, p) + "\n" for t, p in declared), model=ANY_MODEL), first_hook_line


def plan_order(plan: dict, first_hook_line: int) -> list:
    return [(h["type"], None if h["line"] is None else h["line"] - first_hook_line)
            for h in plan["hook_defs"]]


priorities = st.one_of(st.none(), st.sampled_from(sorted(PRIORITY)), st.integers(0, 100))
hook_lists = st.lists(st.tuples(st.sampled_from(sorted(HOOKS)), priorities), max_size=10)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(declared=hook_lists, has_schedule=st.booleans())
def test_order_without_edges_is_mmengines(declared, has_schedule):
    text, first = hook_recipe(declared, has_schedule)
    plan = plan_of(text)
    assert plan_order(plan, first) == reference_order(declared, has_schedule)
    # every hook point lists the hooks that implement it, in that same order
    labels = [h["label"] for h in plan["hook_defs"]]
    assert len(set(labels)) == len(labels)
    for point, listed in plan["hooks"].items():
        assert listed, point
        assert listed == [h["label"] for h in plan["hook_defs"] if point in h["points"]]
    for h in plan["hook_defs"]:
        for point in h["points"]:
            assert h["label"] in plan["hooks"][point]


def test_reference_matches_a_hand_worked_case():
    declared = [("CheckpointHook", None), ("LoggerHook", None), ("EMAHook", "HIGH"),
                ("DenseCLHook", 70), ("SwAVHook", None)]
    assert reference_order(declared, True) == [
        ("EMAHook", 2), ("SwAVHook", 4), ("LoggerHook", 1), ("ParamSchedulerHook", None),
        ("DenseCLHook", 3), ("CheckpointHook", 0)]


# ---------------------------------------------------------------- the implicit schedule hook

def test_schedule_hook_only_with_a_schedule():
    plan = plan_of(recipe("hook LoggerHook()\n"))
    assert [h["type"] for h in plan["hook_defs"]] == ["LoggerHook"]
    assert all("ParamSchedulerHook" not in labels for labels in plan["hooks"].values())
    plan = plan_of(recipe(SCHEDULE + "hook LoggerHook()\n"))
    [sched] = [h for h in plan["hook_defs"] if h["type"] == "ParamSchedulerHook"]
    assert (sched["label"], sched["priority"], sched["line"]) == ("ParamSchedulerHook", 70, None)


def test_no_hooks_at_all():
    plan = plan_of(recipe())
    assert plan["hook_defs"] == []
    assert plan["hooks"] == {}


def test_schedule_hook_is_registered_first():
    # A custom hook of priority LOW runs after the schedule hook (registered first).
    plan = plan_of(recipe(SCHEDULE + "hook EMAHook() priority LOW\n"))
    assert [h["type"] for h in plan["hook_defs"]] == ["ParamSchedulerHook", "EMAHook"]


def test_declared_schedule_hook_replaces_the_implicit_one():
    plan = plan_of(recipe(SCHEDULE + "hook ParamSchedulerHook() priority HIGH\n"))
    [sched] = plan["hook_defs"]
    assert (sched["priority"], sched["line"]) == (30, 9)


def test_edges_may_name_the_implicit_schedule_hook():
    plan = plan_of(recipe(SCHEDULE + "hook EMAHook() after ParamSchedulerHook\n"))
    assert [h["type"] for h in plan["hook_defs"]] == ["ParamSchedulerHook", "EMAHook"]


# ---------------------------------------------------------------- explicit edges

def order(body: str) -> list[str]:
    return [h["label"] for h in plan_of(recipe(body, model=ANY_MODEL))["hook_defs"]]


def test_after_moves_a_hook_later():
    body = ("hook ema = EMAHook()\nhook CheckpointHook()\nhook LoggerHook() after CheckpointHook\n")
    assert order(body) == ["ema", "CheckpointHook", "LoggerHook"]
    result = compile_text(recipe(body))
    assert [c for c, _, _ in located(result)] == ["W405"]  # against priorities: a warning


def test_before_moves_a_hook_earlier():
    body = "hook ema = EMAHook()\nhook CheckpointHook() before ema\n"
    assert order(body) == ["CheckpointHook", "ema"]


def test_edges_agreeing_with_priorities_change_nothing():
    body = "hook ema = EMAHook()\nhook LoggerHook() after ema\nhook CheckpointHook() after LoggerHook\n"
    assert order(body) == ["ema", "LoggerHook", "CheckpointHook"]
    assert compile_text(recipe(body)).diagnostics == []


def test_edge_between_equal_priorities():
    body = "hook a = EMAHook()\nhook b = DenseCLHook() before a\n"
    assert order(body) == ["b", "a"]
    assert compile_text(recipe(body, model="densecl()")).diagnostics == []


def test_type_reference_affects_every_hook_of_that_type():
    body = ("hook c1 = CheckpointHook(interval = 1ep) priority HIGH\n"
            "hook EMAHook() priority HIGHEST after CheckpointHook\n"
            "hook c2 = CheckpointHook(interval = 2ep) priority VERY_HIGH\n")
    assert order(body) == ["c2", "c1", "EMAHook"]


def test_unlabelled_hooks_of_one_type_get_numbered_labels():
    body = "hook CheckpointHook(interval = 1ep)\nhook CheckpointHook(interval = 2ep)\n"
    assert order(body) == ["CheckpointHook", "CheckpointHook#2"]


def test_label_reference():
    body = ("hook first = CheckpointHook(interval = 1ep)\n"
            "hook second = CheckpointHook(interval = 2ep)\n"
            "hook LoggerHook() priority LOWEST before second\n")
    assert order(body) == ["first", "LoggerHook", "second"]


def test_edges_chain_transitively():
    body = ("hook a = EMAHook() priority 10\nhook b = EMAHook() priority 20 after c\n"
            "hook c = EMAHook() priority 30 after d\nhook d = EMAHook() priority 40\n")
    assert order(body) == ["a", "d", "c", "b"]


def test_unconstrained_hooks_keep_priority_order_around_an_edge():
    body = ("hook a = EMAHook() priority 10\nhook b = EMAHook() priority 20 after e\n"
            "hook c = EMAHook() priority 30\nhook d = EMAHook() priority 40\n"
            "hook e = EMAHook() priority 50\n")
    assert order(body) == ["a", "c", "d", "e", "b"]


def test_several_references_in_one_clause():
    body = ("hook a = EMAHook() priority HIGHEST after b, c\nhook b = EMAHook()\n"
            "hook c = EMAHook() priority LOWEST\n")
    assert order(body) == ["b", "c", "a"]


def test_after_and_before_together():
    body = ("hook a = EMAHook() priority 10\nhook b = EMAHook() priority 20\n"
            "hook m = EMAHook() priority 90 after a before b\n")
    assert order(body) == ["a", "m", "b"]


# ---------------------------------------------------------------- per hook point

def test_hook_points():
    plan = plan_of(recipe(SCHEDULE + "hook ema = EMAHook()\nhook CheckpointHook()\n"
                          "hook LoggerHook()\nhook DenseCLHook()\n", model=ANY_MODEL))
    hooks = plan["hooks"]
    assert hooks["before_run"] == ["ema", "LoggerHook"]
    assert hooks["before_train_iter"] == ["DenseCLHook"]
    assert hooks["after_train_iter"] == ["ema", "LoggerHook", "ParamSchedulerHook",
                                         "CheckpointHook"]
    assert hooks["after_train_epoch"] == ["ParamSchedulerHook", "CheckpointHook"]
    assert hooks["before_save_checkpoint"] == ["ema"]
    assert "before_train_epoch" not in hooks  # no hook implements it
    for labels in hooks.values():
        assert labels


def test_hook_points_follow_explicit_edges():
    plan = plan_of(recipe(SCHEDULE + "hook ema = EMAHook() after CheckpointHook\n"
                          "hook CheckpointHook()\n"))
    assert plan["hooks"]["after_train_iter"] == ["ParamSchedulerHook", "CheckpointHook", "ema"]
    assert plan["hooks"]["before_run"] == ["ema"]


def test_user_hook_is_at_every_point():
    text = recipe("hook MyHook(x = 1) priority HIGH\n").replace("recipe t\n", "recipe t\nuse lab.hooks\n")
    result = compile_text(text)
    assert result.ok
    for labels in result.plan["hooks"].values():
        assert labels[0] == "MyHook"
    assert len(result.plan["hooks"]) == 12


def test_hook_args_in_plan():
    plan = plan_of(recipe("hook CheckpointHook(interval = 2ep, keep = 3)\n"))
    [h] = plan["hook_defs"]
    assert h["args"]["interval"] == {"value": 2, "unit": "ep", "iters": 16}
    assert h["args"]["keep"] == 3
    assert (h["priority"], h["line"]) == (90, 6)


# ---------------------------------------------------------------- errors

def test_cycle_gives_no_plan():
    result = compile_text(recipe("hook a = EMAHook() after c\nhook b = EMAHook() after a\n"
                                 "hook c = EMAHook() after b\n"))
    assert [c for c, _, _ in located(result)] == ["E401"]
    d = result.diagnostics[0]
    assert d.message == "hook order has a cycle: a → b → c → a"
    assert len(d.notes) == 3
    assert {n.split(" at line ")[1].split(":")[0] for n in d.notes} == {"6", "7", "8"}
    assert result.plan is None


def test_two_hook_cycle_through_before():
    result = compile_text(recipe("hook a = EMAHook() before b\nhook b = EMAHook() before a\n"))
    assert [c for c, _, _ in located(result)] == ["E401"]


@pytest.mark.parametrize("priority", ["0", "100", "HIGHEST", "LOWEST", "2 * 25", "p"])
def test_priority_values(priority):
    text = recipe(f"let p = 42\nhook EMAHook() priority {priority}\n")
    plan = plan_of(text)
    expected = {"0": 0, "100": 100, "HIGHEST": 0, "LOWEST": 100, "2 * 25": 50, "p": 42}[priority]
    assert plan["hook_defs"][0]["priority"] == expected


@pytest.mark.parametrize("priority, code", [("101", "E403"), ("-1", "E403"), ("2.5", "E403"),
                                            ("true", "E403"), ('"HIGH"', None),
                                            ("HGH", "E404"), ("1 / 0", "E102")])
def test_bad_priorities(priority, code):
    result = compile_text(recipe(f"hook EMAHook() priority {priority}\n"))
    assert [c for c, _, _ in located(result)] == ([code] if code else [])


# ---------------------------------------------------------------- fixed bugs

def test_label_clashing_with_a_later_type_name():
    result = compile_text(recipe("hook LoggerHook = EMAHook()\nhook LoggerHook()\n"))
    [d] = result.diagnostics
    assert d.code == "E406"
    assert "first names the hook at line 7" not in d.notes[0]


def test_check_hooks_shows_each_point_in_order(tmp_path):
    from helpers import invoke, recipe

    path = tmp_path / "order.ss"
    path.write_text(recipe("schedule lr { [0ep, end) CosineAnnealingLR(eta_min = 0) }\n"
                           "hook ckpt = CheckpointHook(interval = 1ep)\n"
                           "hook LoggerHook(interval = 5it) priority LOWEST after ckpt\n"
                           "hook ema = EMAHook() priority HIGH\n"))
    result = invoke("check", "--hooks", str(path))
    assert result.exit_code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 recipe checked: no problems"
    table = {line.split()[0]: line.split(None, 1)[1] for line in lines[3:] if line.startswith("  ")}
    assert table["after_train_iter"] == ("ema (30 HIGH; line 9) → ParamSchedulerHook (70 LOW; implicit) → "
                                         "ckpt (90 VERY_LOW; line 7) → LoggerHook (100 LOWEST; line 8)")
    assert table["before_run"] == "ema (30 HIGH; line 9) → LoggerHook (100 LOWEST; line 8)"
    assert table["after_load_checkpoint"] == "ema (30 HIGH; line 9)"
    assert "before_train_epoch" not in table  # no hook uses it
    assert lines[-2:] == ["what the hooks write:", "  ema writes `ema`"]
    # a recipe with errors has no order to show; json output is diagnostics only
    assert "hooks in the order" not in invoke("check", "--hooks", "--format", "json", str(path)).stdout


def test_simsiam_hook_lr_against_a_scaled_fixed_group():
    """`scale_lr_from` scales every group's lr (the fixed one too) but not
    SimSiamHook's `lr`: W410 says so, at the hook's `lr`."""
    text = recipe("hook SimSiamHook(fix_pred_lr = true, lr = 0.05)\n", model="simsiam()",
                  data="digits(batch = 64, augment = true, views = 2)", train="epochs = 2",
                  optimizer='SGD(lr = 0.05) {\n    params "predictor.*" { fixed_lr = true }\n}')
    assert compile_text(text).diagnostics == []
    [d] = compile_text(text, ["train.world_size=8", "train.scale_lr_from=256"]).diagnostics
    assert (d.code, d.span.line, d.span.column) == ("W410", 8, 43)
    assert "lr 0.05, but the group's own lr is 0.1" in d.message
    assert any("scale_lr_from" in n for n in d.notes)
