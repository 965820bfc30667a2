"""Several processes: the compiler's world-size arithmetic, the data's
shards, and `sspec run --nproc 2` on the CPU (gloo).

The launched runs are real: `python -m sspec run --nproc 2` in a subprocess,
through torch's elastic launcher. A 2-process run with batch 32 equals a
1-process run with batch 64 (an MLP: no layer depends on the batch); a
2-process run stopped and resumed equals the uninterrupted one line for
line; a checkpoint of 2 processes resumes in 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from helpers import EXAMPLES, compile_text, invoke, plan_of, recipe

from sspec.registry.data import batches
from sspec.runtime.loop import STOP_ENV
from sspec.schedules import compute

# 200 images: 100 per process, 7 batches of 16 (the last of 4), the same 7
# batches of 32 (the last of 8) as one process with batch 32. Synthetic
# images, not digits: no validation and no linear probe, for speed.
RECIPE = """recipe dist
train {{ epochs = 2  seed = 3 }}
model = mlp(hidden = 32)
data  = synthetic_images(n = 200, size = 8, channels = 1, batch = {batch})
optimizer SGD(lr = 0.1, momentum = 0.9, weight_decay = 1e-4) {{
    params bias {{ decay_mult = 0 }}
}}
schedule lr {{
    [0ep, 1ep)   LinearLR(start_factor = 0.1)       per iter
    [1ep, end)   CosineAnnealingLR(eta_min = 1e-4)  per iter
}}
hook CheckpointHook(interval = 1ep)
hook EMAHook(momentum = 0.01)
"""
ITERS = 14


def launch(path: Path, work: Path, *extra: str, env: dict | None = None,
           nproc: int = 2) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sspec", "run", str(path), "--work-dir", str(work),
               "--device", "cpu", "--nproc", str(nproc), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})


def ok(result) -> None:
    """A launched run (CompletedProcess) or an in-process one (click's Result) succeeded."""
    out = result.stdout + result.stderr
    code = result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    assert code == 0, out
    assert "Traceback" not in out, out


def lines(work: Path) -> list[dict]:
    return [json.loads(line) for line in (work / "metrics.jsonl").read_text().splitlines()]


def final_model(work: Path, n: int = ITERS) -> dict:
    return torch.load(work / "checkpoints" / f"iter_{n}.pt", weights_only=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The recipe files, an uninterrupted 2-process run (batch 16 each), a
    1-process run of batch 32, and a 2-process run stopped after 10
    iterations (its checkpoint: iteration 7), shared by the tests below."""
    root = tmp_path_factory.mktemp("dist")
    two = root / "two.ss"
    two.write_text(RECIPE.format(batch=16))
    one = root / "one.ss"
    one.write_text(RECIPE.format(batch=32))
    ok(launch(two, root / "full2"))
    ok(invoke("run", str(one), "--work-dir", str(root / "full1"), "--device", "cpu"))
    ok(launch(two, root / "stopped2", env={STOP_ENV: "10"}))
    return root


def test_two_processes_equal_one_with_the_same_global_batch(runs):
    two, one = lines(runs / "full2"), lines(runs / "full1")
    assert [r["iter"] for r in two] == list(range(ITERS))
    assert {r["world_size"] for r in two} == {2} and {r["world_size"] for r in one} == {1}
    for a, b in zip(two, one):
        assert a["lr"] == b["lr"] and a["epoch"] == b["epoch"]
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5, abs=1e-6)  # the mean over ranks
        assert a["acc"] == pytest.approx(b["acc"], abs=1e-6)
    a, b = final_model(runs / "full2"), final_model(runs / "full1")
    assert a["world_size"] == 2 and b["world_size"] == 1
    for key in b["model"]:
        assert torch.allclose(a["model"][key], b["model"][key], rtol=1e-4, atol=1e-5), key
    for key in b["ema"]["state_dict"]:  # EMAHook: the same average in one process or two
        assert torch.allclose(a["ema"]["state_dict"][key], b["ema"]["state_dict"][key],
                              rtol=1e-4, atol=1e-5), key
    s2 = json.loads((runs / "full2" / "summary.json").read_text())
    s1 = json.loads((runs / "full1" / "summary.json").read_text())
    assert (s2["world_size"], s2["iterations"], s1["world_size"]) == (2, ITERS, 1)
    assert s2["final"]["loss"] == pytest.approx(s1["final"]["loss"], rel=1e-5)


def test_stop_and_resume_under_two_processes_is_exact(runs):
    work = runs / "part2"
    shutil.copytree(runs / "stopped2", work)
    assert len(lines(work)) == 10 and not (work / "summary.json").exists()
    result = launch(runs / "two.ss", work, "--resume")
    ok(result)
    assert result.stderr.count("resumed from") == 1  # process 0 speaks for both
    assert "iteration 7" in result.stderr
    assert (work / "metrics.jsonl").read_text() == (runs / "full2" / "metrics.jsonl").read_text()
    a, b = final_model(work), final_model(runs / "full2")
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key])


def test_a_checkpoint_of_two_processes_resumes_in_one(runs):
    """Same global batch: the same epoch length, so the same iteration, and
    the rest of the run follows the 2-process one closely. With batch 16 in
    one process an epoch has 13 iterations: the run continues at the same
    epoch (iteration 13), after the 7 lines written before the checkpoint."""
    same = runs / "to-one-32"
    shutil.copytree(runs / "stopped2", same)
    result = invoke("run", str(runs / "one.ss"), "--work-dir", str(same), "--device", "cpu",
                    "--resume")
    ok(result)
    assert "written by 2 process(es); this run has 1" in result.stderr
    rows, full = lines(same), lines(runs / "full2")
    assert [r["iter"] for r in rows] == list(range(ITERS))
    assert [r["world_size"] for r in rows] == [2] * 7 + [1] * 7
    for a, b in zip(rows, full):
        assert a["lr"] == b["lr"]
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-5, abs=1e-6)

    longer = runs / "to-one-16"
    shutil.copytree(runs / "stopped2", longer)
    result = invoke("run", str(runs / "two.ss"), "--work-dir", str(longer), "--device", "cpu",
                    "--resume")
    ok(result)
    assert "continuing at iteration 13 of 13 per epoch" in result.stderr
    rows = lines(longer)
    assert [r["iter"] for r in rows] == list(range(7)) + list(range(13, 26))
    assert json.loads((longer / "summary.json").read_text())["iterations"] == 26


def test_a_failing_worker_is_one_clear_error(tmp_path):
    """The recipe's own `iters_per_epoch` is per process: 8 batches of 64
    for one process, 4 each for two, so two processes are refused by each
    worker, and the launcher ends with one line and exit status 1."""
    result = launch(EXAMPLES / "mae_vit_tiny.ss", tmp_path / "w")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "gives 4 batches per epoch" in result.stderr
    assert "error: training stopped: process" in result.stderr.splitlines()[-1]
    # the workers' errors and that line, not the elastic agent's log
    assert "closing signal" not in result.stderr and "local_rank:" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--nnodes", "2"], "need --nproc"),
    (["--nproc", "2", "--nnodes", "2"], "need --rdzv-endpoint"),
    (["--nproc", "2", "--nnodes", "2", "--node-rank", "2", "--rdzv-endpoint", "h:1"],
     "not below --nnodes"),
])
def test_launch_options_are_checked(tmp_path, args, message):
    path = tmp_path / "r.ss"
    path.write_text(RECIPE.format(batch=32))
    result = invoke("run", str(path), "--work-dir", str(tmp_path / "w"), *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "w").exists()


def test_a_plan_for_other_processes_is_refused_in_one(tmp_path):
    from sspec.runtime.loop import RunError, Runner

    plan = plan_of(RECIPE.format(batch=32), ["train.world_size=2"])
    with pytest.raises(RunError, match="for 2 process"):
        Runner(plan, tmp_path / "w", device="cpu", log=lambda s: None)


# ------------------------------------------------------------ arithmetic

@pytest.mark.parametrize("n, batch, drop_last, world_size, expected", [
    (1438, 64, False, 1, 23),
    (1438, 32, False, 2, 23),     # 719 each
    (1438, 32, False, 8, 6),      # 180 each (1440: two padded)
    (1438, 32, True, 8, 5),
    (10, 4, False, 3, 1),         # 4 each
    (10, 4, True, 4, 0),          # 3 each: no whole batch
    (7, 1, False, 7, 1),
])
def test_batches_per_process(n, batch, drop_last, world_size, expected):
    assert batches(n, batch, drop_last, world_size) == expected


@pytest.mark.parametrize("world_size", [2, 3])
def test_shards_together_are_the_one_process_batches(world_size):
    """Batch k of every process together is batch k of one process with a
    batch `world_size` times larger: the same samples (padded by wrapping
    around, as MMEngine's DefaultSampler)."""
    from sspec.runtime.data.synthetic import synthetic_images

    def source(batch, rank=None):
        s = synthetic_images(n=50, size=4, channels=1, num_classes=3, batch=batch, seed=1,
                             drop_last=False)
        if rank is not None:
            s.shard(rank, world_size)
        return s

    whole = [b[2].tolist() for b in source(4 * world_size).batches(epoch=1)]
    shards = [source(4, r) for r in range(world_size)]
    assert all(s.iters_per_epoch == batches(50, 4, False, world_size) == len(whole)
               for s in shards)
    parts = [[b[2].tolist() for b in s.batches(epoch=1)] for s in shards]
    order = source(1).order(1).tolist()
    padded = order + order  # wrapped around: 50 -> 25 each of 2, 17 each of 3
    g = 4 * world_size
    for k in range(len(whole)):
        together = sorted(i for p in parts for i in p[k])
        assert together == sorted(padded[k * g:min((k + 1) * g, world_size * -(-50 // world_size))])
        assert whole[k] == order[k * g:(k + 1) * g]
        if (k + 1) * g <= 50:  # no padding in it: the very same samples
            assert together == sorted(whole[k])
    # resuming mid-epoch skips to the same batch in every process
    assert [b[2].tolist() for b in shards[1].batches(epoch=1, start=2)] == parts[1][2:]


def test_world_size_sets_the_time_line_and_batch_totals():
    text = recipe(data="digits(batch = 32)", train="epochs = 12")
    one = plan_of(text)["train"]
    assert (one["world_size"], one["iters_per_epoch"], one["iters"], one["global_batch"],
            one["lr_scale"]) == (1, 45, 540, 32, None)
    eight = plan_of(text, ["train.world_size=8"])["train"]
    assert (eight["iters_per_epoch"], eight["iters"], eight["global_batch"]) == (6, 72, 256)
    dropped = plan_of(text, ["train.world_size=8", "data.drop_last=true"])["train"]
    assert dropped["iters_per_epoch"] == 5


def test_scale_lr_from_scales_every_lr_as_mmengine():
    """lr x world_size * batch / scale_lr_from, on the optimizer's lr and a
    rule's own lr (lr_mult is a ratio); accumulation does not count."""
    body = ("schedule lr { [0ep, 1ep) LinearLR(start_factor = 0.1) per iter\n"
            "              [1ep, end) CosineAnnealingLR(eta_min = 0) per iter }\n")
    text = recipe(body, data="digits(batch = 32)", train="epochs = 4  scale_lr_from = 128",
                  optimizer="SGD(lr = 0.1) { params bias { lr = 0.5 }  params norm { lr_mult = 2 } }")
    base = plan_of(text)
    assert base["train"]["lr_scale"] == 0.25
    assert base["optimizer"]["args"]["lr"] == 0.1 * 0.25
    for ws, acc in ((8, 1), (8, 4)):
        plan = plan_of(text, [f"train.world_size={ws}", f"train.accumulate={acc}"])
        assert plan["train"]["lr_scale"] == 2.0  # 8 * 32 / 128
        assert plan["optimizer"]["args"]["lr"] == 0.2
        assert plan["optimizer"]["rules"][0]["settings"]["lr"] == 1.0
        assert plan["optimizer"]["rules"][1]["settings"]["lr_mult"] == 2
    plain = plan_of(text, ["train.world_size=8", "train.scale_lr_from=none"])
    scaled = plan_of(text, ["train.world_size=8"])
    a, b = compute(plain), compute(scaled)
    assert plain["train"]["iters"] == scaled["train"]["iters"] == 24
    assert b.curve("lr").tolist() == pytest.approx((2 * a.curve("lr")).tolist(), rel=1e-12)


def test_scale_lr_from_needs_a_batch():
    text = recipe(data='"userdata:make"(n = 10)', train="iters = 10  scale_lr_from = 256")
    errors = [d for d in compile_text(text).diagnostics if d.is_error]
    assert [(d.code, d.span.line) for d in errors] == [("E303", 2)]
    assert "`scale_lr_from` needs the batch size" in errors[0].message


def test_check_and_render_show_the_totals_of_a_world_size(tmp_path):
    path = EXAMPLES / "quickstart.ss"
    result = invoke("check", str(path), "--set", "train.world_size=8",
                    "--set", "train.scale_lr_from=128")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "1 recipe checked: no problems",
        (f"{path}: 8 processes x batch 32 = global batch 256; 6 iterations per epoch, "
         "72 iterations in all; lr x 2 (global batch / scale_lr_from 128)")]
    result = invoke("render", str(path), "--set", "train.world_size=8", "--format", "json")
    assert result.exit_code == 0
    values = json.loads(result.stdout)
    assert (values["iterations"], values["iters_per_epoch"]) == (72, 6)
    result = invoke("render", str(path), "--set", "train.world_size=8", "--set",
                    "train.scale_lr_from=128")
    assert result.exit_code == 0
    head = result.stdout.splitlines()
    assert head[0] == "quickstart (72 iterations)"
    assert head[1].startswith("8 processes x batch 32 = global batch 256")
    assert "0.2" in result.stdout  # the scaled peak: 2 x 0.1


def test_import_translates_auto_scale_lr(tmp_path):
    from sspec.importer import import_config

    config = tmp_path / "c.py"
    config.write_text(
        "model = dict(type='ImageClassifier')\n"
        "train_dataloader = dict(batch_size=32, dataset=dict(type='ImageNet'))\n"
        "train_cfg = dict(by_epoch=True, max_epochs=10)\n"
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n"
        "auto_scale_lr = dict(enable=True, base_batch_size=256)\n")
    result = import_config(str(config), 100)
    assert "scale_lr_from   = 256" in result.text
    assert not [d for d in result.diagnostics if d.code == "W601"]
    plan = plan_of(result.text, ["train.world_size=8"])
    assert plan["optimizer"]["args"]["lr"] == 0.1 * 8 * 32 / 256
