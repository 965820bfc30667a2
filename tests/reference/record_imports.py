"""Record MMEngine's curves for the configs under tests/import_configs.

The `sspec import` counterpart of record_mmengine.py: for each OpenMMLab
config (MMSelfSup's MAE, DenseCL and SimSiam, MMDetection's 1x schedule,
MMPretrain's MAE fine-tuning), MMEngine itself reads the config
(`mmengine.Config.fromfile`, with its `_base_` files) and its own
`param_scheduler` / `train_cfg` / `optim_wrapper` drive the schedulers, for a
train dataloader of `iters_per_epoch` batches (the number also given to
`sspec import --iters-per-epoch`). tests/test_import_parity.py imports the
same config with sspec and checks that the recipe renders these curves.

A development tool, not a test: it needs the dev venv of record_mmengine.py
(torch 2.13.0 CPU, mmengine 0.10.7; see its docstring):

    /tmp/mmenv/bin/python tests/reference/record_imports.py [NAME ...]

Two recordings are made of each case and must agree bit for bit:

* a replay of the training loop, with the machinery of record_mmengine.py:
  the optimizer of `optim_wrapper.optimizer` on one parameter in an
  `OptimWrapper`; the schedulers built as `Runner._build_param_scheduler`
  builds them (`end` defaulting to `max_epochs` for `by_epoch` schedulers and
  to `max_iters` otherwise, then `PARAM_SCHEDULERS.build` with
  `epoch_length = iters_per_epoch`); each iteration records the group's values
  (what `optimizer.step()` sees), steps, steps the per-iteration schedulers
  (ParamSchedulerHook.after_train_iter), and after each epoch the per-epoch
  ones (after_train_epoch; an iteration-based loop calls it once, at the end);
* a real `mmengine.runner.Runner` given the config's `optim_wrapper`,
  `param_scheduler`, `train_cfg` and `auto_scale_lr`, a recording model and a
  dataloader of `iters_per_epoch` batches. What cannot run here is changed,
  none of it touching the default group's values: `AmpOptimWrapper` (CUDA
  only) becomes `OptimWrapper`; a `constructor` from another package
  (MMPretrain's LearningRateDecayOptimWrapperConstructor) is dropped with its
  `paramwise_cfg`; the config's model, data, hooks and custom hooks are not
  used. The recording model has parameters `weight`, `bias`, `ln.weight` and
  `predictor.weight`, so `paramwise_cfg.custom_keys` make extra param groups,
  and the default group is then OptimWrapper's base param settings (the last
  of `optim_wrapper.param_groups`), as in record_mmengine.py.

Recorded: the optimizer's own (default) group's `lr`, `momentum` (SGD's
momentum or Adam's `betas[0]`) and `weight_decay` at every iteration: what
`sspec.schedules.compute(plan).values` holds.

Fixture format (tests/reference/fixtures_imports/<name>.json): the config
path (relative to the repository root), `iters_per_epoch`, versions, the
config's sections as MMEngine merged them and the `param_scheduler` list as
built (with defaulted `end`s), `iterations`, and `values`: target ->
`[[value, count], ...]` (run-length encoded; one line per target).
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import uuid
import warnings
from pathlib import Path

import mmengine
import torch
from mmengine import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CONFIGS = ROOT / "tests" / "import_configs"
FIXTURES = HERE / "fixtures_imports"
MAX_ITERS = 2000

sys.path.insert(0, str(HERE))
from record_mmengine import _read, _rle  # the same helpers

warnings.filterwarnings("ignore")

# (fixture name, config under tests/import_configs, iters_per_epoch, note)
CASES = [
    ("mae_400e_ipe5", "mmselfsup/mae/mae_vit-base-p16_8xb512-coslr-400e_in1k.py", 5,
     "MMSelfSup MAE: 40-epoch linear warm-up, cosine to 400 epochs, both per iteration"),
    ("mae_amp_400e_ipe3", "mmselfsup/mae/mae_vit-base-p16_8xb512-amp-coslr-400e_in1k.py", 3,
     "MMSelfSup MAE with AmpOptimWrapper (run as OptimWrapper: AMP leaves the lr alone)"),
    ("mae_amp_300e_ipe6", "mmselfsup/mae/mae_vit-base-p16_8xb512-amp-coslr-300e_in1k.py", 6,
     "MMSelfSup MAE, 300 epochs: the child's param_scheduler list replaces the base's"),
    ("densecl_200e_ipe10", "mmselfsup/densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py", 10,
     "MMSelfSup DenseCL: SGD, cosine stepped once an epoch"),
    ("simsiam_200e_ipe7", "mmselfsup/simsiam/simsiam_resnet50_8xb32-coslr-200e_in1k.py", 7,
     ("MMSelfSup SimSiam: lr from a config variable; the predictor's fix_lr group is "
      "not recorded (SimSiamHook's)")),
    ("simsiam_100e_ipe13", "mmselfsup/simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py", 13,
     "MMSelfSup SimSiam, 100 epochs: the child replaces param_scheduler and train_cfg"),
    ("retinanet_1x_ipe50", "mmdet/retinanet/retinanet_r50_fpn_1x_coco.py", 50,
     "MMDetection schedule_1x: the 500-iteration warm-up runs past the epoch-8 milestone"),
    ("retinanet_1x_ipe42", "mmdet/retinanet/retinanet_r50_fpn_1x_coco.py", 42,
     ("MMDetection schedule_1x: the shortest epoch that fits the warm-up (12 x 42 = 504); "
      "both milestones fall inside the warm-up")),
    ("retinanet_1x_ipe160", "mmdet/retinanet/retinanet_r50_fpn_1x_coco.py", 160,
     "MMDetection schedule_1x: the warm-up ends inside epoch 4"),
    ("mae_finetune_100e_ipe9", "mmpretrain/mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py", 9,
     ("MMPretrain MAE fine-tuning: converted warm-up and cosine with T_max and eta_min "
      "(the layer-decay constructor leaves the default group alone)")),
]


# ---------------------------------------------------------------- the config

def load(rel: str) -> Config:
    return Config.fromfile(str(CONFIGS / rel))


def loop_of(cfg: Config, ipe: int) -> dict:
    """The train loop as Runner.build_train_loop picks it: epochs or iterations."""
    train = dict(cfg.train_cfg)
    by_epoch = train.get("by_epoch", None)
    kind = train.get("type")
    if kind is None:
        kind = "EpochBasedTrainLoop" if by_epoch in (None, True) else "IterBasedTrainLoop"
    if kind == "EpochBasedTrainLoop":
        return dict(by_epoch=True, epochs=int(train["max_epochs"]),
                    iters=int(train["max_epochs"]) * ipe)
    assert kind == "IterBasedTrainLoop", kind
    return dict(by_epoch=False, epochs=None, iters=int(train["max_iters"]))


def scheduler_cfgs(cfg: Config, loop: dict) -> list[dict]:
    """`param_scheduler` as Runner._build_param_scheduler passes it on."""
    raw = cfg.param_scheduler
    raw = [raw] if isinstance(raw, dict) else list(raw)
    out = []
    for s in raw:
        s = copy.deepcopy(dict(s))
        if "end" not in s:
            # Runner.max_epochs of an IterBasedTrainLoop is not a number of
            # epochs; none of the configs here has one and an `end`-less phase
            assert loop["by_epoch"], "an `end`-less scheduler in an iteration-based run"
            s["end"] = loop["epochs"] if s.get("by_epoch", True) else loop["iters"]
        out.append(s)
    return out


def targets_of(optimizer) -> list[str]:
    d = optimizer.defaults
    return [t for t in ("lr", "momentum", "weight_decay")
            if t in d or (t == "momentum" and "betas" in d)]


# ---------------------------------------------------------------- replay

def simulate(cfg: Config, ipe: int) -> dict[str, list[float]]:
    loop = loop_of(cfg, ipe)
    model = torch.nn.Linear(1, 1, bias=False)
    wrapper = build_optim_wrapper(model, dict(type="OptimWrapper",
                                              optimizer=copy.deepcopy(
                                                  dict(cfg.optim_wrapper.optimizer))))
    assert type(wrapper) is OptimWrapper and len(wrapper.param_groups) == 1
    optimizer = wrapper.optimizer
    schedulers = [PARAM_SCHEDULERS.build(s, default_args=dict(optimizer=wrapper,
                                                               epoch_length=ipe))
                  for s in scheduler_cfgs(cfg, loop)]
    targets = targets_of(optimizer)
    record = {t: [] for t in targets}

    def one_iteration():
        group = optimizer.param_groups[0]
        for t in targets:
            record[t].append(_read(group, t, optimizer))
        wrapper.step()
        for s in schedulers:                 # ParamSchedulerHook.after_train_iter
            if not s.by_epoch:
                s.step()

    if loop["by_epoch"]:
        for _ in range(loop["epochs"]):
            for _ in range(ipe):
                one_iteration()
            for s in schedulers:             # ParamSchedulerHook.after_train_epoch
                if s.by_epoch:
                    s.step()
    else:
        for _ in range(loop["iters"]):
            one_iteration()
        for s in schedulers:                 # IterBasedTrainLoop: once, at the end
            if s.by_epoch:
                s.step()
    return record


# ---------------------------------------------------------------- real Runner

def runner_optim_wrapper(cfg: Config) -> tuple[dict, list[str]]:
    ow = copy.deepcopy(cfg.optim_wrapper.to_dict() if hasattr(cfg.optim_wrapper, "to_dict")
                       else dict(cfg.optim_wrapper))
    changes = []
    if ow.get("type") == "AmpOptimWrapper":
        ow["type"] = "OptimWrapper"
        ow.pop("loss_scale", None)
        ow.pop("dtype", None)
        changes.append("AmpOptimWrapper run as OptimWrapper (CUDA only)")
    if ow.get("constructor") not in (None, "DefaultOptimWrapperConstructor"):
        changes.append(f"constructor {ow.pop('constructor')} and its paramwise_cfg dropped")
        ow.pop("paramwise_cfg", None)
    return ow, changes


def run_runner(cfg: Config, ipe: int) -> tuple[dict[str, list[float]], int]:
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import DataLoader

    seen: list = []
    n_groups: list = []

    class Recorder(BaseModel):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.ones(1))
            self.bias = torch.nn.Parameter(torch.zeros(1))
            self.ln = torch.nn.Linear(1, 1, bias=False)
            self.predictor = torch.nn.Linear(1, 1, bias=False)

        def forward(self, inputs, data_samples=None, mode="loss"):
            out = self.weight * inputs + self.bias
            return {"loss": (self.predictor(self.ln(out))).sum()}

        def train_step(self, data, optim_wrapper):
            optimizer = optim_wrapper.optimizer
            groups = optim_wrapper.param_groups
            if not n_groups:
                n_groups.append(len(optimizer.param_groups))
            default = groups[-1] if len(groups) > len(optimizer.param_groups) else groups[0]
            seen.append({t: _read(default, t, optimizer) for t in targets_of(optimizer)})
            return super().train_step(data, optim_wrapper)

    loop = loop_of(cfg, ipe)
    loader = DataLoader([dict(inputs=torch.ones(1)) for _ in range(ipe)], batch_size=1)
    train_cfg = dict(cfg.train_cfg)
    for key in ("val_interval", "val_begin", "dynamic_intervals"):
        train_cfg.pop(key, None)
    ow, _ = runner_optim_wrapper(cfg)
    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(model=Recorder(), work_dir=work_dir, train_dataloader=loader,
                        optim_wrapper=ow,
                        param_scheduler=copy.deepcopy(cfg.param_scheduler),
                        train_cfg=train_cfg,
                        auto_scale_lr=copy.deepcopy(cfg.get("auto_scale_lr")),
                        default_hooks=dict(checkpoint=None, logger=None),
                        experiment_name=f"import_{uuid.uuid4().hex}", log_level="ERROR")
        runner.train()
    assert len(seen) == loop["iters"], (len(seen), loop)
    return {t: [row[t] for row in seen] for t in seen[0]}, n_groups[0]


# ---------------------------------------------------------------- fixtures

def record_case(name: str, rel: str, ipe: int, note: str) -> Path:
    cfg = load(rel)
    loop = loop_of(cfg, ipe)
    assert loop["iters"] <= MAX_ITERS, (name, loop["iters"])
    sim = simulate(cfg, ipe)
    real, n_groups = run_runner(cfg, ipe)
    assert real == sim, name          # bit for bit, every target
    _, changes = runner_optim_wrapper(cfg)
    path_rel = (CONFIGS / rel).relative_to(ROOT).as_posix()
    fixture = {
        "name": name,
        "note": note,
        "config": path_rel,
        "iters_per_epoch": ipe,
        "versions": {"mmengine": mmengine.__version__, "torch": torch.__version__},
        "source": ("mmengine.Config.fromfile; a replay of the training loop on MMEngine's "
                   "scheduler objects, identical to a real mmengine.runner.Runner run "
                   f"({n_groups} torch param group(s); the default group recorded)"
                   + ("; runner: " + "; ".join(changes) if changes else "")),
        "mmengine": {
            "optim_wrapper": _plain(cfg.optim_wrapper),
            "train_cfg": _plain(cfg.train_cfg),
            "param_scheduler": _plain(cfg.param_scheduler),
            "param_scheduler_built": scheduler_cfgs(cfg, loop),
            "loop": loop,
        },
        "iterations": loop["iters"],
        "values": {t: _rle(v) for t, v in sim.items()},
    }
    FIXTURES.mkdir(exist_ok=True)
    out = FIXTURES / f"{name}.json"
    out.write_text(_dump(fixture), encoding="utf-8")
    return out


def _plain(value):
    return json.loads(json.dumps(value.to_dict() if hasattr(value, "to_dict") else value,
                                 default=lambda o: list(o) if isinstance(o, tuple) else str(o)))


def _dump(fixture: dict) -> str:
    """Indented metadata; each run-length encoded curve on one line."""
    values = fixture["values"]
    head = dict(fixture, values={t: f"@@{t}@@" for t in values})
    text = json.dumps(head, indent=1)
    for t, runs in values.items():
        text = text.replace(json.dumps(f"@@{t}@@"), json.dumps(runs, separators=(",", ":")))
    assert json.loads(text)["values"] == values
    return text + "\n"


def main(argv):
    assert mmengine.__version__ == "0.10.7", mmengine.__version__
    chosen = [c for c in CASES if not argv or c[0] in argv]
    unknown = set(argv) - {c[0] for c in CASES}
    if unknown:
        raise SystemExit(f"unknown cases: {sorted(unknown)}; cases: {[c[0] for c in CASES]}")
    for case in chosen:
        out = record_case(*case)
        print(out.relative_to(ROOT).as_posix())
    print(f"{len(chosen)} cases recorded")


if __name__ == "__main__":
    main(sys.argv[1:])
