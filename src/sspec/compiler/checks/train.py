"""The `train` block: its settings, and the time line every other check uses."""

from __future__ import annotations

from ...diagnostics import Span, error, warning
from ...registry import lookup, schema_defaults
from ..context import Context, Timeline
from .arguments import validate

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "epochs": {"type": "integer", "minimum": 1,
                   "description": "length of an epoch-based run"},
        "iters": {"type": "integer", "minimum": 1,
                  "description": "length of an iteration-based run"},
        "iters_per_epoch": {"type": "integer", "minimum": 1,
                            "description": "batches in one epoch; optional when the data "
                                           "component knows its length"},
        "device": {"anyOf": [{"enum": ["auto", "cpu", "cuda"]},
                             {"type": "string", "pattern": "^(cpu|cuda(:[0-9]+)?)$"}],
                   "default": "auto",
                   "description": "`auto` is cuda when available, else cpu"},
        "precision": {"enum": ["fp32", "fp16", "bf16"], "default": "fp32",
                      "description": "fp16 and bf16 use autocast; fp16 adds a gradient scaler"},
        "accumulate": {"type": "integer", "minimum": 1, "default": 1,
                       "description": "batches whose gradients are summed before one "
                                      "optimizer step"},
        "clip_grad_norm": {"anyOf": [{"type": "null"}, {"type": "number", "exclusiveMinimum": 0}],
                           "default": None,
                           "description": "clip the gradients' total norm to this value"},
        "seed": {"type": "integer", "minimum": 0, "default": 0,
                 "description": "seed of every random number generator"},
        "world_size": {"type": "integer", "minimum": 1, "default": 1,
                       "description": "processes training together (`sspec run --nproc` sets it); "
                                      "each takes `batch` samples per iteration"},
        "scale_lr_from": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 1}],
                          "default": None,
                          "description": "the global batch the optimizer's lr is meant for: every "
                                         "lr is scaled by world_size * batch / this (MMEngine's "
                                         "auto_scale_lr with its base_batch_size)"},
    },
}


def check(ctx: Context) -> None:
    recipe = ctx.recipe
    if recipe.train is None:
        ctx.report(error("E111", "the recipe does not say how long to train",
                         Span.whole_file(recipe.file),
                         help="add `train { epochs = N }` or `train { iters = N }`"))
        return
    train = recipe.train
    diagnostics, values = validate(train.settings, SCHEMA, "the train block", train.span,
                                   ctx.let_names)
    ctx.report(*diagnostics)
    ctx.train = {**schema_defaults(SCHEMA), **values}
    _batch_totals(ctx)

    epochs, iters = values.get("epochs"), values.get("iters")
    if epochs is not None and iters is not None:
        ctx.report(error("E111", "the train block gives both `epochs` and `iters`",
                         train.get("iters").name_span,
                         notes=[f"`epochs` is given at line {train.get('epochs').span.line}"],
                         help="keep one: `epochs` for an epoch-based run, `iters` for an "
                              "iteration-based one"))
        return
    if epochs is None and iters is None:
        if not any(a.name in ("epochs", "iters") for a in train.settings):
            ctx.report(error("E111", "the train block does not say how long to train",
                             train.span, help="add `epochs = N` or `iters = N`"))
        return

    ipe = values.get("iters_per_epoch")
    data_ipe = _data_iters_per_epoch(ctx)
    if ipe is None:
        ipe = data_ipe
    elif data_ipe is not None and data_ipe != ipe:
        ctx.report(warning("W114", f"`iters_per_epoch = {ipe}` differs from the data's "
                           f"{data_ipe} batches per epoch", train.get("iters_per_epoch").value_span,
                           notes=["the value in the train block is used"],
                           help="remove `iters_per_epoch` to use the data's length"))
    if epochs is not None:
        if ipe is None and "data" not in recipe.declared:
            return  # the missing data is the error (E113)
        if ipe is None:
            ctx.report(error("E112", "cannot tell how many iterations an epoch has",
                             train.get("epochs").span,
                             help="add `iters_per_epoch = N` to the train block, or use a "
                                  "data component whose length is known"))
            ctx.timeline = Timeline(None, int(epochs), None)
            return
        ctx.timeline = Timeline(int(epochs) * int(ipe), int(epochs), int(ipe))
    else:
        ctx.timeline = Timeline(int(iters), None, int(ipe) if ipe else None)
    ctx.train.update(iters=ctx.timeline.iters, epochs=ctx.timeline.epochs,
                     iters_per_epoch=ctx.timeline.iters_per_epoch)


def _batch_totals(ctx: Context) -> None:
    """`global_batch` (world_size x the data's `batch`, None when unknown) and
    `lr_scale`, the factor MMEngine's `scale_lr` applies to every lr: the
    global batch over `scale_lr_from` (None when not scaling). As in MMEngine,
    gradient accumulation does not count: it is the batch of one step of
    the data loaders, not of the optimizer."""
    world_size = _world_size(ctx)
    batch = _data_batch(ctx)
    ctx.train["global_batch"] = world_size * batch if batch is not None else None
    ctx.train["lr_scale"] = None
    base = ctx.train.get("scale_lr_from")
    if not isinstance(base, int) or base < 1:
        return  # absent, or a bad value the schema check reported
    if batch is None:
        if ctx.recipe.data is not None:
            ctx.report(error("E303", "`scale_lr_from` needs the batch size, and the data "
                             f"`{ctx.recipe.data.name}` gives no `batch` argument",
                             ctx.recipe.train.get("scale_lr_from").span,
                             help="give the data a `batch = N` argument, or remove "
                                  "`scale_lr_from`"))
        return
    ctx.train["lr_scale"] = float(world_size * batch) / float(base)


def _world_size(ctx: Context) -> int:
    """`train.world_size`; 1 for a bad value, which the schema check reported."""
    world_size = ctx.train.get("world_size")
    return world_size if isinstance(world_size, int) and world_size >= 1 else 1


def _data_batch(ctx: Context) -> int | None:
    """The data's `batch` argument (its default for a built-in), the batch of
    one process; None when the data has none or it is not a positive integer."""
    data = ctx.recipe.data
    if data is None:
        return None
    values = data.values()
    comp = None if data.user else lookup(data.name)
    if comp is not None and comp.kind == "data":
        values = comp.with_defaults(values)
    batch = values.get("batch")
    return batch if isinstance(batch, int) and not isinstance(batch, bool) and batch >= 1 else None


def _data_iters_per_epoch(ctx: Context) -> int | None:
    data = ctx.recipe.data
    if data is None or data.user:
        return None
    comp = lookup(data.name)
    if comp is None or comp.iters_per_epoch is None or comp.kind != "data":
        return None
    try:
        return comp.iters_per_epoch(comp.with_defaults(data.values()), world_size=_world_size(ctx))
    except (TypeError, ValueError, ZeroDivisionError, KeyError):
        return None  # bad arguments: the arguments check reports them
