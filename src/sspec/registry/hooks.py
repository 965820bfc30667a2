"""Hooks: MMEngine's training hooks and MMSelfSup 1.x's self-supervised hooks.

`points` are the hook points each MMEngine/MMSelfSup class implements, named
as in HOOK_POINTS; test-loop points map onto their validation twins, and
per-iteration validation points (which sspec does not have) are left out.
`priority` is the class attribute (the base class's NORMAL where the class
sets none).
"""

from __future__ import annotations

from . import Component
from .schema import (
    UNSET,
    array,
    boolean,
    choice,
    duration,
    forbid,
    given,
    integer,
    make_duration,
    mapping,
    number,
    obj,
    when,
)


def hook(
    name: str,
    doc: str,
    impl_module: str,
    schema: dict,
    points: tuple[str, ...],
    priority: str = "NORMAL",
    writes: tuple[str, ...] = (),
    requires: tuple[str, ...] = (),
) -> Component:
    return Component(
        name=name,
        kind="hook",
        schema=schema,
        doc=doc,
        impl=f"sspec.runtime.hooks.{impl_module}:{name}",
        points=points,
        priority=priority,
        writes=writes,
        requires=requires,
    )


def interval(desc: str = "run every this many epochs", default: int = 1) -> dict:
    return integer(desc, default, minimum=1)


def reweight_pow(default=UNSET) -> dict:
    return number("power of the inverse class-size weights used for loss re-weighting", default, minimum=0)


# ---------------------------------------------------------------- MMEngine

PARAM_SCHEDULER = hook(
    "ParamSchedulerHook",
    "Steps the schedules: per-iteration phases after each iteration, per-epoch "
    "phases after each epoch, ReduceOnPlateau phases after validation.",
    "schedule",
    obj({}),
    ("after_train_iter", "after_train_epoch", "after_val_epoch"),
    "LOW",
)

CHECKPOINT = hook(
    "CheckpointHook",
    "Saves checkpoints every `interval` (MMEngine's `interval` plus `by_epoch`, "
    "spelled as one duration) and keeps the newest `keep`.",
    "checkpoint",
    obj(
        dict(
            interval=duration(
                "how often to save: `1ep` saves after every epoch, `500it` every 500 iterations",
                make_duration(1, "ep"),
            ),
            keep=integer(
                "how many of the newest periodic checkpoints to keep; -1 keeps them all (MMEngine's max_keep_ckpts)",
                -1,
                minimum=-1,
            ),
            save_last=boolean("also save at the end of training, whatever the interval", True),
            save_optimizer=boolean("store the optimizer state in the checkpoint", True),
        ),
        (),
        forbid("keep", 0, "`keep = 0` would keep nothing; use -1 to keep every checkpoint"),
    ),
    ("before_train", "after_train_iter", "after_train_epoch", "after_val_epoch", "after_train"),
    "VERY_LOW",
)

LOGGER = hook(
    "LoggerHook",
    "Logs training losses, learning rates and validation metrics.",
    "logger",
    obj(
        dict(
            interval=duration("log every this many iterations", make_duration(10, "it"), units=["it"]),
            ignore_last=boolean(
                "skip the last iterations of an epoch when fewer than `interval` remain", True
            ),
        )
    ),
    ("before_run", "after_train_iter", "after_val_epoch", "after_run"),
    "BELOW_NORMAL",
)

EMA_TYPES = ("ExponentialMovingAverage", "MomentumAnnealingEMA", "StochasticWeightAverage")

EMA = hook(
    "EMAHook",
    "Keeps an exponential moving average of the model's weights; validation and "
    "checkpoints use the averaged weights.",
    "ema",
    obj(
        dict(
            momentum=number(
                "weight of the new parameters in each update: ema = (1 - momentum) * ema + momentum * param",
                0.0002,
                exclusive_minimum=0,
                exclusive_maximum=1,
            ),
            interval=integer("update the average every this many iterations", 1, minimum=1),
            update_buffers=boolean("average the buffers (e.g. BatchNorm statistics) too", False),
            begin_iter=integer("iteration from which to average; before it the copy follows the model", 0, minimum=0),
            begin_epoch=integer("epoch from which to average (not with begin_iter)", 0, minimum=0),
            strict_load=boolean("require the checkpoint's keys to match the averaged model's exactly", False),
            ema_type=choice("the averaging strategy (MMEngine's averaged-model classes)", EMA_TYPES, EMA_TYPES[0]),
            gamma=number(
                "MomentumAnnealingEMA only: momentum is max(momentum, gamma / (gamma + steps)); 100 when omitted",
                exclusive_minimum=0,
            ),
        ),
        (),
        when(
            {"properties": {"begin_iter": {"exclusiveMinimum": 0}}, "required": ["begin_iter"]},
            {"properties": {"begin_epoch": {"const": 0}}},
            "give `begin_iter` or `begin_epoch`, not both",
        ),
        {
            "dependentSchemas": {
                "gamma": {
                    "properties": {"ema_type": {"const": "MomentumAnnealingEMA"}},
                    "required": ["ema_type"],
                    "x-message": "`gamma` needs `ema_type = \"MomentumAnnealingEMA\"`",
                }
            }
        },
        when(
            given("ema_type", "StochasticWeightAverage"),
            {"not": {"required": ["momentum"]}},
            "StochasticWeightAverage takes no `momentum`",
        ),
    ),
    (
        "before_run",
        "before_train",
        "after_train_iter",
        "before_val_epoch",
        "after_val_epoch",
        "before_save_checkpoint",
        "after_load_checkpoint",
    ),
    "NORMAL",
    ("ema",),
)

# ---------------------------------------------------------------- MMSelfSup 1.x

DENSECL = hook(
    "DenseCLHook",
    "DenseCL's warm-up: keeps the model's loss_lambda at 0 for the first "
    "`start_iters` iterations, then restores it.",
    "selfsup",
    obj(dict(start_iters=integer("iterations (from the start of training) with loss_lambda = 0", 1000, minimum=0))),
    ("before_train", "before_train_iter"),
    writes=("model.loss_lambda",),
    requires=("loss_lambda",),
)

SIMSIAM = hook(
    "SimSiamHook",
    "SimSiam's fixed predictor learning rate: sets the lr of the groups marked "
    "`fixed_lr = true` to `lr`, every epoch or every iteration.",
    "selfsup",
    obj(
        dict(
            fix_pred_lr=boolean("fix the learning rate of the `fixed_lr` groups"),
            lr=number("the fixed learning rate", minimum=0),
            adjust_by_epoch=boolean("reset the fixed lr at each epoch's start; false: before every iteration", True),
        ),
        ["fix_pred_lr", "lr"],
    ),
    ("before_train_epoch", "before_train_iter"),
    writes=("lr:fixed",),
)

SWAV = hook(
    "SwAVHook",
    "SwAV's feature queue (started at epoch `epoch_queue_starts`, saved every "
    "`interval` epochs) and its early freezing of layers such as the prototypes.",
    "swav",
    obj(
        dict(
            batch_size=integer("batch size, to round the queue length down to a multiple of it", minimum=1),
            epoch_queue_starts=integer("epoch from which the queue is used", 15, minimum=0),
            crops_for_assign=array(
                "indices of the crops used to compute the code assignments", integer(minimum=0), (0, 1), min_items=1
            ),
            feat_dim=integer("dimension of the queued features (the model's feat_dim)", 128, minimum=1),
            queue_length=integer("length of the queue; 0 for no queue", 0, minimum=0),
            interval=interval("save the queue every this many epochs"),
            frozen_layers_cfg=mapping(
                "parameter-name substring -> iterations for which those parameters stay frozen",
                integer(minimum=0),
                {},
            ),
        ),
        ["batch_size"],
    ),
    ("before_run", "before_train_epoch", "before_train_iter", "after_train_epoch",
     "before_save_checkpoint", "after_load_checkpoint"),
    writes=("model.queue",),
    requires=("queue",),
)

ODC = hook(
    "ODCHook",
    "ODC's online clustering: updates the centroids, re-assigns small "
    "clusters and re-weights the loss by cluster size.",
    "odc",
    obj(
        dict(
            centroids_update_interval=integer("update the centroids every this many iterations", minimum=1),
            deal_with_small_clusters_interval=integer(
                "re-assign samples of small clusters every this many iterations", minimum=1
            ),
            evaluate_interval=integer("log cluster statistics every this many iterations", minimum=1),
            reweight=boolean(
                "re-weight the loss by inverse cluster size; as in MMSelfSup, ODCHook re-weights "
                "after every iteration whatever this says"
            ),
            reweight_pow=number(
                "kept for MMSelfSup's configs: its ODCHook re-weights with the power 0.5 whatever this says, "
                "and so does sspec's",
                0.5,
                minimum=0,
            ),
            dist_mode=choice("MMSelfSup only implements the distributed mode; must stay true", [True], True),
        ),
        ["centroids_update_interval", "deal_with_small_clusters_interval", "evaluate_interval", "reweight"],
    ),
    ("after_train_iter", "after_train_epoch"),
    writes=("model.memory_bank",),
    requires=("memory_bank", "loss_weight"),
)

DEEPCLUSTER = hook(
    "DeepClusterHook",
    "DeepCluster's re-clustering: extracts features of the training set, runs "
    "k-means, assigns the cluster ids as labels and re-initializes the head. "
    "sspec extracts the features itself (no `extractor` argument) and clusters "
    "with scikit-learn's KMeans, so faiss is not needed.",
    "deepcluster",
    obj(
        dict(
            clustering=obj(
                dict(
                    type=choice(
                        "clustering algorithm: k-means ('Kmeans' is MMSelfSup's spelling)", ["kmeans", "Kmeans"]
                    ),
                    k=integer("number of clusters (the model's num_classes)", minimum=2),
                    pca_dim=integer(
                        "reduce features to this many dimensions by PCA (with whitening) first; -1: no PCA",
                        256,
                        minimum=-1,
                    ),
                ),
                ["type", "k"],
                forbid("pca_dim", 0, "`pca_dim` must be a positive number of dimensions, or -1 for no PCA"),
            )
            | {"description": "the clustering algorithm and its settings, e.g. {type: \"kmeans\", k: 30}"},
            unif_sampling=boolean("sample uniformly over the clusters"),
            reweight=boolean("re-weight the loss by inverse cluster size"),
            reweight_pow=reweight_pow(),
            init_memory=boolean("initialize ODC's memory bank from the features and labels", False),
            initial=boolean("also cluster once before training", True),
            interval=interval("re-cluster every this many epochs"),
            seed=integer("random seed of the clustering and the head's re-initialization; none: the run's seed",
                         None, nullable=True),
        ),
        ["clustering", "unif_sampling", "reweight", "reweight_pow"],
    ),
    ("before_train", "after_train_epoch", "after_load_checkpoint"),
    writes=("data.labels",),
    requires=("assign_labels", "head", "loss_weight"),
)

COMPONENTS: tuple[Component, ...] = (
    PARAM_SCHEDULER,
    CHECKPOINT,
    LOGGER,
    EMA,
    DENSECL,
    SIMSIAM,
    SWAV,
    ODC,
    DEEPCLUSTER,
)
