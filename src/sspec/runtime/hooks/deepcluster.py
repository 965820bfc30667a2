"""DeepClusterHook, after MMSelfSup 1.x's (mmselfsup/engine/hooks/deepcluster_hook.py).

A clustering labels every training sample with a cluster id, in this order:

1. features of the unaugmented training split (`data.train_x`), in eval
   mode without gradients: `model.cluster_features(x)` where the model has
   it (ODC's neck output), else `model.features(x)`;
2. k-means (sspec.runtime.clustering.kmeans: PCA-whitened to `pca_dim`,
   rows L2-normalized), seeded from `seed` (none: the run's seed) and the
   iteration it happens at, so each clustering is reproducible;
3. `model.assign_labels(labels)`; the cluster sizes are recorded as
   `cluster_empty`, `cluster_min`, `cluster_max` (in metrics.jsonl, on the
   line of the next iteration);
4. with `unif_sampling`, the following epochs draw samples uniformly over
   the clusters (`data.set_uniform_sampling`);
5. with `reweight`, `model.loss_weight` becomes the normalized inverse
   cluster sizes to the power `reweight_pow`;
6. the head is re-initialized: `reset_parameters()` of each of its modules
   that has one, under a seed derived like k-means' (the training RNG is
   left untouched);
7. with `init_memory` (ODC), `model.memory_bank.init_memory(features, labels)`.

When: before training when `initial` and the run starts afresh (a resumed
run's labels come from its checkpoint: they are the model's `pseudo_labels`
buffer), and after every `interval`-th epoch, the last one included, as
MMEngine's `every_n_epochs`. The data source is not checkpointed, so after a
checkpoint is loaded the uniform sampling is restored from the model's
`pseudo_labels`. The hook must run before CheckpointHook at an epoch's end
(its NORMAL priority does), so an epoch-end checkpoint holds the new labels.

Several processes: every process extracts the same features (the model is
the same everywhere), process 0 clusters, and its labels and its re-initialized
head are broadcast to the others.
"""

from __future__ import annotations

import torch

from .. import dist
from ..clustering import cluster_stats, inverse_size_weights, kmeans
from ..data.source import generator
from ..probe import frozen_features
from .base import Hook, every_n_epochs

EXTRACT_BATCH = 512  # images per forward pass of the feature extraction


class DeepClusterHook(Hook):
    priority = "NORMAL"

    def __init__(self, clustering: dict, unif_sampling: bool, reweight: bool, reweight_pow: float,
                 init_memory: bool = False, initial: bool = True, interval: int = 1,
                 seed: int | None = None):
        kind = str(clustering.get("type", "")).lower()
        if kind != "kmeans":
            raise ValueError(f"DeepClusterHook: unknown clustering `{clustering.get('type')}` (only kmeans)")
        self.k = int(clustering["k"])
        self.pca_dim = int(clustering.get("pca_dim", 256))
        self.unif_sampling = bool(unif_sampling)
        self.reweight = bool(reweight)
        self.reweight_pow = float(reweight_pow)
        self.init_memory = bool(init_memory)
        self.initial = bool(initial)
        self.interval = int(interval)
        self.seed = seed

    # ------------------------------------------------------------ hook points

    def before_train(self, runner) -> None:
        self._check(runner)
        if self.initial and runner.iter == 0:
            self.cluster(runner)

    def after_train_epoch(self, runner) -> None:
        if every_n_epochs(runner, self.interval):
            self.cluster(runner)

    def after_load_checkpoint(self, runner, checkpoint) -> None:
        labels = getattr(runner.model, "pseudo_labels", None)
        if self.unif_sampling and labels is not None and len(labels):
            runner.data.set_uniform_sampling(labels.cpu(), self.k)

    # ------------------------------------------------------------ clustering

    def _check(self, runner) -> None:
        """Say which recipe argument disagrees before anything trains."""
        k_model = getattr(runner.model, "num_classes", None)
        if k_model is not None and int(k_model) != self.k:
            raise ValueError(f"DeepClusterHook clusters into k = {self.k} clusters, but the model's "
                             f"head has num_classes = {k_model}: make them equal")
        if getattr(runner.data, "train_x", None) is None:
            raise ValueError(f"DeepClusterHook needs the unaugmented training images (`train_x`) of the "
                             f"data; `{runner.plan['data']['type']}` has none")
        if self.init_memory and not hasattr(runner.model, "memory_bank"):
            raise ValueError("DeepClusterHook(init_memory = true) needs a model with a `memory_bank` (ODC)")

    def _seed(self, runner, purpose: str) -> int:
        base = runner.seed if self.seed is None else int(self.seed)
        return generator(base, "DeepClusterHook", purpose, runner.iter).initial_seed() % 2**32

    def extract(self, runner) -> torch.Tensor:
        """Features (n_train, D), float32 on the CPU, of the unaugmented training split."""
        model = runner.model
        return frozen_features(model, runner.data.train_x, runner.device,
                               getattr(model, "cluster_features", None), EXTRACT_BATCH)

    def cluster(self, runner) -> None:
        model = runner.model
        features = self.extract(runner)
        rank, _ = dist.world()
        if rank == 0:
            labels = torch.from_numpy(kmeans(features.numpy(), self.k, self.pca_dim,
                                             seed=self._seed(runner, "kmeans")))
        else:
            labels = torch.zeros(len(features), dtype=torch.long)
        labels = dist.broadcast_(labels.to(runner.device)).cpu()
        as_numpy = labels.numpy()

        stats = cluster_stats(as_numpy, self.k)
        runner.record(**stats)
        if rank == 0:
            runner.log(f"DeepClusterHook: {len(labels)} samples in {self.k} clusters after iteration "
                       f"{runner.iter}: {stats['cluster_empty']} empty, smallest {stats['cluster_min']}, "
                       f"largest {stats['cluster_max']}")

        model.assign_labels(labels)
        if self.unif_sampling:
            runner.data.set_uniform_sampling(labels, self.k)
        if self.reweight:
            weights = inverse_size_weights(as_numpy, self.k, self.reweight_pow)
            model.loss_weight.copy_(torch.from_numpy(weights))
        self._reset_head(runner)
        if self.init_memory:
            model.memory_bank.init_memory(features, labels)

    def _reset_head(self, runner) -> None:
        head = runner.model.head
        devices = [runner.device.index or 0] if runner.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self._seed(runner, "head"))
            for module in head.modules():
                if callable(getattr(module, "reset_parameters", None)):
                    module.reset_parameters()
        with torch.no_grad():
            for tensor in head.state_dict().values():
                dist.broadcast_(tensor)

