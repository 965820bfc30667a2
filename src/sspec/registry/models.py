"""Models: small supervised networks and self-supervised wrappers.

These are sspec's own CPU-sized models (implemented in sspec.runtime.models).
The self-supervised wrappers follow the MMSelfSup algorithms of the same
names; their defaults fit the 8x8 digits data set (1 channel).
"""

from __future__ import annotations

from . import Component
from .schema import UNSET, array, boolean, choice, integer, number, obj

BACKBONES = ("convnet",)


def dim(desc: str, default=UNSET) -> dict:
    """A size or count: an integer >= 1."""
    return integer(desc, default, minimum=1)


def ratio(desc: str, default: float) -> dict:
    """A fraction strictly between 0 and 1."""
    return number(desc, default, exclusive_minimum=0, exclusive_maximum=1)


def positive(desc: str, default: float) -> dict:
    return number(desc, default, exclusive_minimum=0)


def image(channels: int, img_size: int) -> dict:
    return dict(
        channels=dim("input image channels", channels),
        img_size=dim("input image height and width", img_size),
    )


def transformer(img_size=32, patch=4, dim_=64, depth=4, heads=4, channels=3) -> dict:
    return dict(
        **image(channels, img_size),
        patch=dim("patch height and width; must divide img_size", patch),
        dim=dim("embedding dimension; must be a multiple of heads", dim_),
        depth=dim("number of transformer blocks", depth),
        heads=dim("attention heads per block", heads),
    )


def selfsup(**specific) -> dict:
    """Arguments every self-supervised wrapper takes, then its own."""
    return dict(
        backbone=choice("the backbone network", BACKBONES, BACKBONES[0]),
        width=dim("backbone width (channels of its first stage)", 32),
        **image(1, 8),
        feat_dim=dim("dimension of the projected features", 128),
        **specific,
    )


def model(name: str, impl: str, doc: str, properties: dict, required=(), provides=()) -> Component:
    schema = obj(properties, required)
    return Component(name=name, kind="model", schema=schema, doc=doc, impl=f"sspec.runtime.models.{impl}",
                     provides=tuple(provides))


COMPONENTS: tuple[Component, ...] = (
    model(
        "mlp",
        "mlp:MLP",
        "A multi-layer perceptron classifier on flattened inputs.",
        dict(
            in_dim=dim("input features (64 for flattened 8x8 digits)", 64),
            hidden=dim("width of the hidden layers", 128),
            depth=dim("number of linear layers", 2),
            num_classes=dim("output classes", 10),
        ),
    ),
    model(
        "convnet",
        "convnet:ConvNet",
        "A small convolutional classifier.",
        dict(
            **image(1, 8),
            width=dim("channels of the first convolution", 32),
            num_classes=dim("output classes", 10),
        ),
    ),
    model(
        "vit",
        "vit:ViT",
        "A Vision Transformer classifier.",
        dict(**transformer(), num_classes=dim("output classes", 10)),
    ),
    model(
        "mae_vit",
        "mae:MAEViT",
        "A masked autoencoder (MAE) with a ViT encoder and a light decoder; "
        "the loss is the pixel reconstruction error on masked patches.",
        dict(
            **transformer(),
            decoder_dim=dim("decoder embedding dimension", 64),
            decoder_depth=dim("decoder transformer blocks", 2),
            mask_ratio=ratio("fraction of patches masked", 0.75),
            norm_pix_loss=boolean("normalize each target patch by its own mean and variance", True),
        ),
    ),
    model(
        "simsiam",
        "simsiam:SimSiam",
        "SimSiam: a siamese network with a predictor and stop-gradient.",
        selfsup(pred_dim=dim("hidden dimension of the predictor", 32)),
    ),
    model(
        "densecl",
        "densecl:DenseCL",
        "DenseCL: global and dense contrastive learning with a momentum encoder and a queue.",
        selfsup(
            queue_len=dim("negative keys kept in the queue", 4096),
            momentum=ratio("momentum of the key encoder's moving average", 0.999),
            temperature=positive("softmax temperature of the contrastive loss", 0.2),
            loss_lambda=number("weight of the dense loss (1 - it weighs the global loss)", 0.5, minimum=0, maximum=1),
        ),
        provides=("loss_lambda",),
    ),
    model(
        "swav",
        "swav:SwAV",
        "SwAV: swapped prediction of online cluster assignments (Sinkhorn-Knopp).",
        selfsup(
            num_prototypes=dim("number of prototypes (clusters)", 30),
            temperature=positive("softmax temperature", 0.1),
            epsilon=positive("entropy regularization of the Sinkhorn-Knopp assignment", 0.05),
            sinkhorn_iterations=dim("Sinkhorn-Knopp iterations", 3),
            crops_for_assign=array(
                "indices of the views whose codes the other views predict (SwAVHook's `crops_for_assign`)",
                integer(minimum=0), (0, 1), min_items=1,
            ),
        ),
        provides=("queue",),
    ),
    model(
        "odc",
        "odc:ODC",
        "ODC: online deep clustering with a memory bank of features and labels.",
        selfsup(
            num_classes=dim("number of clusters", 30),
            memory_momentum=ratio(
                "weight of a sample's new feature in its memory-bank entry: (1 - m) * old + m * new", 0.5
            ),
            min_cluster=integer(
                "clusters smaller than this are emptied and refilled by splitting the largest (ODCHook)",
                20,
                minimum=0,
            ),
        ),
        provides=("memory_bank", "loss_weight", "assign_labels", "head", "cluster_features", "num_classes"),
    ),
    model(
        "deepcluster",
        "deepcluster:DeepCluster",
        "DeepCluster: a classifier trained on k-means pseudo-labels (see DeepClusterHook); "
        "the cross-entropy is weighted per cluster by `loss_weight`. No projection, so no `feat_dim`.",
        {k: v for k, v in selfsup(num_classes=dim("number of clusters (k of the clustering)", 30)).items()
         if k != "feat_dim"},
        provides=("assign_labels", "head", "loss_weight"),
    ),
)
