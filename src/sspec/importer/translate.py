"""A merged MMEngine config → a recipe draft (what to write, and from where).

Each part follows what MMEngine's Runner does with the config: the train loop
it builds, the optimizer wrapper and its parameter groups, the schedulers
with their defaults filled in, the default hooks merged into the runner's
own, the custom hooks. What has no counterpart is a W601 warning; what
MMEngine would refuse is an error.
"""

from __future__ import annotations

import math
import os
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic, Span, error, warning
from ..registry import PRIORITIES, Component, lookup, names, suggest
from ..registry.schema import validator_for
from .config import Loaded, Meta, Node, Opaque, Seq
from .values import KEYWORDS, Dur, Lets, Raw, call, find_opaque, spell, spellable, strip_scope

# ------------------------------------------------------------------ the draft


@dataclass
class Line:
    """One recipe line (or aligned row) and the config span it comes from."""

    cells: tuple[str, ...]
    origin: Span | None = None
    comment: str | None = None


@dataclass
class Phase:
    interval: str
    component: str
    per: str
    origin: Span | None
    order: int                   # position in the config's param_scheduler list
    begin_it: float = 0          # bounds in the recipe's iterations, for stacking
    end_it: float = 0
    unit: str = "ep"
    begin: float = 0
    end: float = 0


@dataclass
class Draft:
    name: str
    header: list[str] = field(default_factory=list)
    train: list[Line] = field(default_factory=list)
    lets: list[Line] = field(default_factory=list)
    standins: list[Line] = field(default_factory=list)     # model, data
    standin_note: list[str] = field(default_factory=list)
    optimizer: Line | None = None
    rules: list[Line] = field(default_factory=list)
    layer_decay: Line | None = None
    schedules: list[tuple[str, list[Phase | list[Phase]]]] = field(default_factory=list)
    hooks: list[Line] = field(default_factory=list)


# ------------------------------------------------------------------ MMEngine facts

EPOCH_LOOP, ITER_LOOP = "EpochBasedTrainLoop", "IterBasedTrainLoop"
LOOP_KEYS = {EPOCH_LOOP: {"max_epochs", "val_begin", "val_interval", "dynamic_intervals"},
             ITER_LOOP: {"max_iters", "val_begin", "val_interval", "dynamic_intervals"}}

# Runner.register_default_hooks: the runner's own default hooks, in order.
RUNNER_DEFAULT_HOOKS = (
    ("runtime_info", {"type": "RuntimeInfoHook"}),
    ("timer", {"type": "IterTimerHook"}),
    ("sampler_seed", {"type": "DistSamplerSeedHook"}),
    ("logger", {"type": "LoggerHook"}),
    ("param_scheduler", {"type": "ParamSchedulerHook"}),
    ("checkpoint", {"type": "CheckpointHook", "interval": 1}),
)
# Hooks whose work sspec's loop does itself.
LOOP_HOOKS = {"RuntimeInfoHook", "IterTimerHook", "DistSamplerSeedHook", "ParamSchedulerHook"}

# MMEngine's defaults of hook arguments sspec does not take: a value equal to
# the default loses nothing, so it is dropped without a warning.
HOOK_DEFAULTS = {
    "LoggerHook": {"interval_exp_name": 1000, "out_dir": None,
                   "out_suffix": (".json", ".log", ".py", "yaml"), "keep_local": True,
                   "file_client_args": None, "log_metric_by_epoch": True, "backend_args": None},
    "CheckpointHook": {"save_param_scheduler": True, "out_dir": None, "save_best": None,
                       "rule": None, "greater_keys": None, "less_keys": None,
                       "file_client_args": None, "filename_tmpl": None, "backend_args": None,
                       "published_keys": None, "save_begin": 0},
    "EMAHook": {},
}

SCHEDULER_KEYS = {"type", "begin", "end", "by_epoch", "convert_to_iter_based", "param_name",
                  "_scope_"}
# Optimizer-wrapper keys and what becomes of them.
WRAPPER_KEYS = {"type", "optimizer", "paramwise_cfg", "constructor", "clip_grad",
                "accumulative_counts", "loss_scale", "dtype", "_scope_"}
LAYER_DECAY_CONSTRUCTOR = "LearningRateDecayOptimWrapperConstructor"
DEFAULT_CONSTRUCTOR = "DefaultOptimWrapperConstructor"

# MMPretrain/MMSelfSup VisionTransformer.arch_zoo: (embed_dims, num_layers, num_heads).
VIT_ARCHS = {
    ("s", "small"): (768, 8, 8),
    ("b", "base"): (768, 12, 12),
    ("l", "large"): (1024, 24, 16),
    ("h", "huge"): (1280, 32, 16),
    ("eva-g", "eva-giant"): (1408, 40, 16),
    ("deit-t", "deit-tiny"): (192, 12, 3),
    ("deit-s", "deit-small", "dinov2-s", "dinov2-small"): (384, 12, 6),
    ("deit-b", "deit-base"): (768, 12, 12),
}
VIT_BACKBONES = {"VisionTransformer", "MAEViT", "BEiTViT", "CAEViT", "MaskFeatViT",
                 "MILANViT", "PixMIMViT", "iTPNHiViT", "BEiTPretrainViT"}
DEFAULT_EPOCH_GUESS = 8  # iterations per epoch of the stand-in data when none is given


def arch_of(backbone: Any) -> tuple[int, int, int] | None:
    if not isinstance(backbone, dict):
        return None
    arch = backbone.get("arch", "base")
    if isinstance(arch, dict):
        try:
            return int(arch["embed_dims"]), int(arch["num_layers"]), int(arch["num_heads"])
        except (KeyError, TypeError, ValueError):
            return None
    if isinstance(arch, str):
        for keys, dims in VIT_ARCHS.items():
            if arch.lower() in keys:
                return dims
    return None


# ------------------------------------------------------------------ translation

class Translator:
    def __init__(self, loaded: Loaded, iters_per_epoch: int | None, lets: "Lets | None" = None):
        self.loaded = loaded
        self.cfg: Node = loaded.cfg
        self.ipe_given = iters_per_epoch
        self.diagnostics: list[Diagnostic] = []
        self.root_span = Span.whole_file(loaded.path)
        stem = os.path.splitext(os.path.basename(loaded.path))[0]
        name = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_") or "imported"
        if name[0].isdigit():
            name = "r_" + name
        if name in KEYWORDS:
            name += "_recipe"
        self.draft = Draft(name)
        # the time line
        self.epoch_loop = True
        self.length: int | None = None        # epochs or iterations
        self.ipe: int = iters_per_epoch or DEFAULT_EPOCH_GUESS
        self.batch = 64
        self.lets = lets if lets is not None else Lets()
        self.optimizer_type: str | None = None
        self.optimizer_cfg: Node | None = None

    # -------------------------------------------------------------- diagnostics
    def span(self, node: Any, key: Any = None) -> Span:
        if key is not None and isinstance(node, Node):
            meta = node.metas.get(key)
            if meta is not None and meta.span is not None:
                return meta.span
        if isinstance(node, (Node, Seq)) and getattr(node, "span", None) is not None:
            return node.span
        return self.root_span

    def rank(self, span: Span) -> int:
        """How derived the file of `span` is: a base ranks below the files naming it."""
        finished = self.loaded.finished
        return finished.index(span.file) if span.file in finished else -1

    def top(self, key: str) -> Span:
        return self.span(self.cfg, key)

    def error(self, code: str, message: str, span: Span, **kw) -> None:
        self.diagnostics.append(error(code, message, span, **kw))

    def warn(self, code: str, message: str, span: Span, **kw) -> None:
        self.diagnostics.append(warning(code, message, span, **kw))

    def not_translated(self, what: str, span: Span, **kw) -> None:
        self.warn("W601", f"{what} is not translated", span, **kw)

    def need(self, value: Any, span: Span, what: str) -> bool:
        """False (with E613) when `value` has a part the importer did not compute."""
        found = find_opaque(value)
        if found is None and spellable(value):
            return True
        if found is not None:
            self.error("E613", f"{what} cannot be computed: it depends on {found.what}", span,
                       notes=[f"that code is at {_where(found.span)}"] if found.span else [],
                       help="write the value as a literal (or constant arithmetic) in the config")
        else:
            self.error("E613", f"{what} cannot be written in a recipe", span)
        return False

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    # -------------------------------------------------------------- whole
    def run(self) -> Draft | None:
        if not self.train_loop():
            return None
        if self.ipe_given is None:
            self.ipe = self.guess_ipe()
        self.header()
        self.standins()
        self.optimizer()
        self.schedules()
        self.hooks()
        self.leftovers()
        for name, (value, meta) in self.lets.active.items():
            self.draft.lets.append(Line((name, _spell_any(value, meta)), None))
        return None if self.failed else self.draft

    def header(self) -> None:
        files = self.loaded.files
        base = os.path.basename(files[0])
        self.draft.header.append(f"# Imported by `sspec import` from {base}")
        if len(files) > 1:
            here = os.path.dirname(files[0])
            bases = [os.path.relpath(f, here) for f in files[1:]]
            self.draft.header += textwrap.wrap("and its bases: " + ", ".join(bases) + ".", 88,
                                               initial_indent="# ", subsequent_indent="#   ",
                                               break_on_hyphens=False, break_long_words=False)

    # -------------------------------------------------------------- train loop
    def train_loop(self) -> bool:
        cfg = self.cfg
        tc = cfg.get("train_cfg")
        if tc is None:
            old = [k for k in ("runner", "lr_config", "total_epochs", "optimizer_config")
                   if k in cfg]
            if old:
                self.error("E610", "an MMCV 0.x config: it has `" + "`, `".join(old)
                           + "` but no `train_cfg`", self.top(old[0]),
                           help="the importer reads MMEngine (OpenMMLab 2.x) configs")
            else:
                self.error("E610", "the config has no `train_cfg`", self.root_span,
                           help="add `train_cfg = dict(type='EpochBasedTrainLoop', "
                                "max_epochs=N)`")
            return False
        span = self.top("train_cfg")
        if not isinstance(tc, Node):
            if self.need(tc, span, "`train_cfg`"):
                self.error("E610", "`train_cfg` must be a dict", span)
            return False
        loop_type = strip_scope(tc.get("type"))
        if loop_type is not None and "by_epoch" in tc:
            self.error("E610", "`train_cfg` gives both `type` and `by_epoch`",
                       self.span(tc, "by_epoch"),
                       notes=["MMEngine: \"Only one of `type` or `by_epoch` can exist\""],
                       help="keep `type`")
            return False
        if loop_type is None:
            if "by_epoch" not in tc:
                self.error("E610", "`train_cfg` gives neither `type` nor `by_epoch`", span,
                           notes=["MMEngine pops `by_epoch` when `type` is missing, and fails "
                                  "with a KeyError"],
                           help="add `type='EpochBasedTrainLoop'` or `by_epoch=True`")
                return False
            if not self.need(tc["by_epoch"], self.span(tc, "by_epoch"), "`by_epoch`"):
                return False
            loop_type = EPOCH_LOOP if tc["by_epoch"] else ITER_LOOP
        if not isinstance(loop_type, str):
            self.need(loop_type, self.span(tc, "type"), "the loop type")
            return False
        if loop_type not in LOOP_KEYS:
            key = "max_epochs" if "max_epochs" in tc else "max_iters" if "max_iters" in tc else None
            if key is None:
                self.error("E610", f"custom train loop `{loop_type}` without max_epochs or "
                           "max_iters", self.span(tc, "type"))
                return False
            self.not_translated(f"the custom train loop `{loop_type}`", self.span(tc, "type"),
                                notes=[f"the run is taken to be {key}={tc[key]!r} of the "
                                       "standard loop"])
            loop_type = EPOCH_LOOP if key == "max_epochs" else ITER_LOOP
            extra = []
        else:
            extra = [k for k in tc if k not in LOOP_KEYS[loop_type] | {"type", "by_epoch"}]
        for k in extra:
            self.error("E610", f"`{loop_type}` takes no argument `{k}`", self.span(tc, k),
                       help=f"it takes {', '.join(sorted(LOOP_KEYS[loop_type]))}")
        if extra:
            return False
        self.epoch_loop = loop_type == EPOCH_LOOP
        key = "max_epochs" if self.epoch_loop else "max_iters"
        if key not in tc:
            self.error("E610", f"`{loop_type}` needs `{key}`", span)
            return False
        value = tc[key]
        vspan = self.span(tc, key)
        if not self.need(value, vspan, f"`{key}`"):
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value \
                or value < 1:
            self.error("E610", f"`{key}` must be a positive whole number, got {value!r}", vspan)
            return False
        self.length = int(value)
        if "val_interval" in tc or "val_begin" in tc:
            pass  # said once, with the validation loop (leftovers)

        ipe_line = []
        if self.ipe_given is not None:
            ipe_line = [Line(("iters_per_epoch", str(self.ipe_given)), None,
                             "the train dataloader's length (--iters-per-epoch)")]
        self.draft.train.append(Line(("epochs" if self.epoch_loop else "iters", str(self.length)),
                                     vspan))
        self.draft.train += ipe_line
        self.train_span = span
        return True

    def guess_ipe(self) -> int:
        """Without `--iters-per-epoch`: a length that fits the config's
        iteration bounds into its epochs (a 500-iteration warm-up in a 12-epoch
        run needs 42 iterations an epoch)."""
        guess = DEFAULT_EPOCH_GUESS
        ps = self.cfg.get("param_scheduler")
        items = [ps] if isinstance(ps, dict) else list(ps) if isinstance(ps, (list, tuple)) else []
        if not self.epoch_loop:
            return guess
        for s in items:
            if isinstance(s, dict) and s.get("by_epoch", True) is False:
                for key in ("begin", "end"):
                    v = s.get(key)
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                        guess = max(guess, math.ceil(v / self.length))
        return guess

    def uses_epochs(self) -> bool:
        """Whether an iteration-based config still counts something in epochs."""
        ps = self.cfg.get("param_scheduler")
        items = [ps] if isinstance(ps, dict) else list(ps) if isinstance(ps, (list, tuple)) else []
        return any(isinstance(s, dict) and s.get("by_epoch", True) for s in items)

    @property
    def total_iters(self) -> int:
        return self.length * self.ipe if self.epoch_loop else self.length

    # -------------------------------------------------------------- stand-ins
    def standins(self) -> None:
        cfg = self.cfg
        model = cfg.get("model")
        mspan = self.top("model") if "model" in cfg else self.root_span
        loader = cfg.get("train_dataloader")
        dspan = self.top("train_dataloader") if "train_dataloader" in cfg else self.root_span
        batch = loader.get("batch_size") if isinstance(loader, Node) else None
        if isinstance(batch, int) and not isinstance(batch, bool) and batch >= 1:
            self.batch = batch
        model_type = _type_name(model)
        backbone = model.get("backbone") if isinstance(model, Node) else None
        backbone_type = _type_name(backbone)

        name, args, what, img, channels, classes = self.model_standin(model, model_type, backbone,
                                                                      backbone_type)
        model_text = call(name, [(k, v, None) for k, v in args])
        described = f"model `{model_type}`" + (f" with a `{backbone_type}` backbone"
                                               if backbone_type else "") \
            if model_type else "the config's model" if model is not None else "no model: it"
        self.warn("W602", f"{'the config has ' if model is None else ''}{described} is replaced "
                  f"by a stand-in `{name}(...)`", mspan,
                  notes=["a config's model has no sspec counterpart in general"],
                  help="replace the `model = ...` line of the recipe with the model to train")
        n = self.ipe * self.batch
        data_args = [("n", n), ("size", img), ("channels", channels), ("batch", self.batch)]
        if classes is not None:
            data_args.append(("num_classes", classes))
        dataset = None
        if isinstance(loader, Node) and isinstance(loader.get("dataset"), Node):
            dataset = loader["dataset"].get("type")
        data_args = self.valid_args("synthetic_images", data_args)
        data_text = call("synthetic_images", [(k, v, None) for k, v in data_args])
        self.warn("W602", ("data " + (f"`{dataset}`" if isinstance(dataset, str) else
                                      "of `train_dataloader`") if loader is not None else
                           "the config has no train_dataloader: data")
                  + " is replaced by stand-in synthetic images", dspan,
                  notes=[f"{self.batch} images per batch, as the config's train_dataloader "
                         "(per GPU)"],
                  help="replace the `data = ...` line of the recipe with the data to train on")
        if self.ipe_given is None and (self.epoch_loop or self.uses_epochs()):
            self.warn("W606", f"the length of an epoch is unknown: the recipe takes "
                      f"{self.ipe} iterations (the stand-in data's)", self.train_span,
                      help="pass `--iters-per-epoch N`, the length of the train dataloader")
        data_what = f"{dataset}" if isinstance(dataset, str) else "the train dataloader" \
            if loader is not None else "none in the config"
        if model is None:
            what = "none in the config"
        self.draft.standin_note = [
            "# Stand-ins: the config's model and data have no sspec counterpart. Replace them.",
            f"#   model: {what} ({_where(mspan)})",
            f"#   data:  {data_what}, batches of {self.batch}, {self.ipe} an epoch "
            f"({_where(dspan)})",
        ]
        self.draft.standins.append(Line(("model", model_text), mspan))
        self.draft.standins.append(Line(("data", data_text), dspan))

    def model_standin(self, model, model_type, backbone, backbone_type):
        img, channels = 224, 3
        find = lambda key: _find_key(model, key)
        if isinstance(backbone, Node):
            size = backbone.get("img_size")
            if isinstance(size, int) and not isinstance(size, bool) and size > 0:
                img = size
        vit = arch_of(backbone) if backbone_type in VIT_BACKBONES else None
        patch = backbone.get("patch_size", 16) if isinstance(backbone, Node) else 16
        patch = patch if isinstance(patch, int) and patch > 0 and img % patch == 0 else 16
        what = f"{model_type or 'the model'}"
        classes = None
        if model_type == "MAE" and vit is not None:
            dim, depth, heads = vit
            neck = model.get("neck") if isinstance(model, Node) else None
            head = model.get("head") if isinstance(model, Node) else None
            args = [("img_size", img), ("patch", patch), ("dim", dim), ("depth", depth),
                    ("heads", heads), ("channels", channels)]
            if isinstance(neck, Node):
                args += [("decoder_dim", neck.get("decoder_embed_dim")),
                         ("decoder_depth", neck.get("decoder_depth"))]
            args.append(("mask_ratio", backbone.get("mask_ratio")))
            if isinstance(head, Node):
                args.append(("norm_pix_loss", head.get("norm_pix")))
            return "mae_vit", self.valid_args("mae_vit", args), f"MAE {_vit_name(backbone)}", \
                img, channels, None
        if vit is not None:
            dim, depth, heads = vit
            classes = find("num_classes")
            args = [("img_size", img), ("patch", patch), ("dim", dim), ("depth", depth),
                    ("heads", heads), ("channels", channels), ("num_classes", classes)]
            args = self.valid_args("vit", args)
            classes = dict(args).get("num_classes")
            return "vit", args, f"{model_type or 'a'} {_vit_name(backbone)}", img, channels, \
                classes
        selfsup = {"DenseCL": "densecl", "SimSiam": "simsiam", "SwAV": "swav", "ODC": "odc",
                   "DeepCluster": "deepcluster"}
        if model_type in selfsup:
            name = selfsup[model_type]
            neck = model.get("neck") if isinstance(model, Node) else None
            head = model.get("head") if isinstance(model, Node) else None
            args = [("channels", channels), ("img_size", img)]
            feat = model.get("feat_dim") if "feat_dim" in model else \
                (neck.get("out_channels") if isinstance(neck, Node) else None)
            args.append(("feat_dim", feat))
            if name == "densecl":
                args += [("queue_len", model.get("queue_len")), ("momentum", model.get("momentum")),
                         ("temperature",
                          head.get("temperature") if isinstance(head, Node) else None),
                         ("loss_lambda", model.get("loss_lambda"))]
            elif name == "simsiam":
                pred = head.get("predictor") if isinstance(head, Node) else None
                args.append(("pred_dim",
                             pred.get("hid_channels") if isinstance(pred, Node) else None))
            elif name == "swav":
                loss = head.get("loss") if isinstance(head, Node) else None
                if isinstance(loss, Node):
                    args += [("num_prototypes", loss.get("num_prototypes")),
                             ("temperature", loss.get("temperature")),
                             ("epsilon", loss.get("epsilon")),
                             ("sinkhorn_iterations", loss.get("sinkhorn_iterations"))]
            else:
                args.append(("num_classes", find("num_classes")))
            return name, self.valid_args(name, args), \
                f"{model_type}" + (f" with a {backbone_type} backbone" if backbone_type else ""), \
                img, channels, None
        classes = find("num_classes")
        args = self.valid_args("convnet", [("channels", channels), ("img_size", img),
                                           ("num_classes", classes)])
        classes = dict(args).get("num_classes")
        what += f" with a {backbone_type} backbone" if backbone_type else ""
        return "convnet", args, what, img, channels, classes

    def fits(self, comp: Component, key: str, value: Any, span: Span) -> bool:
        """Whether sspec's registry takes `value` for `key` (E611 when not: the
        recipe cannot say it, and MMEngine itself often refuses it too)."""
        one = {"type": "object", "properties": {key: comp.properties[key]}}
        problems = list(validator_for(one).iter_errors({key: value}))
        if not problems:
            return True
        shown = _spell_any(value) if spellable(value) else repr(value)
        self.error("E611", f"`{key}={shown}` of `{comp.name}` has no sspec counterpart: "
                   f"{problems[0].message}", span,
                   help=comp.properties[key].get("description"))
        return False

    def valid_args(self, component: str, args: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """The arguments the registry accepts (a stand-in takes what fits)."""
        comp = lookup(component)
        out = []
        for key, value in args:
            if value is None or not spellable(value) or key not in comp.properties:
                continue
            one = {"type": "object", "properties": {key: comp.properties[key]}}
            if not list(validator_for(one).iter_errors({key: value})):
                out.append((key, value))
        return out

    # -------------------------------------------------------------- optimizer
    def optimizer(self) -> None:
        cfg = self.cfg
        ow = cfg.get("optim_wrapper")
        if ow is None:
            hint = "; MMEngine ignores the top-level `optimizer`" if "optimizer" in cfg else ""
            self.error("E611", "the config has no `optim_wrapper`" + hint, self.root_span,
                       help="add `optim_wrapper = dict(optimizer=dict(type=..., lr=...))`")
            return
        wspan = self.top("optim_wrapper")
        if not isinstance(ow, Node):
            if self.need(ow, wspan, "`optim_wrapper`"):
                self.error("E611", "`optim_wrapper` must be a dict", wspan)
            return
        constructor = strip_scope(ow.get("constructor", DEFAULT_CONSTRUCTOR))
        if constructor == "MultiOptimWrapperConstructor" or (
                "optimizer" not in ow and any(isinstance(v, Node) and "optimizer" in v
                                              for v in ow.values())):
            self.error("E614", "the config builds several optimizers", wspan,
                       help="a recipe has one optimizer")
            return
        wrapper = strip_scope(ow.get("type", "OptimWrapper"))
        precision = None
        if wrapper == "AmpOptimWrapper":
            dtype = ow.get("dtype")
            if dtype in (None, "float16", "fp16", "half"):
                precision = "fp16"
            elif dtype in ("bfloat16", "bf16"):
                precision = "bf16"
            else:
                self.need(dtype, self.span(ow, "dtype"), "`dtype`")
                if not isinstance(dtype, Opaque):
                    self.error("E617", f"`dtype={dtype!r}` is not a dtype AmpOptimWrapper takes",
                               self.span(ow, "dtype"),
                               help="use 'float16' or 'bfloat16'")
            scale = ow.get("loss_scale", "dynamic")
            if scale != "dynamic":
                self.not_translated(f"`loss_scale={scale!r}`", self.span(ow, "loss_scale"),
                                    notes=["sspec's fp16 uses a dynamic gradient scaler"])
        elif wrapper != "OptimWrapper":
            hint = suggest(wrapper, ["OptimWrapper", "AmpOptimWrapper"]) \
                if isinstance(wrapper, str) else None
            self.error("E611", f"optimizer wrapper `{wrapper}` has no sspec counterpart",
                       self.span(ow, "type"),
                       help=f"did you mean `{hint}`?" if hint else
                       "sspec has OptimWrapper (fp32) and AmpOptimWrapper (fp16/bf16)")
            return
        else:
            for key in ("loss_scale", "dtype"):
                if key in ow:
                    self.error("E617", f"`OptimWrapper` takes no `{key}`", self.span(ow, key),
                               help="use `type='AmpOptimWrapper'` for mixed precision")
        if precision:
            self.draft.train.append(Line(("precision", precision), self.span(ow, "type")))
        self.wrapper_options(ow)

        opt = ow.get("optimizer")
        if not isinstance(opt, Node):
            if opt is None:
                self.error("E611", "`optim_wrapper` has no `optimizer`", wspan)
            elif self.need(opt, self.span(ow, "optimizer"), "the optimizer"):
                self.error("E611", "`optim_wrapper.optimizer` must be a dict",
                           self.span(ow, "optimizer"))
            return
        ospan = self.span(ow, "optimizer")
        self.optimizer_cfg = opt
        top_opt = cfg.get("optimizer")
        if isinstance(top_opt, Node) and top_opt != opt \
                and self.rank(self.top("optimizer")) > self.rank(wspan):
            self.warn("W604", "the top-level `optimizer` differs from `optim_wrapper.optimizer`, "
                      "which is the one MMEngine uses", self.top("optimizer"),
                      notes=[f"`optim_wrapper.optimizer` is set at {_where(ospan)}",
                             "re-assigning `optimizer` in a child config changes nothing unless "
                             "the child also re-assigns `optim_wrapper`"],
                      help="set `optim_wrapper = dict(optimizer=...)` in the config")
        otype = strip_scope(opt.get("type"))
        if not isinstance(otype, str):
            if otype is None:
                self.error("E611", "the optimizer has no `type`", ospan)
            else:
                self.need(otype, ospan, "the optimizer type")
            return
        comp = lookup(otype)
        if comp is None or comp.kind != "optimizer":
            hint = suggest(otype, names("optimizer"))
            self.error("E611", f"optimizer `{otype}` has no sspec counterpart",
                       self.span(opt, "type"), help=f"did you mean `{hint}`?" if hint else
                       "sspec has torch.optim's optimizers, LARS and Lamb")
            return
        self.optimizer_type = otype
        layer_decay_keys = {"layer_decay_rate", "model_type", "num_layers"} \
            if constructor == LAYER_DECAY_CONSTRUCTOR else set()
        args = []
        for key, value in opt.items():
            if key in ("type", "_scope_") or key in layer_decay_keys:
                continue
            span = self.span(opt, key)
            if key not in comp.properties:
                self.not_translated(f"argument `{key}` of `{otype}`", span,
                                    help=f"`{otype}` takes " + ", ".join(
                                        f"`{k}`" for k in comp.properties))
                continue
            if self.need(value, span, f"`{key}`") and self.fits(comp, key, value, span):
                args.append((key, value, opt.meta(key)))
        self.draft.optimizer = Line((call(otype, args, self.lets),), ospan)
        self.param_rules(ow, opt, constructor)

    def wrapper_options(self, ow: Node) -> None:
        clip = ow.get("clip_grad")
        if clip is not None:
            cspan = self.span(ow, "clip_grad")
            if not isinstance(clip, Node):
                if self.need(clip, cspan, "`clip_grad`"):
                    self.error("E617", "`clip_grad` must be a dict or None", cspan)
            else:
                kind = clip.get("type", "norm")
                if kind != "norm":
                    self.not_translated(f"`clip_grad` of type {kind!r}", cspan,
                                        notes=["sspec clips the gradients' norm only"])
                elif "max_norm" not in clip:
                    self.error("E617", "`clip_grad` needs `max_norm`", cspan)
                else:
                    value = clip["max_norm"]
                    if self.need(value, self.span(clip, "max_norm"), "`max_norm`"):
                        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                                or value <= 0:
                            self.error("E617", f"`max_norm` must be a positive number, got "
                                       f"{value!r}", self.span(clip, "max_norm"))
                        else:
                            self.draft.train.append(Line(
                                ("clip_grad_norm", Raw(_spell_any(value, clip.meta("max_norm")))),
                                self.span(clip, "max_norm")))
                    norm_type = clip.get("norm_type", 2)
                    if norm_type not in (2, 2.0):
                        self.not_translated(f"`norm_type={norm_type!r}` of `clip_grad`",
                                            self.span(clip, "norm_type"),
                                            notes=["sspec clips the L2 norm"])
                    for key in clip:
                        if key not in ("type", "max_norm", "norm_type"):
                            self.not_translated(f"`{key}` of `clip_grad`", self.span(clip, key))
        acc = ow.get("accumulative_counts", 1)
        if acc != 1:
            aspan = self.span(ow, "accumulative_counts")
            if self.need(acc, aspan, "`accumulative_counts`"):
                if isinstance(acc, bool) or not isinstance(acc, int) or acc < 1:
                    self.error("E617", f"`accumulative_counts` must be a positive integer, got "
                               f"{acc!r}", aspan)
                else:
                    self.draft.train.append(Line(("accumulate", str(acc)), aspan))
        for key in ow:
            if key not in WRAPPER_KEYS and key not in ("num_layers",):
                self.not_translated(f"optimizer-wrapper option `{key}`", self.span(ow, key))

    # -------------------------------------------------------------- parameter groups
    def param_rules(self, ow: Node, opt: Node, constructor: Any) -> None:
        pw = ow.get("paramwise_cfg")
        pspan = self.span(ow, "paramwise_cfg")
        if pw is None:
            pw = Node(span=pspan)
        if not isinstance(pw, Node):
            if self.need(pw, pspan, "`paramwise_cfg`"):
                self.error("E616", "`paramwise_cfg` must be a dict", pspan)
            return
        custom = pw.get("custom_keys", Node())
        if not isinstance(custom, Node):
            if self.need(custom, self.span(pw, "custom_keys"), "`custom_keys`"):
                self.error("E616", "`custom_keys` must be a dict", self.span(pw, "custom_keys"))
            return
        if not self.need(pw, pspan, "`paramwise_cfg`"):
            return
        bad = [k for k in custom if not isinstance(k, str)]
        if bad:
            self.error("E616", f"custom key {bad[0]!r} is not a string",
                       self.span(custom, bad[0]),
                       notes=["MMEngine matches custom keys as substrings of parameter names"])
            return
        base_wd = opt.get("weight_decay")
        base_lr = opt.get("lr")

        if constructor == LAYER_DECAY_CONSTRUCTOR:
            self.layer_decay(ow, opt, pw, custom)
            return
        if constructor != DEFAULT_CONSTRUCTOR:
            self.error("E611", f"optimizer constructor `{constructor}` has no sspec counterpart",
                       self.span(ow, "constructor"),
                       help=f"sspec has `{DEFAULT_CONSTRUCTOR}`'s rules and "
                            f"`{LAYER_DECAY_CONSTRUCTOR}` (layer_decay)")
            return
        mults = ("bias_lr_mult", "bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult",
                 "flat_decay_mult")
        for key in ("bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult"):
            if key in pw and base_wd is None:
                self.error("E616", f"`{key}` needs the optimizer's `weight_decay`",
                           self.span(pw, key),
                           notes=["MMEngine: \"base_wd should not be None\""])
        for key in pw:
            if key not in mults and key != "custom_keys":
                self.not_translated(f"`paramwise_cfg.{key}`", self.span(pw, key))
        rules: list[tuple[list[str], dict, Span]] = []
        if "flat_decay_mult" in pw:
            rules.append((["flat"], {"decay_mult": pw["flat_decay_mult"]},
                          self.span(pw, "flat_decay_mult")))
        if "dwconv_decay_mult" in pw:
            rules.append((["dwconv"], {"decay_mult": pw["dwconv_decay_mult"]},
                          self.span(pw, "dwconv_decay_mult")))
        bias = {}
        if "bias_lr_mult" in pw:
            bias["lr_mult"] = pw["bias_lr_mult"]
        if "bias_decay_mult" in pw:
            bias["decay_mult"] = pw["bias_decay_mult"]
        if bias:
            key = "bias_lr_mult" if "bias_lr_mult" in pw else "bias_decay_mult"
            rules.append((["bias"], bias, self.span(pw, key)))
        norm = {}
        if "bias_lr_mult" in pw:
            norm["lr_mult"] = 1   # bias_lr_mult leaves the biases of norm layers alone
        if "norm_decay_mult" in pw:
            norm["decay_mult"] = pw["norm_decay_mult"]
        if norm:
            key = "norm_decay_mult" if "norm_decay_mult" in pw else "bias_lr_mult"
            rules.append((["norm"], norm, self.span(pw, key)))
        # A custom key overrides every other rule for the parameters it matches; the
        # longest key wins, then the alphabetically first. Later sspec rules win, so
        # the keys go in reverse order of precedence.
        order = sorted(sorted(custom), key=len, reverse=True)[::-1]
        for key in order:
            settings = self.custom_settings(custom, key, base_lr, base_wd)
            if settings is not None:
                rules.append(([_glob(key)], settings, self.span(custom, key)))
        self.emit_rules(rules, opt, whole_override=True)

    def custom_settings(self, custom: Node, key: Any, base_lr, base_wd,
                        decay_only: bool = False) -> dict | None:
        span = self.span(custom, key)
        value = custom[key]
        if not isinstance(key, str):
            self.error("E616", f"custom key {key!r} must be a string", span)
            return None
        if not isinstance(value, Node):
            if self.need(value, span, f"custom key `{key}`"):
                self.error("E616", f"custom key `{key}` must map to a dict", span)
            return None
        out = {}
        for k, v in value.items():
            kspan = self.span(value, k)
            if k == "decay_mult" and base_wd is None:
                self.error("E616", f"`decay_mult` of custom key `{key}` needs the optimizer's "
                           "`weight_decay`", kspan,
                           notes=["MMEngine: \"base_wd should not be None\""])
                continue
            if k == "lr_mult" and base_lr is None:
                self.error("E616", f"`lr_mult` of custom key `{key}` needs the optimizer's `lr`",
                           kspan)
                continue
            if decay_only and k != "decay_mult":
                self.not_translated(f"`{k}` of custom key `{key}`", kspan,
                                    notes=["the layer-decay constructor reads only `decay_mult` "
                                           "from custom keys"])
                continue
            name = {"fix_lr": "fixed_lr"}.get(k, k)
            if not self.rule_key_ok(name):
                self.not_translated(f"`{k}` of custom key `{key}`", kspan,
                                    help="a `params` rule takes lr_mult, decay_mult, lr, "
                                         "weight_decay, fixed_lr, lars_exclude and the "
                                         "optimizer's own keys")
                continue
            out[name] = v
        return out

    def rule_key_ok(self, key: str) -> bool:
        from ..compiler.checks.optimizer import RULE_PROPERTIES

        comp = lookup(self.optimizer_type) if self.optimizer_type else None
        return key in RULE_PROPERTIES or (comp is not None and key in comp.properties)

    def emit_rules(self, rules: list[tuple[list[str], dict, Span]], opt: Node,
                   whole_override: bool) -> None:
        """Write rules in order, so that a later rule wins as in MMEngine. With
        `whole_override`, a rule resets what an earlier one set and it does not
        (MMEngine gives a matched custom key the whole group)."""
        seen: list[str] = []
        filled = []
        for index, (selectors, settings, span) in enumerate(rules):
            settings = dict(settings)
            if whole_override and not selectors[0].isidentifier():
                for key in seen:
                    if key not in settings:
                        default = self.rule_default(key, opt)
                        if default is not None:
                            settings[key] = default
            for key in settings:
                if key not in seen:
                    seen.append(key)
            filled.append((selectors, settings, span))
        # Merge neighbours with equal settings into one `params` line.
        merged: list[tuple[list[str], dict, Span]] = []
        for selectors, settings, span in filled:
            if not settings:
                continue
            if merged and merged[-1][1] == settings and _same_types(merged[-1][1], settings):
                merged[-1] = (merged[-1][0] + selectors, settings, merged[-1][2])
            else:
                merged.append((selectors, settings, span))
        for selectors, settings, span in merged:
            if not all(self.need(v, span, f"`{k}`") for k, v in settings.items()):
                continue
            sel = ", ".join(selectors)
            body = " ".join(f"{k} = {_spell_any(v)}" for k, v in settings.items())
            self.draft.rules.append(Line((f"params {sel}", "{ " + body + " }"), span))

    def rule_default(self, key: str, opt: Node) -> Any:
        if key in ("lr_mult", "decay_mult"):
            return 1
        if key in ("fixed_lr", "lars_exclude"):
            return False
        if key in opt:
            return opt[key]
        comp = lookup(self.optimizer_type) if self.optimizer_type else None
        if comp is not None and "default" in comp.properties.get(key, {}):
            return comp.properties[key]["default"]
        return None

    def layer_decay(self, ow: Node, opt: Node, pw: Node, custom: Node) -> None:
        # MMSelfSup 1.x puts `layer_decay_rate` and `model_type` in the optimizer;
        # MMPretrain puts `layer_decay_rate` in paramwise_cfg.
        selfsup = "model_type" in opt or "layer_decay_rate" in opt
        holder = opt if "layer_decay_rate" in opt else pw
        rate = holder.get("layer_decay_rate", 1.0)
        rspan = self.span(holder, "layer_decay_rate") if "layer_decay_rate" in holder \
            else self.span(ow, "constructor")
        if not self.need(rate, rspan, "`layer_decay_rate`"):
            return
        if selfsup:
            model_type = opt.get("model_type")
            if model_type is None:
                self.error("E617", "MMSelfSup's layer-decay constructor needs `model_type` in the "
                           "optimizer", self.span(ow, "constructor"),
                           notes=["MMSelfSup asserts \"model_type should not be None\""])
                return
            if model_type != "vit":
                self.error("E611", f"layer-wise lr decay for `model_type={model_type!r}` has no "
                           "sspec counterpart", self.span(opt, "model_type"),
                           help="sspec's layer_decay maps ViT block names (`layers.i`) to layers")
                return
        model = self.cfg.get("model")
        backbone = model.get("backbone") if isinstance(model, Node) else None
        backbone_type = _type_name(backbone)
        if not selfsup and backbone_type not in VIT_BACKBONES:
            self.error("E611", "layer-wise lr decay for a "
                       + (f"`{backbone_type}` backbone" if backbone_type else "model without a "
                          "known backbone") + " has no sspec counterpart",
                       self.span(ow, "constructor"),
                       notes=["MMPretrain asks the backbone for each parameter's layer "
                              "(`get_layer_depth`); sspec's layer_decay maps ViT block names "
                              "(`layers.i`) to layers"])
            return
        layers, lspan = None, None
        for holder_ in (pw, ow):
            if "num_layers" in holder_:
                layers, lspan = holder_["num_layers"], self.span(holder_, "num_layers")
        if layers is None:
            arch = arch_of(backbone)
            if arch is None:
                self.error("E613", "the number of transformer blocks for layer-wise lr decay is "
                           "unknown", self.span(ow, "constructor"),
                           notes=["MMEngine counts the model's blocks at run time"],
                           help="give `num_layers=N` in `paramwise_cfg`")
                return
            layers = arch[1]
            self.warn("W607", f"layer-wise lr decay over {layers} blocks, the depth of the "
                      f"backbone's arch {backbone.get('arch', 'base')!r}",
                      self.span(backbone, "arch") if "arch" in backbone else self.top("model"),
                      notes=["MMEngine counts the blocks of the built model"])
        elif not self.need(layers, lspan, "`num_layers`"):
            return
        rate_meta = holder.meta("layer_decay_rate") if "layer_decay_rate" in holder else None
        self.draft.layer_decay = Line(
            (f"layer_decay(rate = {_spell_any(rate, rate_meta)}, layers = {layers})",), rspan)
        base_wd = opt.get("weight_decay")
        rules = []
        if selfsup:
            for key in pw:
                if key != "custom_keys":
                    self.not_translated(f"`paramwise_cfg.{key}`", self.span(pw, key),
                                        notes=["MMSelfSup's layer-decay constructor reads only "
                                               "`custom_keys`"])
            # MMSelfSup applies every matching key in turn, longest first: the last wins.
            order = sorted(sorted(custom), key=len, reverse=True)
        else:
            for key in pw:
                if key not in ("custom_keys", "layer_decay_rate", "num_layers", "norm_decay_mult",
                               "bias_decay_mult", "flat_decay_mult"):
                    self.not_translated(f"`paramwise_cfg.{key}`", self.span(pw, key),
                                        notes=["MMPretrain's layer-decay constructor does not "
                                               "read it"])
            if "flat_decay_mult" in pw:
                rules.append((["flat"], {"decay_mult": pw["flat_decay_mult"]},
                              self.span(pw, "flat_decay_mult")))
            if "bias_decay_mult" in pw:
                rules.append((["bias"], {"decay_mult": pw["bias_decay_mult"]},
                              self.span(pw, "bias_decay_mult")))
            if "norm_decay_mult" in pw:
                rules.append((["norm"], {"decay_mult": pw["norm_decay_mult"]},
                              self.span(pw, "norm_decay_mult")))
            order = sorted(sorted(custom), key=len, reverse=True)[::-1]
        for key in order:
            settings = self.custom_settings(custom, key, opt.get("lr"), base_wd, decay_only=True)
            if settings is not None:
                rules.append(([_glob(key)], settings, self.span(custom, key)))
        self.emit_rules(rules, opt, whole_override=not selfsup)

    # -------------------------------------------------------------- schedules
    def schedules(self) -> None:
        ps = self.cfg.get("param_scheduler")
        if ps is None:
            return
        pspan = self.top("param_scheduler")
        if isinstance(ps, Node) and "type" not in ps:
            if any(isinstance(v, (Node, list)) for v in ps.values()):
                self.error("E614", "`param_scheduler` has schedulers for several optimizers",
                           pspan, help="a recipe has one optimizer")
            else:
                self.error("E612", "the scheduler has no `type`", pspan)
            return
        if isinstance(ps, Node):
            items = [(ps, pspan)]
        elif isinstance(ps, (list, tuple)):
            items = [(s, ps.meta(i).span if hasattr(ps, "meta") else pspan)
                     for i, s in enumerate(ps)]
        else:
            if self.need(ps, pspan, "`param_scheduler`"):
                self.error("E612", "`param_scheduler` must be a dict or a list of dicts", pspan)
            return
        by_target: dict[str, list[Phase]] = {}
        for order, (sched, span) in enumerate(items):
            span = span or pspan
            if not isinstance(sched, Node):
                if self.need(sched, span, "a scheduler"):
                    self.error("E612", "a scheduler must be a dict", span)
                continue
            phase = self.phase(sched, span, order)
            if phase is not None:
                target, ph = phase
                by_target.setdefault(target, []).append(ph)
        for target, phases in by_target.items():
            self.draft.schedules.append((target, _stack(phases, self.ipe)))

    def phase(self, s: Node, span: Span, order: int) -> tuple[str, Phase] | None:
        stype = strip_scope(s.get("type"))
        tspan = self.span(s, "type") if "type" in s else span
        if not isinstance(stype, str):
            if stype is None:
                self.error("E612", "the scheduler has no `type`", span)
            else:
                self.need(stype, tspan, "the scheduler type")
            return None
        comp = lookup(stype)
        if comp is None or comp.kind != "scheduler":
            hint = suggest(stype, names("scheduler"))
            self.error("E611", f"unknown scheduler `{stype}`", tspan,
                       notes=["MMEngine's PARAM_SCHEDULERS registry has no such type"],
                       help=f"did you mean `{hint}`?" if hint else None)
            return None
        for key in ("begin", "end", "by_epoch", "convert_to_iter_based", "param_name"):
            if key in s and not self.need(s[key], self.span(s, key), f"`{key}`"):
                return None
        by_epoch = bool(s.get("by_epoch", True))
        convert = bool(s.get("convert_to_iter_based", False))
        if convert and not by_epoch:
            self.error("E612", "`convert_to_iter_based=True` needs `by_epoch=True`",
                       self.span(s, "convert_to_iter_based"),
                       notes=["MMEngine: \"Only epoch-based parameter scheduler can be converted "
                              "to iter-based\""])
            return None
        # the target
        if comp.param is None:
            target = s.get("param_name")
            if not isinstance(target, str):
                self.error("E612", f"`{stype}` needs `param_name`", tspan,
                           help="name the optimizer parameter it schedules, e.g. "
                                "param_name='weight_decay'")
                return None
        else:
            if "param_name" in s:
                self.error("E612", f"`{stype}` takes no `param_name`", self.span(s, "param_name"),
                           help=f"it schedules `{comp.param}`; use `{_generic(stype)}` for "
                                "another parameter")
                return None
            target = comp.param
        unit = "ep" if by_epoch else "it"
        per = "iter" if (convert or not by_epoch) else "epoch"
        # bounds, with MMEngine's defaults
        begin = s.get("begin", 0)
        end_default = "end" not in s
        if end_default:
            if by_epoch and not self.epoch_loop:
                end = 1    # IterBasedTrainLoop says max_epochs = 1, the runner's default end
                end_default = False
            else:
                end = self.length if (by_epoch or not self.epoch_loop) else None
        else:
            end = s["end"]
        for key, value in (("begin", begin), ("end", end)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or (isinstance(value, float) and not math.isfinite(value))):
                self.error("E612", f"scheduler `{key}` must be a number, got {value!r}",
                           self.span(s, key))
                return None
        if begin < 0:
            self.error("E612", f"scheduler `begin` is negative ({begin})", self.span(s, "begin"))
            return None
        train_end = self.train_end(unit)
        end_value = train_end if end is None else end
        if end_value <= begin:
            self.error("E612", f"scheduler `{stype}` has begin={_num(begin)} >= "
                       f"end={_num(end_value)}",
                       self.span(s, "end") if "end" in s else self.span(s, "begin"),
                       notes=["MMEngine: \"end should be larger than begin\""])
            return None
        args = []
        step_args = {k for k, p in comp.properties.items() if p.get("x-steps")}
        for key, value in s.items():
            if key in SCHEDULER_KEYS or key == "verbose":
                continue
            kspan = self.span(s, key)
            if key == "last_step":
                self.not_translated("`last_step`", kspan, notes=["sspec resumes from checkpoints"])
                continue
            if key not in comp.properties:
                hint = suggest(key, list(comp.properties))
                self.error("E612", f"`{stype}` takes no argument `{key}`", kspan,
                           help=f"did you mean `{hint}`?" if hint else
                           "it takes " + ", ".join(f"`{k}`" for k in comp.properties))
                continue
            if value is None and "null" not in str(comp.properties[key]):
                continue   # MMEngine's "not given"
            if not self.need(value, kspan, f"`{key}`"):
                continue
            if key in step_args and per == "iter" and unit == "ep":
                value = _in_epochs(value)
            if not self.fits(comp, key, value, kspan):
                continue
            args.append((key, value, s.meta(key)))
        # past the end of training
        if train_end is not None and begin >= train_end:
            self.warn("W605", f"`{stype}` begins at {_num(begin)}{unit}, after training ends "
                      f"({_num(train_end)}{unit}): it is left out", span,
                      notes=["MMEngine never reaches it"])
            return None
        end_text = "end" if end_default else None
        if train_end is not None and end_value > train_end:
            period = {"CosineAnnealing": "T_max", "OneCycle": "total_steps"}.get(_family(stype))
            if _family(stype) in ("Linear", "Poly", "Constant"):
                self.error("E615", f"`{stype}` ends at {_num(end_value)}{unit}, after training "
                           f"ends ({_num(train_end)}{unit})", self.span(s, "end"),
                           notes=["its values depend on its end, so it cannot be cut at the end "
                                  "of training"],
                           help="set `end` to the end of training in the config if that is "
                                "what is meant")
                return None
            if period and not any(k == period for k, _, _ in args):
                length = end_value - begin
                value = Dur(length, "ep") if (per == "iter" and unit == "ep") else length
                args.append((period, value, None))
            self.warn("W605", f"`{stype}` ends at {_num(end_value)}{unit}, after training ends "
                      f"({_num(train_end)}{unit}): the phase is cut at `end`",
                      self.span(s, "end"),
                      notes=["MMEngine never reaches the scheduler's end; its values up to the "
                             "end of training are unchanged"])
            end_value, end_text = train_end, "end"
        begin_it = begin * self.ipe if unit == "ep" else begin
        end_it = end_value * self.ipe if unit == "ep" else end_value
        interval = f"[{_num(begin)}{unit}, {end_text or _num(end_value) + unit})"
        phase = Phase(interval, call(stype, args, self.lets), f"per {per}", span, order,
                      begin_it, end_it, unit, begin, end_value)
        return target, phase

    def train_end(self, unit: str) -> float | None:
        if self.epoch_loop:
            return self.length if unit == "ep" else self.length * self.ipe
        return self.length if unit == "it" else self.length / self.ipe

    # -------------------------------------------------------------- hooks
    def hooks(self) -> None:
        cfg = self.cfg
        final: dict[str, tuple[Any, Span]] = {name: (Node(h), self.root_span)
                                              for name, h in RUNNER_DEFAULT_HOOKS}
        dh = cfg.get("default_hooks")
        dspan = self.top("default_hooks")
        if dh is not None:
            if not isinstance(dh, Node):
                if self.need(dh, dspan, "`default_hooks`"):
                    self.error("E617", "`default_hooks` must be a dict", dspan)
                dh = Node()
            for name, hook in dh.items():
                if hook is None:
                    if name in final:
                        del final[name]
                        if name == "param_scheduler":
                            self.not_translated("removing the ParamSchedulerHook",
                                                self.span(dh, name),
                                                notes=["sspec always steps the schedules"])
                    continue
                final[name] = (hook, self.span(dh, name))
        # A hook the runner adds by itself (span: the whole file) is translated
        # silently: what MMEngine does by default is not worth a warning.
        entries = [(h, span, span is self.root_span) for h, span in final.values()]
        ch = cfg.get("custom_hooks")
        if ch is not None:
            cspan = self.top("custom_hooks")
            if isinstance(ch, (list, tuple)):
                entries += [(h, ch.meta(i).span if hasattr(ch, "meta") else cspan, False)
                            for i, h in enumerate(ch)]
            elif self.need(ch, cspan, "`custom_hooks`"):
                self.error("E617", "`custom_hooks` must be a list of dicts", cspan)
        for hook, span, implicit in entries:
            self.hook(hook, span or dspan, implicit)

    def hook(self, h: Any, span: Span, implicit: bool = False) -> None:
        if not isinstance(h, Node):
            if self.need(h, span, "a hook"):
                self.error("E617", "a hook must be a dict", span)
            return
        htype = strip_scope(h.get("type"))
        if not isinstance(htype, str):
            if htype is None:
                self.error("E617", "the hook has no `type`", span)
            else:
                self.need(htype, span, "the hook type")
            return
        if htype in LOOP_HOOKS:
            return   # sspec's loop does their work
        if h.get("enable", True) is False:
            return   # a hook switched off (MMPretrain's VisualizationHook) does nothing
        comp = lookup(htype)
        if comp is None or comp.kind != "hook":
            self.not_translated(f"hook `{htype}`", self.span(h, "type"),
                                notes=["sspec has no such hook"])
            return
        prio = h.get("priority", comp.priority)
        pspan = self.span(h, "priority") if "priority" in h else span
        if not self.need(prio, pspan, "`priority`"):
            return
        if isinstance(prio, str):
            if prio.upper() not in PRIORITIES:
                hint = suggest(prio, PRIORITIES)
                self.error("E617", f"unknown hook priority {prio!r}", pspan,
                           help=f"did you mean `{hint}`?" if hint else None)
                return
            prio_text = prio.upper()
        elif isinstance(prio, int) and not isinstance(prio, bool) and 0 <= prio <= 100:
            named = [n for n, v in PRIORITIES.items() if v == prio]
            prio_text = named[0] if named else str(prio)
        else:
            self.error("E617", f"hook priority {prio!r} is not a name or an integer in 0..100",
                       pspan)
            return
        args = self.hook_args(htype, comp, h, implicit)
        if args is None:
            return
        self.draft.hooks.append(Line((call(htype, args, self.lets), f"priority {prio_text}"),
                                     self.span(h, "type") if "type" in h else span))

    def hook_args(self, htype: str, comp: Component, h: Node, implicit: bool = False
                  ) -> list | None:
        args = []
        defaults = HOOK_DEFAULTS.get(htype, {})
        if htype == "LoggerHook":
            interval = h.get("interval", 10)
            if not self.need(interval, self.span(h, "interval"), "`interval`"):
                return None
            args.append(("interval", Dur(interval, "it"), None))
            skip = {"interval"}
        elif htype == "CheckpointHook":
            interval = h.get("interval", -1)
            by_epoch = h.get("by_epoch", True)
            ispan = self.span(h, "interval") if "interval" in h else self.span(h, "type")
            if not (self.need(interval, ispan, "`interval`")
                    and self.need(by_epoch, self.span(h, "by_epoch"), "`by_epoch`")):
                return None
            unit = "ep" if by_epoch else "it"
            off = isinstance(interval, (int, float)) and not isinstance(interval, bool) \
                and interval <= 0
            if off or (by_epoch and not self.epoch_loop):
                what = f"`interval={interval}` (no periodic checkpoints)" if off else \
                    "`by_epoch=True` in an iteration-based run (epochs never end there)"
                if not implicit:
                    self.not_translated(what, ispan,
                                        notes=["MMEngine saves no periodic checkpoint; written as "
                                               "one interval spanning training, which saves what "
                                               "`save_last` saves"])
                interval, unit = self.length, ("ep" if self.epoch_loop else "it")
            args.append(("interval", Dur(interval, unit), h.meta("interval")))
            keep = h.get("max_keep_ckpts", -1)
            if not self.need(keep, self.span(h, "max_keep_ckpts"), "`max_keep_ckpts`"):
                return None
            if isinstance(keep, int) and keep > 0:
                args.append(("keep", keep, None))
            skip = {"interval", "by_epoch", "max_keep_ckpts"}
        else:
            skip = set()
        for key, value in h.items():
            if key in ("type", "priority", "_scope_") or key in skip:
                continue
            kspan = self.span(h, key)
            if key in comp.properties:
                if self.need(value, kspan, f"`{key}`") and self.fits(comp, key, value, kspan):
                    args.append((key, value, h.meta(key)))
            elif key in defaults and _equal(defaults[key], value):
                continue
            else:
                self.not_translated(f"argument `{key}` of `{htype}`", kspan,
                                    help=f"`{htype}` takes " + (", ".join(
                                        f"`{k}`" for k in comp.properties) or "no arguments"))
        return args

    # -------------------------------------------------------------- the rest
    def leftovers(self) -> None:
        cfg = self.cfg
        rnd = cfg.get("randomness")
        if isinstance(rnd, Node):
            seed = rnd.get("seed")
            if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
                self.draft.train.append(Line(("seed", str(seed)), self.span(rnd, "seed")))
            elif seed is not None:
                self.need(seed, self.span(rnd, "seed"), "`randomness.seed`")
            if rnd.get("deterministic"):
                self.not_translated("`randomness.deterministic`", self.span(rnd, "deterministic"))
        val = [k for k in ("val_cfg", "val_dataloader", "val_evaluator") if cfg.get(k) is not None]
        if len(val) == 3:
            self.not_translated("the validation loop (val_cfg, val_dataloader, val_evaluator)",
                                self.top("val_cfg"),
                                notes=["sspec's recipes train; evaluate the checkpoints "
                                       "separately"])
        scale = cfg.get("auto_scale_lr")
        base = scale.get("base_batch_size") if isinstance(scale, Node) else None
        if (isinstance(scale, Node) and scale.get("enable") is True and isinstance(base, int)
                and not isinstance(base, bool) and base >= 1):
            self.draft.train.append(Line(("scale_lr_from", str(base)),
                                         self.span(scale, "base_batch_size"),
                                         comment="auto_scale_lr: every lr x global batch / this"))
        elif isinstance(scale, Node) and scale.get("enable"):
            self.not_translated("`auto_scale_lr`", self.top("auto_scale_lr"),
                                notes=["MMEngine rescales the lr by the real batch size over "
                                       f"base_batch_size={scale.get('base_batch_size')!r}"],
                                help="scale the optimizer's lr in the recipe by hand")
        if cfg.get("load_from") is not None:
            self.not_translated("`load_from` (initial weights)", self.top("load_from"))
        for key in ("custom_imports", "model_wrapper_cfg", "strategy"):
            if cfg.get(key) is not None:
                self.not_translated(f"`{key}`", self.top(key))
        if cfg.get("compile"):
            self.not_translated("`compile`", self.top("compile"))


# ------------------------------------------------------------------ helpers

def _type_name(node: Any) -> str | None:
    """A component dict's `type` without its scope, when it is a name."""
    if isinstance(node, Node):
        name = strip_scope(node.get("type"))
        return name if isinstance(name, str) else None
    return None


def _where(span: Span | None) -> str:
    if span is None:
        return "an unknown line"
    return f"{os.path.basename(span.file)}:{span.line}"


def _find_key(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        if key in node and not isinstance(node[key], (dict, list)):
            return node[key]
        for v in node.values():
            found = _find_key(v, key)
            if found is not None:
                return found
    elif isinstance(node, (list, tuple)):
        for v in node:
            found = _find_key(v, key)
            if found is not None:
                return found
    return None


def _vit_name(backbone: Any) -> str:
    arch = backbone.get("arch", "base") if isinstance(backbone, dict) else "base"
    patch = backbone.get("patch_size", 16) if isinstance(backbone, dict) else 16
    return f"ViT-{arch if isinstance(arch, str) else 'custom'}/{patch}"


def _glob(key: str) -> str:
    """MMEngine matches a custom key anywhere in the parameter's name."""
    escaped = re.sub(r"([*?\[])", r"[\1]", key)
    return '"*' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '*"'


def _in_epochs(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_in_epochs(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Dur(value, "ep")
    return value


def _num(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _family(stype: str) -> str:
    for suffix in ("LR", "Momentum", "ParamScheduler", "WeightDecay"):
        if stype.endswith(suffix):
            return stype[: -len(suffix)]
    return stype


def _generic(stype: str) -> str:
    return _family(stype) + "ParamScheduler"


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b and type(a) is type(b) or (a is None and b is None)


def _same_types(a: dict, b: dict) -> bool:
    return all(type(a[k]) is type(b[k]) for k in a)


def _spell_any(value: Any, meta: Meta | None = None) -> str:
    return spell(value, meta)


def _stack(phases: list[Phase], ipe: int) -> list[Phase | list[Phase]]:
    """Group phases that overlap (MMEngine chains them) into `stack` units;
    units are sorted by begin, a stack keeps the config's order."""
    n = len(phases)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            a, b = phases[i], phases[j]
            overlap = a.begin_it < b.end_it and b.begin_it < a.end_it
            if not overlap and a.unit != b.unit:
                # Which comes first may depend on the real epoch length: stack them
                # unless the iteration phase ends before the epoch phase for any length.
                it, ep = (a, b) if a.unit == "it" else (b, a)
                overlap = not (it.end <= ep.begin)
            if overlap:
                parent[find(i)] = find(j)
    groups: dict[int, list[Phase]] = {}
    for i, p in enumerate(phases):
        groups.setdefault(find(i), []).append(p)
    units: list[Phase | list[Phase]] = []
    for members in groups.values():
        members.sort(key=lambda p: p.order)
        units.append(members[0] if len(members) == 1 else members)
    key = lambda u: (min(p.begin_it for p in u), min(p.order for p in u)) if isinstance(u, list) \
        else (u.begin_it, u.order)
    units.sort(key=key)
    return units
