"""DeepCluster: the model (pseudo-labels, weighted loss, labels in the state
dict), DeepClusterHook (when it clusters, what a clustering sets), and the
example run end to end, resumed mid-epoch exactly."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

import torch.nn.functional as F
from helpers import EXAMPLES, invoke, spec

from sspec.runtime.clustering import cluster_stats, inverse_size_weights
from sspec.runtime.data import build_data
from sspec.runtime.hooks.deepcluster import DeepClusterHook
from sspec.runtime.loop import STOP_ENV
from sspec.runtime.models import build_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

K = 8
EXAMPLE = EXAMPLES / "deepcluster_digits.ss"


def model_and_data(k=K, batch=32):
    torch.manual_seed(0)
    return build_model(spec("deepcluster", num_classes=k, width=8)), build_data(spec("digits", batch=batch))


def fake_runner(model, data, iter_=0, epoch=0, seed=0):
    """What DeepClusterHook reads of the Runner."""
    records, logs = {}, []
    return SimpleNamespace(model=model, data=data, iter=iter_, epoch=epoch, seed=seed,
                           device=torch.device("cpu"), plan={"data": {"type": "digits"}},
                           record=records.update, records=records, log=logs.append, logs=logs)


def make_hook(**args) -> DeepClusterHook:
    base = {"clustering": {"type": "kmeans", "k": K, "pca_dim": 16}, "unif_sampling": True,
            "reweight": False, "reweight_pow": 0.5}
    return DeepClusterHook(**{**base, **args})


# ------------------------------------------------------------------ model

def test_model_refuses_to_train_without_pseudo_labels():
    model, data = model_and_data()
    batch = next(data.batches(0))
    with pytest.raises(ValueError, match=r"no pseudo-labels yet; DeepClusterHook \(with `initial = true`\)"):
        model.train_step(batch)
    with pytest.raises(ValueError, match=r"positions `\(x, y, index\)`"):
        model.train_step(batch[:2])


def test_model_trains_on_pseudo_labels_never_on_true_labels():
    model, data = model_and_data()
    labels = torch.randint(K, (data.n_train,), generator=torch.Generator().manual_seed(1))
    model.assign_labels(labels)
    x, y, index = next(data.batches(0))
    loss = model.train_step((x, y, index))["loss"]
    # exactly the cross-entropy against the pseudo-labels (uniform weights: plain mean)
    assert loss.item() == pytest.approx(F.cross_entropy(model.head(model.features(x)), labels[index]).item(),
                                        rel=1e-6)
    # the true labels do not matter at all; the pseudo-labels do
    assert model.train_step((x, y[torch.randperm(len(y))], index))["loss"].item() == loss.item()
    assert model.train_step((x, torch.zeros_like(y), index))["loss"].item() == loss.item()
    model.assign_labels((labels + 1) % K)
    assert model.train_step((x, y, index))["loss"].item() != pytest.approx(loss.item())


def test_loss_weight_starts_uniform_and_weighs_the_classes():
    model, data = model_and_data()
    assert torch.equal(model.loss_weight, torch.full((K,), 1.0 / K))
    labels = torch.arange(data.n_train) % K
    model.assign_labels(labels)
    x, y, index = next(data.batches(0))
    weights = torch.linspace(0.1, 1.0, K)
    model.loss_weight.copy_(weights)
    logits = model.head(model.features(x))
    per_sample = F.cross_entropy(logits, labels[index], reduction="none")
    w = weights[labels[index]]
    expected = (w * per_sample).sum() / w.sum()
    assert model.train_step((x, y, index))["loss"].item() == pytest.approx(expected.item(), rel=1e-6)


def test_pseudo_labels_are_checked_and_travel_in_the_state_dict():
    model, data = model_and_data()
    with pytest.raises(ValueError, match=r"must lie in \[0, 8\) \(`num_classes`\), got \[0, 8\]"):
        model.assign_labels(torch.arange(9))
    with pytest.raises(ValueError, match="1-d integer tensor"):
        model.assign_labels(torch.zeros(4, 2, dtype=torch.long))
    assert model.state_dict()["pseudo_labels"].shape == (0,)
    labels = torch.arange(data.n_train) % K
    model.assign_labels(labels)
    fresh, _ = model_and_data()
    fresh.load_state_dict(model.state_dict())  # an empty buffer takes the saved size
    assert torch.equal(fresh.pseudo_labels, labels)
    fresh.load_state_dict(model_and_data()[0].state_dict())  # and back to none
    assert fresh.pseudo_labels.shape == (0,)


# ------------------------------------------------------------------ hook: when

def count_clusterings(hook, monkeypatch) -> list[int]:
    calls = []
    monkeypatch.setattr(hook, "cluster", lambda runner: calls.append(runner.iter))
    return calls


def test_clusters_before_training_only_on_a_fresh_start(monkeypatch):
    model, data = model_and_data()
    hook = make_hook()
    calls = count_clusterings(hook, monkeypatch)
    hook.before_train(fake_runner(model, data, iter_=0))
    assert calls == [0]
    hook.before_train(fake_runner(model, data, iter_=45))  # resumed: labels come from the checkpoint
    assert calls == [0]
    off = make_hook(initial=False)
    off_calls = count_clusterings(off, monkeypatch)
    off.before_train(fake_runner(model, data, iter_=0))
    assert off_calls == []


@pytest.mark.parametrize("interval, expected", [(1, list(range(7))), (3, [2, 5]), (7, [6]), (8, [])])
def test_clusters_after_every_interval_th_epoch(monkeypatch, interval, expected):
    model, data = model_and_data()
    hook = make_hook(interval=interval)
    calls = count_clusterings(hook, monkeypatch)
    for epoch in range(7):  # after_train_epoch sees the finished epoch's index
        hook.after_train_epoch(fake_runner(model, data, iter_=10 * (epoch + 1), epoch=epoch))
    assert calls == [10 * (e + 1) for e in expected]


# ------------------------------------------------------------------ hook: what

def test_a_clustering_assigns_labels_samples_uniformly_resets_the_head_and_records():
    model, data = model_and_data()
    runner = fake_runner(model, data)
    old_head = model.head.weight.detach().clone()
    with torch.no_grad():
        model.head.weight.fill_(1.0)
        model.head.bias.fill_(1.0)
    rng = torch.get_rng_state()
    make_hook().before_train(runner)

    labels = model.pseudo_labels
    assert labels.shape == (data.n_train,) and labels.dtype == torch.long
    assert 0 <= int(labels.min()) and int(labels.max()) < K
    assert runner.records == cluster_stats(labels.numpy(), K)
    assert set(runner.records) == {"cluster_empty", "cluster_min", "cluster_max"}
    assert "1438 samples in 8 clusters" in runner.logs[0]
    # uniform sampling over these clusters, from the next epoch on
    assert torch.equal(data.uniform[0], labels) and data.uniform[1] == K
    # the head is MMSelfSup's ClsHead init again: normal(std 0.01), zero bias
    assert torch.equal(model.head.bias, torch.zeros(K))
    assert 0.005 < model.head.weight.std().item() < 0.015
    assert not torch.equal(model.head.weight, old_head)
    # without reweight the loss weights stay uniform; the training RNG is untouched
    assert torch.equal(model.loss_weight, torch.full((K,), 1.0 / K))
    assert torch.equal(torch.get_rng_state(), rng)

    # the same clustering again gives the same labels and the same head
    again, data2 = model_and_data()
    with torch.no_grad():
        again.head.weight.fill_(1.0)
        again.head.bias.fill_(1.0)
    make_hook().before_train(fake_runner(again, data2))
    assert torch.equal(again.pseudo_labels, labels) and torch.equal(again.head.weight, model.head.weight)
    # another seed, another head
    other, data3 = model_and_data()
    make_hook(seed=5).before_train(fake_runner(other, data3))
    assert not torch.equal(other.head.weight, model.head.weight)


def test_reweight_sets_the_inverse_size_weights():
    model, data = model_and_data()
    make_hook(reweight=True, reweight_pow=0.5, unif_sampling=False).before_train(fake_runner(model, data))
    labels = model.pseudo_labels.numpy()
    expected = torch.from_numpy(inverse_size_weights(labels, K, 0.5))
    assert torch.equal(model.loss_weight, expected)
    assert model.loss_weight.sum().item() == pytest.approx(1.0)
    sizes = torch.bincount(model.pseudo_labels, minlength=K).float()
    assert torch.equal(model.loss_weight.argmax(), sizes.argmin())  # the smallest cluster weighs most
    assert data.uniform is None  # unif_sampling = false


def test_init_memory_and_cluster_features_for_odc():
    model, data = model_and_data()
    got = {}
    model.memory_bank = SimpleNamespace(init_memory=lambda f, lab: got.update(features=f, labels=lab))
    model.cluster_features = lambda x: model.features(x)[:, :5]  # ODC extracts its neck's output
    make_hook(init_memory=True).before_train(fake_runner(model, data))
    assert got["features"].shape == (data.n_train, 5) and got["features"].dtype == torch.float32
    assert torch.equal(got["labels"], model.pseudo_labels)


def test_after_load_checkpoint_restores_uniform_sampling():
    model, data = model_and_data()
    labels = torch.arange(data.n_train) % K
    model.assign_labels(labels)
    make_hook().after_load_checkpoint(fake_runner(model, data), {})
    assert torch.equal(data.uniform[0], labels) and data.uniform[1] == K
    fresh_data = build_data(spec("digits", batch=32))
    make_hook(unif_sampling=False).after_load_checkpoint(fake_runner(model, fresh_data), {})
    assert fresh_data.uniform is None


def test_k_must_match_the_model():
    model, data = model_and_data(k=10)
    with pytest.raises(ValueError, match=r"k = 8 clusters, but the model's head has num_classes = 10"):
        make_hook().before_train(fake_runner(model, data))


# ------------------------------------------------------------------ runs

SHORT = ["--set", "data.batch=256", "--set", "model.width=8"]  # 6 iterations per epoch
IPE = 6


def short_recipe(tmp_path, epochs, interval=1, checkpoint="5ep"):
    text = EXAMPLE.read_text()
    for old, new in (("epochs = 30", f"epochs = {epochs}"), ("interval = 1)", f"interval = {interval})"),
                     ("CheckpointHook(interval = 5ep", f"CheckpointHook(interval = {checkpoint}")):
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"dc_{epochs}_{interval}_{checkpoint}.ss"
    path.write_text(text)
    return path


def run(path, work, env=None, *extra):
    result = invoke("run", str(path), "--work-dir", str(work), "--device", "cpu", *SHORT, *extra, env=env or {})
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def rows(work):
    return [json.loads(line) for line in (work / "metrics.jsonl").read_text().splitlines()]


def test_example_checks_clean():
    result = invoke("check", str(EXAMPLE))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_short_run_clusters_at_the_right_iterations(tmp_path):
    work = tmp_path / "w"
    run(short_recipe(tmp_path, epochs=4, interval=2), work)
    lines = rows(work)
    assert len(lines) == 4 * IPE
    # before training (line 0), after epoch 1 (line of the next iteration);
    # after epoch 3, the last, into the summary
    assert [r["iter"] for r in lines if "cluster_min" in r] == [0, 2 * IPE]
    summary = json.loads((work / "summary.json").read_text())
    assert set(summary["hooks"]) == {"cluster_empty", "cluster_min", "cluster_max"}
    for r in [lines[0], lines[2 * IPE], summary["hooks"]]:
        assert 0 <= r["cluster_empty"] and r["cluster_min"] <= r["cluster_max"]
    assert all(r["loss"] > 0 for r in lines)
    assert 0 < summary["probe_acc"] <= 1 and 0 < summary["probe_acc_random_init"] <= 1


def test_resume_mid_epoch_is_identical_and_does_not_recluster(tmp_path):
    path = short_recipe(tmp_path, epochs=3, checkpoint="4it")
    full, part = tmp_path / "full", tmp_path / "part"
    run(path, full)
    run(path, part, {STOP_ENV: "10"})
    assert len(rows(part)) == 10
    resumed = run(path, part, None, "--resume")
    out = resumed.stdout + resumed.stderr
    # resumed at iteration 8, in epoch 1 whose order came from the labels of
    # the clustering after epoch 0: restored from the checkpoint, not redone
    assert "iteration 8" in out and "after iteration 0:" not in out and "after iteration 6:" not in out
    assert "after iteration 12:" in out and "after iteration 18:" in out
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()
    assert [r["iter"] for r in rows(full) if "cluster_min" in r] == [0, IPE, 2 * IPE]
