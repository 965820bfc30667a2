"""The self-supervised models (simsiam, densecl), their MMSelfSup hooks
(SimSiamHook, DenseCLHook) at their boundaries, and the linear probe that
`sspec run` writes into summary.json."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from helpers import EXAMPLES, invoke, spec

from sspec.runtime.data import build_data
from sspec.runtime.hooks.selfsup import DenseCLHook, SimSiamHook
from sspec.runtime.models import build_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def two_view_batch(batch=16):
    return next(build_data(spec("digits", batch=batch, augment=True, views=2)).batches(0))


# ------------------------------------------------------------------ hooks

def fake_runner(iter_=0, loss_lambda=0.5):
    groups = [{"lr": 0.5, "fixed_lr": False}, {"lr": 0.5, "fixed_lr": True}]
    return SimpleNamespace(iter=iter_, optimizer=SimpleNamespace(param_groups=groups),
                           model=SimpleNamespace(loss_lambda=loss_lambda))


def test_simsiam_hook_by_epoch_sets_only_fixed_groups_at_epoch_start():
    hook, r = SimSiamHook(fix_pred_lr=True, lr=0.01, adjust_by_epoch=True), fake_runner()
    hook.before_train_iter(r)
    assert [g["lr"] for g in r.optimizer.param_groups] == [0.5, 0.5]
    hook.before_train_epoch(r)
    assert [g["lr"] for g in r.optimizer.param_groups] == [0.5, 0.01]


def test_simsiam_hook_by_iter_and_off():
    hook, r = SimSiamHook(fix_pred_lr=True, lr=0.01, adjust_by_epoch=False), fake_runner()
    hook.before_train_epoch(r)
    assert [g["lr"] for g in r.optimizer.param_groups] == [0.5, 0.5]
    hook.before_train_iter(r)
    assert [g["lr"] for g in r.optimizer.param_groups] == [0.5, 0.01]
    off, r = SimSiamHook(fix_pred_lr=False, lr=0.01, adjust_by_epoch=False), fake_runner()
    off.before_train_epoch(r)
    off.before_train_iter(r)
    assert [g["lr"] for g in r.optimizer.param_groups] == [0.5, 0.5]


@pytest.mark.parametrize("start", [0, 1, 5])
def test_densecl_hook_boundary(start):
    hook, r = DenseCLHook(start_iters=start), fake_runner(loss_lambda=0.7)
    hook.before_train(r)
    for i in range(start + 2):
        r.iter = i
        hook.before_train_iter(r)
        assert r.model.loss_lambda == (0.0 if i < start else 0.7), i


# ------------------------------------------------------------------ models

@pytest.mark.parametrize("name", ["simsiam", "densecl"])
def test_loss_finite_with_gradients_on_two_views(name):
    torch.manual_seed(0)
    model = build_model(spec(name, queue_len=64) if name == "densecl" else spec(name))
    batch = two_view_batch()
    out = model.train_step(batch)
    assert out["loss"].dim() == 0 and torch.isfinite(out["loss"])
    out["loss"].backward()
    assert [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0] == []
    assert model.features(batch[0][0]).shape == (16, model.feat_dim)


def test_simsiam_predictor_parameter_names():
    names = {n for n, _ in build_model(spec("simsiam")).named_parameters()}
    assert any(n.startswith("predictor.") for n in names)
    assert any(n.startswith("projector.") for n in names) and any(n.startswith("backbone.") for n in names)


def test_densecl_key_encoder_and_queues_are_state_not_parameters():
    torch.manual_seed(0)
    model = build_model(spec("densecl", queue_len=40, momentum=0.9))
    params = {n for n, _ in model.named_parameters()}
    state = model.state_dict()
    assert {"queue", "queue_ptr", "queue2", "queue2_ptr"} <= set(state)
    assert any(k.startswith("key_backbone.") for k in state)
    assert not any(n.startswith("key_") for n in params)
    key_before = state["key_backbone.layers.0.conv.weight"].clone()
    queue_before = state["queue"].clone()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(2):
        out = model.train_step(two_view_batch(16))
        out["loss"].backward()
        opt.step()
        opt.zero_grad()
    assert int(model.queue_ptr) == 32 and int(model.queue2_ptr) == 32
    assert not torch.equal(model.queue, queue_before)
    assert not torch.equal(model.key_backbone.layers[0].conv.weight, key_before)
    # the key encoder follows the query encoder: closer to it than at the start
    q = model.backbone.layers[0].conv.weight
    assert (model.key_backbone.layers[0].conv.weight - q).norm() < (key_before - q).norm()
    # loss_lambda is a plain attribute, read each step and reported
    model.loss_lambda = 0.0
    out = model.train_step(two_view_batch(16))
    assert out["loss_lambda"] == 0.0
    assert out["loss"].item() == pytest.approx(out["loss_global"], rel=1e-5)


# ------------------------------------------------------------------ runs

def run_example(name, work, *extra):
    result = invoke("run", str(EXAMPLES / name), "--work-dir", str(work), "--device", "cpu", *extra)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    rows = [json.loads(line) for line in (work / "metrics.jsonl").read_text().splitlines()]
    summary = json.loads((work / "summary.json").read_text())
    # the last line says what the probe found
    assert (f"linear probe {summary['probe_acc']:.4f} (random init {summary['probe_acc_random_init']:.4f})"
            in result.stdout)
    return rows, summary


@pytest.mark.parametrize("name", ["simsiam_digits.ss", "densecl_digits.ss"])
def test_examples_check_clean(name):
    result = invoke("check", str(EXAMPLES / name))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_simsiam_short_run_keeps_fixed_lr_and_writes_probe(tmp_path):
    rows, summary = run_example("simsiam_digits.ss", tmp_path / "w", "--set", "train.epochs=2")
    assert len(rows) == 46
    fixed = [k for k in rows[0] if k.startswith("lr[")]
    assert len(fixed) == 1
    base_lr = 0.2 * 64 / 256
    assert all(r[fixed[0]] == pytest.approx(base_lr) for r in rows)
    assert rows[-1]["lr"] < base_lr  # the other group follows the cosine
    for key in ("probe_acc", "probe_acc_random_init"):
        assert 0.0 <= summary[key] <= 1.0


def test_densecl_short_run_warms_up_loss_lambda_and_checkpoints_queues(tmp_path):
    work = tmp_path / "w"
    rows, summary = run_example("densecl_digits.ss", work, "--set", "train.epochs=1")
    assert len(rows) == 23
    assert all(r["loss_lambda"] == 0.0 for r in rows)  # start_iters = 100
    assert all(r["loss"] == pytest.approx(r["loss_global"], rel=1e-5) for r in rows)
    assert 0.0 <= summary["probe_acc"] <= 1.0 and 0.0 <= summary["probe_acc_random_init"] <= 1.0
    ckpt = torch.load(work / "checkpoints" / "iter_23.pt", weights_only=False)
    assert {"queue", "queue2", "queue_ptr", "key_backbone.layers.0.conv.weight"} <= set(ckpt["model"])


def test_hook_needing_a_model_part_fails_before_training(tmp_path):
    """A user model (not checkable statically) without the part a hook needs:
    `sspec run` names the hook, its line and the missing attribute."""
    path = tmp_path / "r.ss"
    path.write_text("recipe r\ntrain { epochs = 1 }\n"
                    'model = "sspec.runtime.models.mlp:MLP"(in_dim = 64, hidden = 8, depth = 2, num_classes = 10)\n'
                    "data = digits(batch = 256)\noptimizer SGD(lr = 0.1)\n"
                    "hook DenseCLHook(start_iters = 10)\n")
    assert invoke("check", str(path)).exit_code == 0
    result = invoke("run", str(path), "--work-dir", str(tmp_path / "w"))
    assert result.exit_code == 1
    assert "hook `DenseCLHook` (line 6) needs a model with `loss_lambda`" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "w" / "metrics.jsonl").exists()


@pytest.mark.parametrize("name, edits, stop", [
    ("simsiam_digits.ss", {"interval = 5ep": "interval = 1ep"}, 30),
    # the dense loss starts at iteration 30, after the resumed checkpoint (23)
    ("densecl_digits.ss", {"interval = 5ep": "interval = 1ep", "start_iters = 100": "start_iters = 30"}, 40),
])
def test_example_resumed_mid_run_writes_the_same_metrics(tmp_path, monkeypatch, name, edits, stop):
    from sspec.runtime.loop import STOP_ENV

    text = (EXAMPLES / name).read_text()
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text)
    args = ("--set", "train.epochs=2", "--device", "cpu")
    full, part = tmp_path / "full", tmp_path / "part"
    assert invoke("run", str(path), "--work-dir", str(full), *args).exit_code == 0
    monkeypatch.setenv(STOP_ENV, str(stop))
    assert invoke("run", str(path), "--work-dir", str(part), *args).exit_code == 0
    monkeypatch.delenv(STOP_ENV)
    assert not (part / "summary.json").exists()
    result = invoke("run", str(path), "--work-dir", str(part), "--resume", *args)
    assert result.exit_code == 0, result.stderr
    assert "iteration 23" in result.stderr + result.stdout
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()
    summary = json.loads((part / "summary.json").read_text())
    assert summary["resumed_from"] == 23
    assert summary["probe_acc"] == json.loads((full / "summary.json").read_text())["probe_acc"]
