"""The runtime's models and data: every model builds from its registry
defaults and trains a step; data sources batch exactly as the registry counts,
deterministically, and resume mid-epoch exactly."""

from __future__ import annotations

import importlib.util
import itertools

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from helpers import spec
from sspec.registry import lookup, names
from sspec.runtime.data import build_data
from sspec.runtime.data import digits as digits_module
from sspec.runtime.models import build_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def implemented(name: str) -> bool:
    module = lookup(name).impl.partition(":")[0]
    return importlib.util.find_spec(module) is not None


def matching_data(model_args: dict) -> dict:
    """Data whose images fit the model's `channels` and `img_size` (8x8 gray: digits)."""
    channels, size = model_args.get("channels", 1), model_args.get("img_size", 8)
    if (channels, size) == (1, 8):
        return spec("digits", batch=8)
    return spec("synthetic_images", n=16, batch=8, size=size, channels=channels)


MODELS = names("model")


@pytest.mark.parametrize("name", MODELS)
def test_model_builds_from_defaults_and_trains_a_step(name):
    if not implemented(name):
        pytest.skip(f"{name}: implementation not written yet")
    torch.manual_seed(0)
    model_spec = spec(name)
    model = build_model(model_spec)
    source = build_data(matching_data(model_spec["args"]))
    if hasattr(model, "assign_labels"):  # clustering models train on labels their hook assigns
        model.assign_labels(torch.arange(source.n_train) % model_spec["args"]["num_classes"])
    if hasattr(model, "memory_bank"):  # ODC: the bank DeepClusterHook(init_memory = true) fills
        model.memory_bank.init_memory(torch.randn(source.n_train, model_spec["args"]["feat_dim"]),
                                      torch.arange(source.n_train) % model_spec["args"]["num_classes"])
    batch = next(source.batches(0))
    out = model.train_step(batch)
    loss = out["loss"]
    assert loss.dim() == 0 and torch.isfinite(loss)
    assert all(isinstance(v, float) for k, v in out.items() if k != "loss")
    loss.backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert no_grad == []

    x = batch[0]
    feats = model.features(x)
    assert feats.shape == (len(x), model.feat_dim)
    if hasattr(model, "predict"):
        assert model.predict(x).shape == (len(x),)


@pytest.mark.parametrize("name", MODELS)
def test_model_builds_on_meta_device(name):
    if not implemented(name):
        pytest.skip(f"{name}: implementation not written yet")
    with torch.device("meta"):
        model = build_model(spec(name))
    assert all(p.is_meta for p in model.parameters())


def test_unimplemented_models_say_so():
    for name in MODELS:
        if not implemented(name):
            with pytest.raises(ImportError, match=f"model `{name}` has no implementation"):
                build_model(spec(name))


def test_parameter_names_the_optimizer_rules_select():
    vit = dict(build_model(spec("vit", depth=2)).named_parameters())
    assert {"cls_token", "pos_embed", "patch_embed.proj.weight", "blocks.1.attn.qkv.weight",
            "blocks.1.norm1.weight", "norm.weight", "head.weight"} <= set(vit)
    mae = dict(build_model(spec("mae_vit", depth=2, decoder_depth=1)).named_parameters())
    assert {"cls_token", "pos_embed", "mask_token", "patch_embed.proj.weight", "blocks.1.mlp.fc2.weight",
            "decoder_embed.weight", "decoder_pos_embed", "decoder_blocks.0.attn.qkv.weight",
            "decoder_norm.weight", "decoder_pred.weight"} <= set(mae)
    assert "head.weight" not in mae
    mlp = dict(build_model(spec("mlp", depth=3)).named_parameters())
    assert set(mlp) == {"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                        "head.weight", "head.bias"}


def test_mae_mask_ratio_is_read_every_step():
    torch.manual_seed(0)
    model = build_model(spec("mae_vit", channels=1, img_size=8, patch=2, depth=1, decoder_depth=1))
    assert model.kept(16) == 4
    model.mask_ratio = 0.5  # what a schedule of `model.mask_ratio` does
    assert model.kept(16) == 8
    model.mask_ratio = 0.999  # never no patch, never all patches
    assert model.kept(16) == 1
    x = torch.rand(2, 1, 8, 8)
    assert torch.isfinite(model.train_step((x,))["loss"])


def test_bad_arguments_and_mismatched_data_are_clear_errors():
    with pytest.raises(ValueError, match="`patch` \\(3\\) must divide `img_size` \\(32\\)"):
        build_model(spec("vit", patch=3))
    with pytest.raises(ValueError, match="multiple of `heads`"):
        build_model(spec("mae_vit", dim=30))
    with pytest.raises(ValueError, match="unknown model `nope`"):
        build_model({"type": "nope", "user": False, "args": {}})
    vit = build_model(spec("vit"))
    with pytest.raises(ValueError, match=r"vit expects images of shape \(batch, 3, 32, 32\)"):
        vit.train_step((torch.zeros(2, 1, 8, 8), torch.zeros(2, dtype=torch.long)))
    with pytest.raises(ValueError, match="mlp expects 64 input features"):
        build_model(spec("mlp")).features(torch.zeros(2, 3, 32, 32))


def test_user_components_import_the_same_way():
    model = build_model({"type": "sspec.runtime.models.mlp:MLP", "user": True,
                         "args": {"in_dim": 4, "hidden": 8, "depth": 2, "num_classes": 3}})
    assert model.head.out_features == 3
    with pytest.raises(TypeError, match="train_step"):
        build_model({"type": "torch.nn:Linear", "user": True, "args": {"in_features": 2, "out_features": 2}})
    with pytest.raises(ImportError, match="no_such_module"):
        build_model({"type": "no_such_module:Model", "user": True, "args": {}})
    # a user data source without a `seed` argument gets build_data's
    args = lookup("synthetic_images").with_defaults({"n": 10})
    del args["seed"]
    a = build_data({"type": "sspec.runtime.data.synthetic:synthetic_images", "user": True, "args": args}, seed=3)
    b = build_data(spec("synthetic_images", n=10, seed=3))
    assert a.seed == 3 and torch.equal(next(a.batches(0))[0], next(b.batches(0))[0])


def test_views_are_trained_on_together():
    model = build_model(spec("convnet"))
    x, y, _ = next(build_data(spec("digits", batch=4, views=2, augment=True)).batches(0))
    assert isinstance(x, tuple) and len(x) == 2
    assert model.train_step((x, y))["loss"].dim() == 0


# ---- data ------------------------------------------------------------------

DATA_ARGS = [
    *(("digits", dict(batch=b, drop_last=d, val_fraction=v))
      for b, d, v in itertools.product((1, 7, 64, 1438, 1439, 5000), (False, True), (0.0, 0.2, 0.5, 0.9995))),
    *(("synthetic_images", dict(n=n, batch=b, drop_last=d, size=2, channels=1))
      for n, b, d in itertools.product((1, 5, 64, 100), (1, 3, 64, 200), (False, True))),
]


@pytest.mark.parametrize("name,args", DATA_ARGS)
def test_iters_per_epoch_is_the_registrys(name, args):
    component = lookup(name)
    full = component.with_defaults(args)
    source = build_data(spec(name, **args))
    expected = component.iters_per_epoch(full)
    assert source.iters_per_epoch == expected
    if name == "synthetic_images" or args["batch"] >= 64:  # counting every batch is slow at batch 1
        batches = list(source.batches(0))
        assert len(batches) == expected
        sizes = [len(y) for _, y, _ in batches]
        n = source.n_train
        if args["drop_last"]:
            assert all(s == args["batch"] for s in sizes) and sum(sizes) == n - n % args["batch"]
        else:
            assert sum(sizes) == n and all(s == args["batch"] for s in sizes[:-1])


def test_digits_split_sizes_follow_the_registry():
    for fraction, n_val in ((0.2, 359), (0.0, 0), (0.5, 898), (0.1, 180)):  # round(898.5) == 898
        source = build_data(spec("digits", val_fraction=fraction))
        assert source.n_train == 1797 - n_val
        val = source.val_batches()
        assert (0 if val is None else sum(len(y) for _, y in val)) == n_val
    assert build_data(spec("digits")).n_train == 1438
    assert build_data(spec("synthetic_images")).val_batches() is None


def test_digits_split_is_a_partition_fixed_by_seed():
    a, b, c = (build_data(spec("digits", seed=s)) for s in (0, 0, 1))
    assert torch.equal(a.val_y, b.val_y) and torch.equal(a.val_x, b.val_x)
    assert not torch.equal(a.val_x, c.val_x)
    # train + val is the whole data set, each sample once (compared as sorted rows)
    x, y = digits_module.load()
    rows = lambda xs, ys: sorted(r.tolist() + [int(t)] for r, t in zip(xs.flatten(1), ys))
    assert rows(torch.cat([a.train_x, a.val_x]), torch.cat([a.train_y, a.val_y])) == rows(x, y)


@pytest.mark.parametrize("name,args", [("digits", dict(augment=True, views=2)),
                                       ("digits", {}),
                                       ("synthetic_images", dict(n=100, size=4))])
def test_batches_are_deterministic_and_resume_exactly(name, args):
    def epoch(source, e, start=0):
        return [(torch.cat(x) if isinstance(x, tuple) else x, y) for x, y, _ in source.batches(e, start)]

    first = build_data(spec(name, batch=16, **args))
    torch.manual_seed(123)  # the global RNG must not matter
    again = build_data(spec(name, batch=16, **args))
    e0, e0_again, e1 = epoch(first, 0), epoch(again, 0), epoch(first, 1)
    assert all(torch.equal(x, x2) and torch.equal(y, y2) for (x, y), (x2, y2) in zip(e0, e0_again))
    assert not torch.equal(first.order(0), first.order(1))
    assert not all(torch.equal(y, y1) for (_, y), (_, y1) in zip(e0, e1))
    for start in (0, 1, 3, len(e0) - 1, len(e0), len(e0) + 2):
        resumed = epoch(first, 0, start)
        assert len(resumed) == len(e0[start:])
        assert all(torch.equal(x, x2) and torch.equal(y, y2) for (x, y), (x2, y2) in zip(resumed, e0[start:]))
    with pytest.raises(ValueError):
        first.batches(0, -1)
    other_seed = build_data(spec(name, batch=16, seed=1, **args))
    assert not torch.equal(first.order(0), other_seed.order(0))


def test_an_epoch_visits_every_training_sample_once():
    source = build_data(spec("synthetic_images", n=50, size=2, batch=8))
    seen = torch.cat([source.order(4)[k * 8:(k + 1) * 8] for k in range(source.iters_per_epoch)])
    assert sorted(seen.tolist()) == list(range(50))


def test_digits_values_and_augmentation():
    plain = build_data(spec("digits", batch=32))
    x, y, _ = next(plain.batches(0))
    assert x.shape == (32, 1, 8, 8) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.min() >= 0 and x.max() <= 1 and x.max() > 0.9
    assert plain.num_classes == 10 and plain.sample_shape == (1, 8, 8)

    aug = build_data(spec("digits", batch=32, augment=True, views=3))
    (v1, v2, v3), y_aug, _ = next(aug.batches(0))
    assert torch.equal(y, y_aug)  # same seed, same order: augmentation draws from its own stream
    for v in (v1, v2, v3):
        assert v.min() >= 0 and v.max() <= 1
    assert not torch.equal(v1, v2)
    # without noise, each augmented image is its original shifted by at most a pixel
    gen = torch.Generator().manual_seed(0)
    old = digits_module.NOISE_STD
    try:
        digits_module.NOISE_STD = 0.0
        shifted = digits_module.augment(x, gen)
    finally:
        digits_module.NOISE_STD = old
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    for img, orig in zip(shifted, padded):
        assert any(torch.equal(img, orig[:, dy:dy + 8, dx:dx + 8]) for dy in range(3) for dx in range(3))
    for vx, vy in aug.val_batches():  # validation: one view, never augmented
        assert isinstance(vx, torch.Tensor)
        assert torch.equal(vx, plain.val_x[:len(vx)])
        break


def test_synthetic_images_are_learnable_and_shaped():
    source = build_data(spec("synthetic_images", n=64, size=6, channels=2, num_classes=4, batch=64))
    x, y, _ = next(source.batches(0))
    assert x.shape == (64, 2, 6, 6) and source.sample_shape == (2, 6, 6) and source.num_classes == 4
    assert int(y.max()) < 4
    # nearest class pattern recovers the label: classes carry signal above the noise
    dist = ((x[:, None] - source.patterns[None]) ** 2).flatten(2).sum(-1)
    assert (dist.argmin(1) == y).float().mean() > 0.9


def test_mlp_learns_digits():
    torch.manual_seed(0)
    data = build_data(spec("digits", batch=32))
    model = build_model(spec("mlp"))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(2):
        model.train()
        for batch in data.batches(epoch):
            opt.zero_grad()
            model.train_step(batch)["loss"].backward()
            opt.step()
    model.eval()
    correct = total = 0
    for x, y in data.val_batches():
        correct += int((model.predict(x) == y).sum())
        total += len(y)
    assert correct / total > 0.8


def test_batches_carry_the_samples_positions():
    source = build_data(spec("digits", batch=100))
    order = source.order(2)
    for k, (x, y, index) in enumerate(source.batches(2)):
        assert torch.equal(index, order[k * 100:(k + 1) * 100])
        assert torch.equal(y, source.train_y[index]) and torch.equal(x, source.train_x[index])


def test_uniform_sampling_draws_each_class_evenly_and_is_deterministic():
    source = build_data(spec("digits", batch=64))
    n = source.n_train
    labels = torch.zeros(n, dtype=torch.long)
    labels[:10] = 1          # a class of 10 samples ...
    labels[10:40] = 3        # ... one of 30; class 2 is empty
    source.set_uniform_sampling(labels, k=4)
    order = source.order(0)
    assert len(order) == n
    counts = torch.bincount(labels[order], minlength=4)
    share = n // 3 + 1
    assert counts[2] == 0 and all(share - (3 * share - n) <= int(counts[c]) <= share for c in (0, 1, 3))
    assert torch.equal(order, source.order(0)) and not torch.equal(order, source.order(1))
    source.set_uniform_sampling(None)
    assert sorted(source.order(0).tolist()) == list(range(n))
    with pytest.raises(ValueError, match="one label per training sample"):
        source.set_uniform_sampling(labels[:5], k=4)
