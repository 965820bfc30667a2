"""MMSelfSup 1.x's SwAVHook: SwAV's feature queue and its early freezing of
layers (the prototypes).

- before_run: `queue_length` is rounded down to a multiple of
  `batch_size * world_size` (so the queue shifts by whole batches); the
  model's `crops_for_assign` and `proj_dim` must agree with the hook's
  `crops_for_assign` and `feat_dim`, which shape the queue.
- before_train_epoch: when `queue_length > 0`, `runner.epoch >=
  epoch_queue_starts` and there is no queue yet, a zero queue is created,
  (len(crops_for_assign), queue_length // world_size, feat_dim) on the
  model's device: each process queues its own embeddings. Every epoch the
  hook hands its queue (None before it starts) to the model and turns the
  model's `use_queue` off; the model turns it on again once the queue is
  full (see sspec.runtime.models.swav).
- before_train_iter: for every `name: iters` of `frozen_layers_cfg`, the
  parameters whose name contains `name` have `requires_grad = False` while
  `runner.iter < iters` and True from then on, so they get no gradient and
  the optimizer leaves them alone. Recorded in the metrics as
  `<name>_frozen` (0/1), with `queue_rows`, the length of the queue the
  model holds (0: none).
- after_train_epoch: the hook takes the model's queue back, and every
  `interval` epochs writes it to `work_dir/queue.pth` (`queue<rank>.pth`
  under several processes), atomically, for inspection.

Unlike MMSelfSup, nothing reads queue.pth back (a fresh run in an old work
directory would otherwise start with a stale queue): the checkpoint is the
source of truth. before_save_checkpoint adds `swav_queue` (every process's
queue, gathered in rank order; None before the queue starts) and
`swav_use_queue`; after_load_checkpoint gives this process's part back to the
hook and the model, so a run resumed mid-epoch continues exactly.
"""

from __future__ import annotations

import torch

from .. import dist
from ..checkpoint import save_atomic
from .base import Hook, every_n_epochs


class SwAVHook(Hook):
    priority = "NORMAL"

    def __init__(self, batch_size: int, epoch_queue_starts: int = 15, crops_for_assign=(0, 1),
                 feat_dim: int = 128, queue_length: int = 0, interval: int = 1,
                 frozen_layers_cfg: dict | None = None):
        self.batch_size = int(batch_size)
        self.epoch_queue_starts = int(epoch_queue_starts)
        self.crops_for_assign = [int(c) for c in crops_for_assign]
        self.feat_dim = int(feat_dim)
        self.queue_length = int(queue_length)
        self.interval = int(interval)
        self.frozen_layers_cfg = {str(k): int(v) for k, v in (frozen_layers_cfg or {}).items()}
        self.queue: torch.Tensor | None = None
        self._frozen: dict[str, bool] = {}  # layer name -> frozen as last set

    def _check_model(self, model) -> None:
        """The queue's shape comes from the hook's arguments, its use from the model's."""
        crops = list(getattr(model, "crops_for_assign", self.crops_for_assign))
        if crops != self.crops_for_assign:
            raise ValueError(f"SwAVHook: `crops_for_assign` is {self.crops_for_assign}, the model's is "
                             f"{crops}; give both the same views")
        proj = getattr(model, "proj_dim", self.feat_dim)
        if proj != self.feat_dim:
            raise ValueError(f"SwAVHook: `feat_dim` is {self.feat_dim}, but the model's embeddings "
                             f"have {proj} dimensions (its `feat_dim`); give both the same")

    def before_run(self, runner) -> None:
        self._check_model(runner.model)
        self.queue_length -= self.queue_length % (self.batch_size * runner.world_size)

    def before_train_epoch(self, runner) -> None:
        if self.queue_length > 0 and runner.epoch >= self.epoch_queue_starts and self.queue is None:
            rows = self.queue_length // runner.world_size
            self.queue = torch.zeros(len(self.crops_for_assign), rows, self.feat_dim, device=runner.device)
        runner.model.queue = self.queue
        runner.model.use_queue = False

    def before_train_iter(self, runner) -> None:
        for name, iters in self.frozen_layers_cfg.items():
            frozen = runner.iter < iters
            if self._frozen.get(name) != frozen:  # the parameters change only at the boundary
                for param_name, p in runner.model.named_parameters():
                    if name in param_name:
                        p.requires_grad_(not frozen)
                self._frozen[name] = frozen
            runner.record(**{f"{name}_frozen": int(frozen)})
        queue = runner.model.queue
        runner.record(queue_rows=0 if queue is None else int(queue.shape[1]))

    def after_train_epoch(self, runner) -> None:
        self.queue = runner.model.queue
        if self.queue is not None and every_n_epochs(runner, self.interval):
            name = f"queue{runner.rank}.pth" if runner.world_size > 1 else "queue.pth"
            save_atomic({"queue": self.queue.detach().cpu()}, runner.work_dir / name)

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        queue = runner.model.queue
        gathered = None if queue is None else dist.all_gather_cat(queue[None].contiguous()).cpu()
        checkpoint["swav_queue"] = gathered
        checkpoint["swav_use_queue"] = bool(runner.model.use_queue)

    def after_load_checkpoint(self, runner, checkpoint) -> None:
        gathered = checkpoint.get("swav_queue")
        if gathered is None:
            self.queue = None
        elif len(gathered) != runner.world_size:
            raise ValueError(f"SwAVHook: the checkpoint holds the queues of {len(gathered)} processes, "
                             f"this run has {runner.world_size}; resume with as many processes")
        else:
            self.queue = gathered[runner.rank].to(runner.device)
        runner.model.queue = self.queue
        runner.model.use_queue = bool(checkpoint.get("swav_use_queue", False))
