"""ODCHook, after MMSelfSup 1.x's (mmselfsup/engine/hooks/odc_hook.py): the
online part of ODC's clustering, on the model's `memory_bank`
(sspec.runtime.models.odc.ODCMemory).

After every iteration, in this order ("every n iterations" is MMEngine's
`every_n_train_iters`: after iteration i when (i + 1) % n == 0):

1. every `centroids_update_interval` iterations: every centroid becomes the
   mean feature of its cluster (`update_centroids_memory`);
2. every `deal_with_small_clusters_interval` iterations: clusters smaller
   than the model's `min_cluster` are emptied and refilled by splitting the
   largest cluster (`deal_with_small_clusters`);
3. every iteration: `model.loss_weight` becomes the inverse cluster sizes to
   the power 0.5, normalized to sum to 1. As in MMSelfSup, this happens
   whatever `reweight` and `reweight_pow` say: its ODCHook keeps both
   arguments but calls its re-weighting unconditionally with the default
   power 0.5, and sspec does the same so that a recipe trains as it would
   there;
4. every `evaluate_interval` iterations: the cluster sizes are recorded as
   `cluster_empty`, `cluster_min`, `cluster_max` on that iteration's line of
   metrics.jsonl (MMSelfSup logs them).

After every 10th epoch, process 0 saves the cluster id of every training
sample as `cluster_epoch_<epoch>.npy` (int64, epoch counted from 1) in the
work directory, written atomically.

The hook keeps no state of its own: the memory bank and the loss weights are
model buffers, in every checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..checkpoint import write_atomic
from ..clustering import cluster_stats, inverse_size_weights
from .base import Hook, every_n_epochs, every_n_iters

MMSELFSUP_REWEIGHT_POW = 0.5  # the power MMSelfSup's ODCHook actually re-weights with
SAVE_EVERY_EPOCHS = 10        # MMSelfSup saves the clusters every 10 epochs


class ODCHook(Hook):
    priority = "NORMAL"

    def __init__(self, centroids_update_interval: int, deal_with_small_clusters_interval: int,
                 evaluate_interval: int, reweight: bool, reweight_pow: float = 0.5, dist_mode: bool = True):
        if not dist_mode:
            raise ValueError("ODCHook: `dist_mode = false` is not implemented (nor is it in MMSelfSup)")
        for name, n in (("centroids_update_interval", centroids_update_interval),
                        ("deal_with_small_clusters_interval", deal_with_small_clusters_interval),
                        ("evaluate_interval", evaluate_interval)):
            if int(n) < 1:
                raise ValueError(f"ODCHook: `{name}` must be at least 1, got {n}")
        self.centroids_update_interval = int(centroids_update_interval)
        self.deal_with_small_clusters_interval = int(deal_with_small_clusters_interval)
        self.evaluate_interval = int(evaluate_interval)
        self.reweight = bool(reweight)          # kept for the record; see the module docstring
        self.reweight_pow = float(reweight_pow)

    def after_train_iter(self, runner) -> None:
        bank = runner.model.memory_bank
        if every_n_iters(runner, self.centroids_update_interval):
            bank.update_centroids_memory()
        if every_n_iters(runner, self.deal_with_small_clusters_interval):
            bank.deal_with_small_clusters()
        labels = bank.label_bank.cpu().numpy()
        weights = inverse_size_weights(labels, bank.num_classes, MMSELFSUP_REWEIGHT_POW)
        runner.model.loss_weight.copy_(runner.model.loss_weight.new_tensor(weights))
        if every_n_iters(runner, self.evaluate_interval):
            runner.record(**cluster_stats(labels, bank.num_classes))

    def after_train_epoch(self, runner) -> None:
        if every_n_epochs(runner, SAVE_EVERY_EPOCHS) and runner.rank == 0:
            labels = runner.model.memory_bank.label_bank.cpu().numpy()
            write_atomic(Path(runner.work_dir) / f"cluster_epoch_{runner.epoch + 1}.npy",
                         lambda f: np.save(f, labels))
