"""`sspec run`: the training loop end to end, on the CPU, with tiny settings.

Files on disk, the scheduled values used at every iteration (exactly
`sspec.schedules.compute(plan)`), bit-identical resume (also past a corrupt
checkpoint), recipes refused before training, mixed precision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from helpers import EXAMPLES, compile_text, invoke

from sspec.runtime.loop import STOP_ENV
from sspec.schedules import compute

TINY = ["--set", "train.epochs=3", "--set", "data.batch=128"]  # 12 batches/epoch, 36 iters
ITERS = 36

RECIPE = """recipe tiny
train { epochs = 3  seed = 1 }
model = mlp(hidden = 32)
data  = digits(batch = 128)
optimizer SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4) {
    params bias { lr_mult = 2  decay_mult = 0 }
}
schedule lr {
    [0ep, 1ep)   LinearLR(start_factor = 0.1)    per iter
    [1ep, end)   CosineAnnealingLR(eta_min = 1e-4)  per iter
}
schedule momentum {
    [0ep, end)   CosineAnnealingMomentum(eta_min = 0.85)  per epoch
}
hook CheckpointHook(interval = 1ep, keep = 2)
hook LoggerHook(interval = 5it)
"""


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.ss"
    path.write_text(RECIPE)
    return path


def run(path, work, *extra, env=None):
    result = invoke("run", str(path), "--work-dir", str(work), "--device", "cpu", *extra,
                    env=env or {})
    return result


def lines(work: Path) -> list[dict]:
    return [json.loads(line) for line in (work / "metrics.jsonl").read_text().splitlines()]


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.stdout + result.stderr


def test_run_writes_metrics_summary_and_checkpoints(tiny, tmp_path):
    work = tmp_path / "w"
    ok(run(tiny, work))
    rows = lines(work)
    assert [r["iter"] for r in rows] == list(range(ITERS))
    assert [r["epoch"] for r in rows] == [i // 12 for i in range(ITERS)]
    summary = json.loads((work / "summary.json").read_text())
    assert summary["iterations"] == ITERS
    assert summary["final"]["loss"] == rows[-1]["loss"]
    assert 0.5 < summary["val_accuracy"] <= 1
    # one checkpoint per epoch, the newest 2 kept
    names = sorted(p.name for p in (work / "checkpoints").iterdir())
    assert names == ["iter_24.pt", "iter_36.pt"]
    ckpt = torch.load(work / "checkpoints" / "iter_36.pt", weights_only=True)
    assert ckpt["iter"] == ITERS and ckpt["epoch"] == 3 and ckpt["inner_iter"] == 0


def test_scheduled_values_are_computes_exactly(tiny, tmp_path):
    work = tmp_path / "w"
    ok(run(tiny, work))
    plan = compile_text(RECIPE, file=str(tiny)).plan
    values = compute(plan)
    rows = lines(work)
    group = "line 6"
    assert group in values.groups and "lr" in values.groups[group]
    for r in rows:
        i = r["iter"]
        assert r["lr"] == values.at("lr", i)
        assert abs(r["lr"] - values.at("lr", i)) <= 1e-12
        assert r["momentum"] == values.at("momentum", i)
        assert r[f"lr[{group}]"] == values.at("lr", i, group=group)
    assert rows[0]["lr"] != rows[-1]["lr"]


def test_param_groups_get_the_values(tiny):
    """What the optimizer holds at step i is the curve's value (lr scaled per group)."""
    from sspec.runtime.loop import Runner

    plan = compile_text(RECIPE, file=str(tiny)).plan
    runner = Runner(plan, tiny.parent / "unused", device="cpu", log=lambda s: None)
    for i in (0, 5, 20, 35):
        runner.apply_schedules(i)
        for tg, info in zip(runner.optimizer.param_groups, runner.built.groups):
            g = None if info["schedule_group"] == "default" else info["schedule_group"]
            assert tg["lr"] == runner.values.at("lr", i, group=g)
            assert tg["momentum"] == runner.values.at("momentum", i, group=g)


def test_resume_is_bit_identical(tiny, tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    ok(run(tiny, full))
    result = run(tiny, part, env={STOP_ENV: "17"})
    ok(result)
    assert len(lines(part)) == 17 and not (part / "summary.json").exists()
    result = run(tiny, part, "--resume")
    ok(result)
    assert "iteration 12" in result.stderr
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()


def test_corrupt_newest_checkpoint_is_skipped(tiny, tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    ok(run(tiny, full))
    ok(run(tiny, part, env={STOP_ENV: "30"}))
    newest = part / "checkpoints" / "iter_24.pt"
    data = newest.read_bytes()
    newest.write_bytes(data[: len(data) // 2])  # a torn write
    result = run(tiny, part, "--resume")
    ok(result)
    assert "skipping checkpoint" in result.stderr and "iteration 12" in result.stderr
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()


def test_resume_with_a_changed_recipe_says_what_changed(tiny, tmp_path):
    work = tmp_path / "w"
    ok(run(tiny, work, env={STOP_ENV: "13"}))
    result = run(tiny, work, "--resume", "--set", "train.seed=2")
    ok(result)
    assert "recipe changed" in result.stderr and "train.seed" in result.stderr
    assert len(lines(work)) == ITERS


def test_recipe_with_errors_exits_1_before_training(tmp_path):
    bad = tmp_path / "bad.ss"
    bad.write_text(RECIPE.replace("SGD(", "SDG("))
    result = run(bad, tmp_path / "w")
    assert result.exit_code == 1
    assert not (tmp_path / "w").exists()


def test_hook_without_implementation_exits_1(tmp_path):
    path = tmp_path / "unimplemented.ss"
    path.write_text("recipe unimplemented\ntrain { epochs = 1  seed = 0 }\n"
                    "model = mlp(hidden = 32)\ndata  = digits(batch = 128)\n"
                    'optimizer SGD(lr = 0.1)\nhook "no_such_lab.hooks:GradHook"(every = 2)\n')
    result = run(path, tmp_path / "w")
    assert result.exit_code == 1
    assert "hook `no_such_lab.hooks:GradHook` (line 6): cannot import module `no_such_lab.hooks`" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_smoke(tiny, tmp_path, precision):
    if precision == "fp16":
        try:
            torch.amp.GradScaler("cpu")
        except (RuntimeError, TypeError, AttributeError):  # pragma: no cover - older torch
            pytest.skip("no CPU GradScaler")
    work = tmp_path / precision
    ok(run(tiny, work, "--set", f'train.precision="{precision}"', "--set", "train.epochs=2"))
    rows = lines(work)
    assert len(rows) == 24
    assert all(r["loss"] == r["loss"] for r in rows)  # no NaN
    summary = json.loads((work / "summary.json").read_text())
    assert summary["precision"] == precision


def test_accumulate_and_clip(tiny, tmp_path):
    work = tmp_path / "acc"
    ok(run(tiny, work, "--set", "train.accumulate=5", "--set", "train.clip_grad_norm=1.0"))
    rows = lines(work)
    values = compute(compile_text(RECIPE, ["train.accumulate=5", "train.clip_grad_norm=1.0"],
                                  file=str(tiny)).plan)
    assert [r["lr"] for r in rows] == values.curve("lr").tolist()


def test_ema_hook_resumes_exactly(tiny, tmp_path):
    text = RECIPE + "hook EMAHook(momentum = 0.01)\n"
    path = tmp_path / "ema.ss"
    path.write_text(text)
    full, part = tmp_path / "full", tmp_path / "part"
    ok(run(path, full))
    ok(run(path, part, env={STOP_ENV: "20"}))
    ok(run(path, part, "--resume"))
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()
    a = torch.load(full / "checkpoints" / "iter_36.pt", weights_only=True)["ema"]
    b = torch.load(part / "checkpoints" / "iter_36.pt", weights_only=True)["ema"]
    assert a["steps"] == b["steps"] == ITERS
    for k in a["state_dict"]:
        assert torch.equal(a["state_dict"][k], b["state_dict"][k])


def test_quickstart_checks_and_runs(tmp_path):
    result = invoke("check", str(EXAMPLES / "quickstart.ss"))
    assert result.exit_code == 0, result.stdout
    work = tmp_path / "q"
    ok(run(EXAMPLES / "quickstart.ss", work, "--set", "train.epochs=2"))
    assert len(lines(work)) == 90
    assert json.loads((work / "summary.json").read_text())["val_accuracy"] > 0.8


def test_logger_rewrites_one_line_on_a_terminal(tiny, tmp_path):
    import io

    from sspec.runtime.hooks.logger import LoggerHook
    from sspec.runtime.loop import Runner

    class Tty(io.StringIO):
        def isatty(self):
            return True

    plan = compile_text(RECIPE, file=str(tiny)).plan
    runner = Runner(plan, tmp_path / "w", device="cpu", log=lambda s: None)
    stream = Tty()
    for hook in runner.hooks.values():
        if isinstance(hook, LoggerHook):
            hook.stream = stream
    runner.run()
    text = stream.getvalue()
    assert "\r\x1b[K" + "iter 5/36" in text
    assert "\nval epoch 1: accuracy" in text


VIT = """recipe vit_finetune
train { epochs = 2 }
model = vit(channels = 1, img_size = 8, patch = 2, depth = 2, dim = 32, heads = 2)
data  = digits(batch = 512)
optimizer AdamW(lr = 1e-3, betas = (0.9, 0.999), weight_decay = 0.05) {
    params norm, bias, "*pos_embed", "*cls_token" { decay_mult = 0 }
    params "head.*" { lr_mult = 10 }
    layer_decay(rate = 0.65, layers = 2)
}
schedule lr {
    [0ep, 1ep)   LinearLR(start_factor = 0.1)  per iter
    [1ep, end)   CosineAnnealingLR(eta_min = 1e-6)  per iter
}
schedule momentum {
    [0ep, end)   CosineAnnealingMomentum(eta_min = 0.8)  per iter
}
"""


def test_layer_decay_rule_groups_and_betas(tmp_path):
    """Each torch group: its schedule group's curve times its layer scale;
    Adam's momentum is betas[0]; combined rule groups follow their own base."""
    from sspec.runtime.loop import Runner

    plan = compile_text(VIT, file="vit.ss").plan
    runner = Runner(plan, tmp_path / "w", device="cpu", log=lambda s: None)
    values = runner.values
    combined = [g for g in runner.built.groups if " + " in g["schedule_group"]]
    assert combined  # head.bias: both rules
    for i in (0, 3, values.iterations - 1):
        runner.apply_schedules(i)
        for tg, info in zip(runner.optimizer.param_groups, runner.built.groups):
            sg = info["schedule_group"]
            if sg == "default":
                lr = values.at("lr", i)
            elif " + " in sg:
                lr = float(runner._combined(sg, info["settings"])["lr"][i])
            else:
                lr = values.at("lr", i, group=sg)
            assert tg["lr"] == lr * info["lr_scale"] if info["lr_scale"] != 1.0 else tg["lr"] == lr
            assert tg["betas"][0] == values.at("momentum", i)
            assert tg["betas"][1] == 0.999
        # a combined group starts from its own base: 10x the optimizer's lr
    info = combined[0]
    assert runner._combined(info["schedule_group"], info["settings"])["lr"][0] == \
        pytest.approx(10 * values.at("lr", 0))
    ok(run_text(VIT, tmp_path))


def run_text(text, tmp_path):
    path = tmp_path / "r.ss"
    path.write_text(text)
    return run(path, tmp_path / "run")


def test_iteration_interval_keep_all_and_plain_log_lines(tmp_path):
    text = RECIPE.replace("CheckpointHook(interval = 1ep, keep = 2)",
                          "CheckpointHook(interval = 10it, keep = -1)")
    result = run_text(text, tmp_path)
    ok(result)
    names = sorted((p.name for p in (tmp_path / "run" / "checkpoints").iterdir()),
                   key=lambda n: int(n[5:-3]))
    assert names == ["iter_10.pt", "iter_20.pt", "iter_30.pt", "iter_36.pt"]
    log = result.stdout.splitlines()
    # LoggerHook(interval = 5it): every 5 batches of each epoch, plain lines (not a TTY)
    assert [ln.split()[1] for ln in log if ln.startswith("iter ")] == \
        ["5/36", "10/36", "17/36", "22/36", "29/36", "34/36", "36/36"]
    assert "\r" not in result.stdout
    assert sum(ln.startswith("val epoch") for ln in log) == 3


def test_fresh_run_moves_earlier_checkpoints_aside(tiny, tmp_path):
    work = tmp_path / "w"
    ok(run(tiny, work))
    result = run(tiny, work, "--set", "train.epochs=2")
    ok(result)
    assert "moved 2 checkpoint(s)" in result.stderr
    assert sorted(p.name for p in (work / "checkpoints").iterdir()) == ["iter_12.pt", "iter_24.pt"]
    assert len(list(work.glob("checkpoints.old-*/iter_*.pt"))) == 2
    assert len(lines(work)) == 24


def test_adamw_layer_decay_resume_is_bit_identical(tmp_path):
    text = VIT + "hook CheckpointHook(interval = 1ep)\n"
    path = tmp_path / "vit.ss"
    path.write_text(text)
    full, part = tmp_path / "full", tmp_path / "part"
    ok(run(path, full))
    ok(run(path, part, env={STOP_ENV: "4"}))
    result = run(path, part, "--resume")
    ok(result)
    assert "iteration 3" in result.stderr
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()


def test_sigkill_at_a_random_moment_then_resume_gives_the_same_metrics(tiny, tmp_path):
    """The issue's promise, literally: a real process killed with SIGKILL (no
    chance to clean up) at a moment chosen at random after its first
    checkpoint, then `--resume`: the metrics equal an uninterrupted run's."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    recipe = tmp_path / "long.ss"
    recipe.write_text(RECIPE.replace("epochs = 3", "epochs = 60"))  # 720 iterations
    full = tmp_path / "full"
    ok(run(recipe, full))

    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "sspec", "run", str(recipe), "--work-dir", str(killed),
               "--device", "cpu"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list((killed / "checkpoints").glob("*.pt")):
            assert proc.poll() is None, "the run ended before its first checkpoint"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(random.Random(os.getpid()).uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    done_before = len((killed / "metrics.jsonl").read_text().splitlines())

    ok(run(recipe, killed, "--resume"))
    assert (killed / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()
    assert done_before < len(lines(full)), "the run finished before it was killed"


def test_user_hooks_and_models_come_from_use(tmp_path, monkeypatch):
    """`use pkg.module` names and quoted `"module:callable"` components are
    imported by `run` (and only by `run`)."""
    package = tmp_path / "userlab"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "parts.py").write_text('''
import json, torch
from sspec.runtime.hooks.base import Hook
from sspec.runtime.models.mlp import MLP


class CountHook(Hook):
    def __init__(self, out):
        self.out, self.count = out, 0

    def after_train_iter(self, runner):
        self.count += 1

    def after_run(self, runner):
        with open(self.out, "w") as f:
            json.dump(self.count, f)


def small_mlp(hidden=16):
    return MLP(in_dim=64, hidden=hidden, depth=2, num_classes=10)
''')
    monkeypatch.syspath_prepend(str(tmp_path))
    counts = tmp_path / "count.json"
    recipe = tmp_path / "user.ss"
    recipe.write_text(f'''use userlab.parts
train {{ epochs = 1 }}
model = small_mlp(hidden = 8)
data = digits(batch = 128)
optimizer SGD(lr = 0.1)
hook CountHook(out = "{counts}")
hook "userlab.parts:CountHook"(out = "{counts}.2")
''')
    ok(run(recipe, tmp_path / "work"))
    assert json.loads(counts.read_text()) == 12
    assert json.loads(Path(f"{counts}.2").read_text()) == 12
    assert len(lines(tmp_path / "work")) == 12
