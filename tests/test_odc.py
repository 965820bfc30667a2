"""ODC: the memory bank's operations on hand-made data, ODCHook at its
interval boundaries, and the example recipe: a short run, and a run resumed
mid-way that writes the same metrics as an uninterrupted one."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from helpers import EXAMPLES, invoke, spec

from sspec.runtime.data import build_data
from sspec.runtime.hooks.odc import ODCHook
from sspec.runtime.models import build_model
from sspec.runtime.models.odc import ODCMemory

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def bank(features, labels, k, momentum=0.5, min_cluster=0) -> ODCMemory:
    memory = ODCMemory(feat_dim=len(features[0]), num_classes=k, momentum=momentum, min_cluster=min_cluster)
    memory.init_memory(torch.tensor(features, dtype=torch.float32), torch.tensor(labels))
    return memory


def close(t, expected):
    return torch.allclose(t, torch.tensor(expected, dtype=t.dtype), atol=1e-6)


# ------------------------------------------------------------------ memory bank

def test_init_memory_normalizes_features_and_computes_centroids():
    m = bank([[3, 4], [2, 0], [0, 5], [0, -1]], [0, 0, 1, 1], k=2)
    assert close(m.feature_bank, [[0.6, 0.8], [1, 0], [0, 1], [0, -1]])
    assert m.label_bank.tolist() == [0, 0, 1, 1]
    assert close(m.centroids, [[0.8, 0.4], [0, 0]])  # means, not normalized


def test_init_memory_refuses_an_empty_cluster_and_bad_shapes():
    with pytest.raises(ValueError, match="1 of the 2 clusters are empty"):
        bank([[1, 0], [0, 1]], [0, 0], k=2)
    with pytest.raises(ValueError, match=r"cluster ids in 0\.\.1 .*got 0\.\.2"):
        bank([[1, 0], [0, 1], [1, 1]], [0, 1, 2], k=2)
    m = ODCMemory(feat_dim=3, num_classes=2, momentum=0.5, min_cluster=0)
    with pytest.raises(ValueError, match=r"features \(N, 3\)"):
        m.init_memory(torch.zeros(4, 2), torch.tensor([0, 1, 0, 1]))


def test_update_samples_memory_moves_by_momentum_and_relabels():
    m = bank([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 0, 1, 1], k=2, momentum=0.25)
    # sample 1 is pulled toward cluster 1; sample 2 is nudged but stays
    ratio = m.update_samples_memory(torch.tensor([1, 2]), torch.tensor([[0.0, 10.0], [2.0, 0.0]]))
    mixed1 = torch.tensor([0.75, 0.25])      # 0.75 * [1, 0] + 0.25 * [0, 1]
    mixed2 = torch.tensor([0.25, 0.75])
    assert close(m.feature_bank[1], (mixed1 / mixed1.norm()).tolist())
    assert close(m.feature_bank[2], (mixed2 / mixed2.norm()).tolist())
    assert m.label_bank.tolist() == [0, 0, 1, 1] and ratio == 0.0
    m.momentum = 0.9
    ratio = m.update_samples_memory(torch.tensor([0, 1]), torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    # sample 0 stays [1, 0]; sample 1: 0.1 * [0.949, 0.316] + 0.9 * [0, 1] is nearest cluster 1
    assert close(m.feature_bank[0], [1, 0])
    assert m.label_bank.tolist() == [0, 1, 1, 1] and ratio == 0.5
    assert torch.allclose(m.feature_bank.norm(dim=1), torch.ones(4))
    assert close(m.centroids, [[1, 0], [0, 1]])  # centroids move only when asked


def test_update_centroids_memory_all_or_some_and_empty_ones_stay():
    m = bank([[1, 0], [0, 1], [0, 1]], [0, 1, 2], k=3)
    m.label_bank[:] = torch.tensor([0, 0, 1])    # cluster 2 now empty
    m.update_centroids_memory([0])
    assert close(m.centroids, [[0.5, 0.5], [0, 1], [0, 1]])
    m.update_centroids_memory()
    assert close(m.centroids, [[0.5, 0.5], [0, 1], [0, 1]])  # 1: its one member; 2: empty, kept


def test_small_clusters_are_emptied_then_refilled_from_the_largest():
    # cluster 0: two tight groups (near [1, 0] and near [0, 1]); cluster 1: one sample near [0, 1];
    # cluster 2: three samples near [-1, 0]
    feats = [[1, 0.01], [1, -0.01], [0.01, 1], [-0.01, 1], [0.02, 1], [-1, 0.01], [-1, -0.01], [-1, 0]]
    m = bank(feats, [0, 0, 0, 0, 1, 2, 2, 2], k=3, min_cluster=2)
    m.deal_with_small_clusters()
    labels = m.label_bank.tolist()
    # sample 4 went to cluster 0 (nearer than 2); then cluster 0 (5 samples, the largest) was split
    # by 2-means into its two groups, one of which became cluster 1
    assert labels[5:] == [2, 2, 2]
    groups = {labels[0], labels[1]}, {labels[2], labels[3], labels[4]}
    assert all(len(g) == 1 for g in groups) and groups[0] | groups[1] == {0, 1}
    for c in (0, 1, 2):
        members = m.feature_bank[m.label_bank == c]
        assert torch.allclose(m.centroids[c], members.mean(0), atol=1e-6)
    sizes = torch.bincount(m.label_bank, minlength=3)
    assert (sizes >= 2).all()


def test_small_clusters_noop_and_random_split_of_identical_features():
    m = bank([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 0, 1, 1], k=2, min_cluster=2)
    m.deal_with_small_clusters()
    assert m.label_bank.tolist() == [0, 0, 1, 1]

    def split():
        m = bank([[1, 0]] * 7, [0] * 6 + [1], k=2, min_cluster=2)
        m.deal_with_small_clusters()  # 2-means cannot split identical points: a random half
        return m.label_bank.tolist()

    first = split()
    assert sorted(first) == [0, 0, 0, 1, 1, 1, 1] and first == split()


def test_small_clusters_everywhere_is_a_clear_error():
    m = bank([[1, 0], [0, 1]], [0, 1], k=2, min_cluster=5)
    with pytest.raises(ValueError, match="every cluster has fewer than min_cluster = 5"):
        m.deal_with_small_clusters()


# ------------------------------------------------------------------ model

def odc_model(k=4):
    torch.manual_seed(0)
    return build_model(spec("odc", num_classes=k, feat_dim=16, width=8, min_cluster=0))


def test_train_step_targets_the_bank_labels_never_y():
    model = odc_model()
    data = build_data(spec("digits", batch=16))
    x, y, index = next(data.batches(0))
    with pytest.raises(ValueError, match="never initialized.*DeepClusterHook"):
        model.train_step((x, y, index))
    labels = torch.arange(data.n_train) % 4
    model.memory_bank.init_memory(torch.randn(data.n_train, 16), labels)
    model.loss_weight.copy_(torch.tensor([0.1, 0.2, 0.3, 0.4]))
    model.eval()  # no dropout: two forward passes agree
    with torch.no_grad():
        logits = model.head(model.cluster_features(x))
    targets = labels[index]
    expected = (torch.nn.functional.cross_entropy(logits, targets, reduction="none")
                * model.loss_weight[targets]).mean()
    out = model.train_step((x, torch.zeros_like(y), index))  # garbage y: unused
    assert out["loss"].item() == pytest.approx(expected.item(), rel=1e-5)
    assert 0.0 <= out["change_ratio"] <= 1.0


def test_bank_is_state_and_loads_into_an_empty_model():
    model = odc_model()
    model.memory_bank.init_memory(torch.randn(10, 16), torch.arange(10) % 4)
    state = model.state_dict()
    assert {"memory_bank.feature_bank", "memory_bank.label_bank", "memory_bank.centroids", "loss_weight"} <= set(state)
    assert not any(n.startswith("memory_bank") for n, _ in model.named_parameters())
    fresh = odc_model()
    assert not fresh.memory_bank.initialized
    fresh.load_state_dict(state)
    assert fresh.memory_bank.initialized
    for name in ("feature_bank", "label_bank", "centroids"):
        assert torch.equal(getattr(fresh.memory_bank, name), getattr(model.memory_bank, name))


def test_head_reset_is_mmselfsup_normal_init():
    head = odc_model().head
    head.weight.data.fill_(1.0)
    head.bias.data.fill_(1.0)
    torch.manual_seed(0)
    head.reset_parameters()
    assert torch.all(head.bias == 0) and 0.005 < head.weight.std().item() < 0.015


# ------------------------------------------------------------------ ODCHook

class Runner(SimpleNamespace):
    def record(self, **values):
        self.records.update(values)


def hook_runner(tmp_path, labels, k):
    model = odc_model(k)
    labels = torch.tensor(labels)
    features = torch.zeros(len(labels), 16)
    features[torch.arange(len(labels)), labels] = 1.0
    model.memory_bank.init_memory(features, labels)
    return Runner(iter=0, epoch=0, rank=0, model=model, work_dir=tmp_path, records={})


def test_hook_intervals_fire_at_their_boundaries(tmp_path, monkeypatch):
    r = hook_runner(tmp_path, [0, 0, 1, 1], k=2)
    calls = []
    monkeypatch.setattr(r.model.memory_bank, "update_centroids_memory", lambda: calls.append(("centroids", r.iter)))
    monkeypatch.setattr(r.model.memory_bank, "deal_with_small_clusters", lambda: calls.append(("small", r.iter)))
    hook = ODCHook(centroids_update_interval=3, deal_with_small_clusters_interval=2, evaluate_interval=4,
                   reweight=True)
    evaluated = []
    for i in range(8):
        r.iter, r.records = i, {}
        hook.after_train_iter(r)
        if r.records:
            evaluated.append(i)
    assert [i for what, i in calls if what == "centroids"] == [2, 5]
    assert [i for what, i in calls if what == "small"] == [1, 3, 5, 7]
    assert evaluated == [3, 7]


def test_hook_reweights_every_iteration_even_when_reweight_is_off(tmp_path):
    r = hook_runner(tmp_path, [0, 1, 1, 1, 1, 2, 2, 2, 2], k=3)   # sizes 1, 4, 4
    hook = ODCHook(centroids_update_interval=100, deal_with_small_clusters_interval=100, evaluate_interval=1,
                   reweight=False, reweight_pow=2.0)  # MMSelfSup ignores both: power 0.5, always
    hook.after_train_iter(r)
    assert close(r.model.loss_weight, [0.5, 0.25, 0.25])  # 1/sqrt(size), normalized
    assert r.records == {"cluster_empty": 0, "cluster_min": 1, "cluster_max": 4}


def test_hook_saves_the_clusters_every_tenth_epoch_atomically(tmp_path):
    r = hook_runner(tmp_path, [0, 1, 1, 0], k=2)
    hook = ODCHook(centroids_update_interval=1, deal_with_small_clusters_interval=1, evaluate_interval=1,
                   reweight=True)
    r.epoch = 8
    hook.after_train_epoch(r)
    assert list(tmp_path.iterdir()) == []
    r.epoch = 9
    hook.after_train_epoch(r)
    assert [p.name for p in tmp_path.iterdir()] == ["cluster_epoch_10.npy"]
    saved = np.load(tmp_path / "cluster_epoch_10.npy")
    assert saved.dtype == np.int64 and saved.tolist() == [0, 1, 1, 0]
    r.rank, r.epoch = 1, 19
    hook.after_train_epoch(r)
    assert not (tmp_path / "cluster_epoch_20.npy").exists()


def test_hook_refuses_non_dist_mode():
    with pytest.raises(ValueError, match="dist_mode"):
        ODCHook(centroids_update_interval=1, deal_with_small_clusters_interval=1, evaluate_interval=1,
                reweight=True, dist_mode=False)


# ------------------------------------------------------------------ runs

def test_example_checks_clean():
    result = invoke("check", str(EXAMPLES / "odc_digits.ss"))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_odc_without_deepcluster_hook_is_a_clear_error(tmp_path):
    text = (EXAMPLES / "odc_digits.ss").read_text()
    start = text.index("hook DeepClusterHook")
    path = tmp_path / "r.ss"
    path.write_text(text[:start] + text[text.index("hook ODCHook"):])
    result = invoke("run", str(path), "--work-dir", str(tmp_path / "w"), "--set", "train.epochs=1")
    assert result.exit_code == 1
    assert "memory bank was never initialized" in result.stderr and "DeepClusterHook" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_example_short_run_and_resume_mid_run_are_identical(tmp_path, monkeypatch):
    """Two epochs (46 iterations), cluster sizes every 10: an uninterrupted run,
    and one stopped at 30 and resumed from its iteration-23 checkpoint."""
    from sspec.runtime.loop import STOP_ENV

    text = (EXAMPLES / "odc_digits.ss").read_text()
    for old, new in {"interval = 5ep": "interval = 1ep", "evaluate_interval = 50": "evaluate_interval = 10"}.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "odc.ss"
    path.write_text(text)
    args = ("--set", "train.epochs=2", "--device", "cpu")
    full, part = tmp_path / "full", tmp_path / "part"
    result = invoke("run", str(path), "--work-dir", str(full), *args)
    assert result.exit_code == 0, (result.stderr, result.exception)

    rows = [json.loads(line) for line in (full / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 46
    assert all(0.0 <= r["change_ratio"] <= 1.0 and math.isfinite(r["loss"]) for r in rows)
    # DeepClusterHook's clustering before training lands on line 0; ODCHook's every 10 iterations
    assert [r["iter"] for r in rows if "cluster_max" in r] == [0, 9, 19, 29, 39]
    assert all(r["cluster_empty"] == 0 for r in rows if "cluster_empty" in r)  # refilled every iteration
    head_momentum = [k for k in rows[0] if k.startswith("momentum[")]
    assert len(head_momentum) == 1 and rows[0][head_momentum[0]] == 0.0 and rows[0]["momentum"] == 0.9
    summary = json.loads((full / "summary.json").read_text())
    assert 0.0 <= summary["probe_acc"] <= 1.0 and 0.0 <= summary["probe_acc_random_init"] <= 1.0
    ckpt = torch.load(full / "checkpoints" / "iter_46.pt", weights_only=True)
    assert ckpt["model"]["memory_bank.feature_bank"].shape == (1438, 128)
    assert ckpt["model"]["memory_bank.label_bank"].shape == (1438,)

    monkeypatch.setenv(STOP_ENV, "30")
    assert invoke("run", str(path), "--work-dir", str(part), *args).exit_code == 0
    monkeypatch.delenv(STOP_ENV)
    assert not (part / "summary.json").exists()
    result = invoke("run", str(path), "--work-dir", str(part), "--resume", *args)
    assert result.exit_code == 0, result.stderr
    assert "iteration 23" in result.stderr
    assert "DeepClusterHook" not in result.stderr  # the bank comes from the checkpoint, not a new clustering
    assert (part / "metrics.jsonl").read_text() == (full / "metrics.jsonl").read_text()
    resumed = json.loads((part / "summary.json").read_text())
    assert resumed["resumed_from"] == 23 and resumed["probe_acc"] == summary["probe_acc"]
