"""SwAV: the Sinkhorn-Knopp codes, the model's queue, SwAVHook at its
boundaries (queue start and size, frozen prototypes, checkpoints), and the
example recipe run short, then interrupted and resumed."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from helpers import EXAMPLES, invoke, spec

from sspec.runtime.data import build_data
from sspec.runtime.hooks.swav import SwAVHook
from sspec.runtime.loop import STOP_ENV
from sspec.runtime.models import build_model
from sspec.runtime.models.swav import sinkhorn

pytestmark = pytest.mark.usefixtures("one_torch_thread")

EXAMPLE = EXAMPLES / "swav_digits.ss"


def swav(**args):
    torch.manual_seed(0)
    return build_model(spec("swav", **args))


def batch_of(size=16, views=2):
    return next(build_data(spec("digits", batch=size, augment=True, views=views)).batches(0))


# ------------------------------------------------------------------ codes

def test_sinkhorn_codes_are_assignments_balanced_over_prototypes():
    torch.manual_seed(0)
    scores = torch.nn.functional.normalize(torch.randn(48, 8), dim=1)
    q = sinkhorn(scores, iterations=3, epsilon=0.05)
    assert q.shape == (48, 8) and (q >= 0).all()
    # each sample's code is a distribution over the prototypes (the last step)
    assert torch.allclose(q.sum(1), torch.ones(48), atol=1e-5)
    # ... and the prototypes share the samples evenly once it has converged
    q = sinkhorn(scores, iterations=200, epsilon=0.05)
    assert torch.allclose(q.sum(0), torch.full((8,), 48 / 8), rtol=1e-3)
    # equal scores: every prototype equally likely
    assert torch.allclose(sinkhorn(torch.zeros(5, 4), 3, 0.05), torch.full((5, 4), 0.25))


def test_sinkhorn_is_finite_where_the_exponentials_overflow_or_underflow():
    scores = torch.tensor([[1.0, -1.0], [1.0, -1.0]])
    # exp(1 / 0.01) overflows float32, exp(-2 / 0.01) underflows to 0
    q = sinkhorn(scores, iterations=3, epsilon=0.01)
    assert torch.isfinite(q).all() and torch.allclose(q.sum(1), torch.ones(2))


# ------------------------------------------------------------------ model

def test_loss_and_gradients_with_more_views_than_assigned():
    model = swav(crops_for_assign=[0])
    out = model.train_step(batch_of(views=3))
    assert out["queue_used"] == 0.0 and torch.isfinite(out["loss"])
    out["loss"].backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    # the prototypes' rows were normalized before the step
    assert torch.allclose(model.prototypes.weight.norm(dim=1), torch.ones(30), atol=1e-6)
    with pytest.raises(ValueError, match="names view 2, but the data gives 2 views"):
        swav(crops_for_assign=[0, 2]).train_step(batch_of())


def test_queue_is_used_only_once_full_and_shifts_by_batches():
    model = swav(feat_dim=16)
    bs = 8
    model.queue = torch.zeros(2, 3 * bs, 16)
    used, prev = [], None
    for step in range(5):
        used.append(model.train_step(batch_of(bs))["queue_used"])
        if prev is not None:  # the rows move down by one batch, the newest on top
            assert torch.equal(model.queue[:, bs:], prev[:, :-bs])
        prev = model.queue.clone()
        filled = min(step + 1, 3) * bs
        assert torch.allclose(model.queue[:, :filled].norm(dim=2), torch.ones(2, filled), atol=1e-5)
        assert not model.queue[:, filled:].any()
    assert used == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert not model.queue.requires_grad


def test_a_full_queue_changes_the_codes_and_so_the_loss():
    batch = batch_of(8)
    plain = swav(feat_dim=16).train_step(batch)["loss"].item()
    model = swav(feat_dim=16)
    torch.manual_seed(1)
    model.queue = torch.nn.functional.normalize(torch.randn(2, 64, 16), dim=2)
    out = model.train_step(batch)
    assert out["queue_used"] == 1.0 and out["loss"].item() != pytest.approx(plain, rel=1e-4)


# ------------------------------------------------------------------ hook

def fake_runner(model=None, epoch=0, iter_=0, world_size=1, rank=0, work_dir=None):
    records = {}
    runner = SimpleNamespace(model=model or swav(), epoch=epoch, iter=iter_, world_size=world_size, rank=rank,
                             device=torch.device("cpu"), work_dir=work_dir, records=records)
    runner.record = lambda **values: records.update(values)
    return runner


@pytest.mark.parametrize("world_size, length, rows", [(1, 200, 192), (2, 200, 64), (1, 63, 0), (2, 128, 64)])
def test_queue_length_rounded_to_batch_times_world_size(world_size, length, rows):
    hook = SwAVHook(batch_size=64, queue_length=length, epoch_queue_starts=0)
    runner = fake_runner(world_size=world_size)
    hook.before_run(runner)
    assert hook.queue_length == rows * world_size
    hook.before_train_epoch(runner)
    assert (runner.model.queue is None) if rows == 0 else (runner.model.queue.shape == (2, rows, 128))


def test_queue_created_exactly_at_epoch_queue_starts_and_kept(tmp_path):
    hook = SwAVHook(batch_size=8, queue_length=32, epoch_queue_starts=3, interval=2)
    runner = fake_runner(work_dir=tmp_path)
    hook.before_run(runner)
    for epoch in range(3):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        assert runner.model.queue is None and hook.queue is None
        hook.after_train_epoch(runner)
    runner.epoch = 3
    runner.model.use_queue = True
    hook.before_train_epoch(runner)
    queue = runner.model.queue
    assert queue.shape == (2, 32, 128) and not queue.any() and runner.model.use_queue is False
    queue[:, 0] = 1.0  # what the model's steps do, in place
    hook.after_train_epoch(runner)  # epoch 3 is the 4th: saved at interval 2
    saved = torch.load(tmp_path / "queue.pth", weights_only=True)["queue"]
    assert torch.equal(saved, queue)
    (tmp_path / "queue.pth").unlink()
    runner.epoch = 4
    runner.model.use_queue = True
    hook.before_train_epoch(runner)
    assert runner.model.queue is queue and runner.model.use_queue is False
    hook.after_train_epoch(runner)
    assert not (tmp_path / "queue.pth").exists()


def test_frozen_layers_until_frozen_iters():
    hook = SwAVHook(batch_size=8, frozen_layers_cfg={"prototypes": 5})
    runner = fake_runner()
    hook.before_run(runner)
    for i, frozen in ((0, True), (4, True), (5, False), (6, False)):
        runner.iter = i
        hook.before_train_iter(runner)
        flags = {n: p.requires_grad for n, p in runner.model.named_parameters()}
        assert flags.pop("prototypes.weight") is (not frozen), i
        assert all(flags.values())
        assert runner.records == {"prototypes_frozen": int(frozen), "queue_rows": 0}
    # a frozen layer gets no gradient (so the optimizer skips it), the rest do
    runner.iter = 4
    hook.before_train_iter(runner)
    runner.model.train_step(batch_of(8))["loss"].backward()
    grads = {n: p.grad for n, p in runner.model.named_parameters()}
    assert grads.pop("prototypes.weight") is None
    assert all(g is not None for g in grads.values())


def test_checkpoint_keeps_queue_and_its_use():
    hook = SwAVHook(batch_size=8, queue_length=16, epoch_queue_starts=0)
    runner = fake_runner()
    hook.before_run(runner)
    ckpt = {}
    hook.before_save_checkpoint(runner, ckpt)
    assert ckpt == {"swav_queue": None, "swav_use_queue": False}
    hook.before_train_epoch(runner)
    runner.model.queue[:] = 0.5
    runner.model.use_queue = True
    hook.before_save_checkpoint(runner, ckpt)
    assert ckpt["swav_queue"].shape == (1, 2, 16, 128) and ckpt["swav_use_queue"] is True

    other = SwAVHook(batch_size=8, queue_length=16, epoch_queue_starts=0)
    resumed = fake_runner()
    other.before_run(resumed)
    other.after_load_checkpoint(resumed, ckpt)
    assert torch.equal(resumed.model.queue, runner.model.queue) and resumed.model.use_queue is True
    assert other.queue is resumed.model.queue
    with pytest.raises(ValueError, match="queues of 1 processes, this run has 2"):
        other.after_load_checkpoint(fake_runner(world_size=2), ckpt)


def test_hook_and_model_must_agree_on_views_and_dimension():
    with pytest.raises(ValueError, match=r"`crops_for_assign` is \[0\], the model's is \[0, 1\]"):
        SwAVHook(batch_size=8, crops_for_assign=[0]).before_run(fake_runner())
    with pytest.raises(ValueError, match="`feat_dim` is 128, but the model's embeddings have 16"):
        SwAVHook(batch_size=8).before_run(fake_runner(swav(feat_dim=16)))


# ------------------------------------------------------------------ example

def rows_of(work):
    return [json.loads(line) for line in (work / "metrics.jsonl").read_text().splitlines()]


def run(work, *extra, recipe=EXAMPLE, env=None):
    # 3 epochs, the queue from epoch 1, and a narrower (faster) backbone
    result = invoke("run", str(recipe), "--work-dir", str(work), "--device", "cpu", "--set", "train.epochs=3",
                    "--set", "queue_starts=1", "--set", "model.width=32", *extra, env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def test_example_checks_clean():
    result = invoke("check", str(EXAMPLE))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_example_short_run_starts_the_queue_and_unfreezes_the_prototypes(tmp_path):
    work = tmp_path / "w"
    run(work)
    rows = rows_of(work)
    ipe = 22  # 1438 // 64, drop_last
    assert [r["iter"] for r in rows] == list(range(3 * ipe))
    # the queue (4 batches) starts at epoch 1, is full after 4 iterations of it
    assert [r["queue_rows"] for r in rows] == [0] * ipe + [256] * 2 * ipe
    assert [r["queue_used"] for r in rows] == [0.0] * (ipe + 4) + [1.0] * (2 * ipe - 4)
    # the prototypes are frozen for the first epoch
    assert [r["prototypes_frozen"] for r in rows] == [1] * ipe + [0] * 2 * ipe
    saved = torch.load(work / "queue.pth", weights_only=True)["queue"]
    assert saved.shape == (2, 256, 128)
    assert torch.allclose(saved.norm(dim=2), torch.ones(2, 256), atol=1e-5)
    summary = json.loads((work / "summary.json").read_text())
    assert 0.0 <= summary["probe_acc"] <= 1.0 and 0.0 <= summary["probe_acc_random_init"] <= 1.0


def test_example_resumed_mid_epoch_after_the_queue_started_is_identical(tmp_path):
    text = EXAMPLE.read_text()
    assert "CheckpointHook(interval = 5ep" in text
    recipe = tmp_path / "swav_digits.ss"
    recipe.write_text(text.replace("CheckpointHook(interval = 5ep", "CheckpointHook(interval = 35it"))
    # no validation split, so no linear probe: this test is about the metrics
    # (all 1797 samples train: 28 batches per epoch, the queue full from iteration 32)
    no_probe = ("--set", "data.val_fraction=0")
    full, part = tmp_path / "full", tmp_path / "part"
    run(full, *no_probe, recipe=recipe)
    run(part, *no_probe, recipe=recipe, env={STOP_ENV: "45"})
    assert len(rows_of(part)) == 45
    ckpt = torch.load(part / "checkpoints" / "iter_35.pt", weights_only=True)
    assert ckpt["swav_use_queue"] is True and ckpt["swav_queue"].shape == (1, 2, 256, 128)
    result = run(part, "--resume", *no_probe, recipe=recipe)
    assert "iteration 35" in result.stderr
    rows = rows_of(full)
    assert len(rows) == 84 and rows[31]["queue_used"] == 0.0 and rows[32]["queue_used"] == 1.0
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()


def test_mismatched_hook_is_a_clean_run_error(tmp_path):
    result = invoke("run", str(EXAMPLE), "--work-dir", str(tmp_path / "w"), "--device", "cpu",
                    "--set", "model.feat_dim=64")
    assert result.exit_code == 1
    assert "SwAVHook: `feat_dim` is 128, but the model's embeddings have 64 dimensions" in result.stderr
    assert "Traceback" not in result.stderr
