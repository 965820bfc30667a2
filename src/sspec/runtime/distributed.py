"""Several processes training one recipe, on torch.distributed.

`sspec run --nproc N` starts N local worker processes through PyTorch's
elastic launcher (`launch`, the library behind `torchrun`); each worker is
`sspec run` again, and finds the launcher's environment (`RANK`,
`WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`), as it does when
`torchrun` starts it directly. The Runner then joins the process group
(`init`: gloo on the CPU, NCCL on CUDA, one GPU per local rank) and trains
through `wrap`, a DistributedDataParallel around the model's `train_step`.

The collectives models and hooks use are in `sspec.runtime.dist`; this
module is the plumbing of the run itself.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from .dist import is_distributed

__all__ = ["LaunchError", "barrier", "env_rank", "env_world_size", "init", "launch", "launched",
           "local_rank", "mean_over_ranks", "shutdown", "wrap"]


def launched() -> bool:
    """Whether a launcher (`sspec run --nproc`, `torchrun`) started this process."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def env_world_size() -> int:
    """The launcher's world size (1 without a launcher)."""
    return int(os.environ["WORLD_SIZE"]) if launched() else 1


def env_rank() -> int:
    """The launcher's rank of this process (0 without a launcher)."""
    return int(os.environ["RANK"]) if launched() else 0


def local_rank() -> int:
    """This process's number on its machine (0 without a launcher)."""
    return int(os.environ.get("LOCAL_RANK", "0")) if launched() else 0


def init(device: torch.device) -> torch.device:
    """Join the launcher's process group (once) and return this process's
    device: `cuda:LOCAL_RANK` on CUDA (NCCL), the CPU otherwise (gloo)."""
    if device.type == "cuda":
        device = torch.device("cuda", local_rank())
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    """Wait for every process (nothing to wait for in one process)."""
    if is_distributed():
        dist.barrier()


class _TrainStep(nn.Module):
    """DDP synchronizes gradients through its module's `forward`, while
    models train through `train_step`: this module's forward is the model's
    train_step, so the model itself stays as it is for hooks to call."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch) -> Any:
        return self.model.train_step(batch)


def wrap(model: nn.Module, device: torch.device) -> nn.Module:
    """`wrapper(batch)` runs `model.train_step(batch)` with DDP's gradient
    averaging. As MMEngine's wrapper: buffers are not synchronized after the
    start (each process keeps its own BatchNorm statistics; rank 0's are
    saved), and unused parameters are not searched for, unless the model
    says it leaves some out of its loss (`find_unused_parameters = True`,
    a class attribute)."""
    from torch.nn.parallel import DistributedDataParallel

    kwargs: dict[str, Any] = {"find_unused_parameters":
                              bool(getattr(model, "find_unused_parameters", False))}
    # torch 2.13 renamed broadcast_buffers; both keep the buffers as each
    # process computes them (they are the same at the start: the same seed)
    if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters:
        kwargs["forward_sync_buffers"] = False
    else:
        kwargs["broadcast_buffers"] = False
    return DistributedDataParallel(
        _TrainStep(model), device_ids=[device.index] if device.type == "cuda" else None, **kwargs)


def mean_over_ranks(values: Mapping[str, Any], device: torch.device) -> dict[str, Any]:
    """`values` with every number averaged over the processes (one all_reduce).
    Every process must give the same keys."""
    out = dict(values)
    if not is_distributed():
        return out
    keys = [k for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    t /= dist.get_world_size()
    out.update(zip(keys, t.tolist()))
    return out


class LaunchError(Exception):
    """A worker failed; the message says which and how."""


def launch(worker_args: Sequence[str], nproc: int, nnodes: int = 1, node_rank: int = 0,
           rdzv_endpoint: str | None = None) -> None:
    """Run `python -m sspec WORKER_ARGS...` in `nproc` processes on this
    machine, through torch's elastic launcher, and wait for them.

    One machine without an endpoint: `--standalone` (a free local port).
    Several machines: the static rendezvous of `torchrun --nnodes --node-rank
    --rdzv-endpoint` (the endpoint is rank 0's machine and port), the same
    command on each machine with its own `node_rank`. Raises LaunchError
    when a worker fails (its own messages are already on stderr)."""
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    argv = ["--nproc-per-node", str(nproc)]
    if nnodes == 1 and not rdzv_endpoint:
        argv.append("--standalone")
    else:
        argv += ["--nnodes", str(nnodes), "--node-rank", str(node_rank),
                 "--rdzv-endpoint", str(rdzv_endpoint)]
    argv += ["-m", "sspec", *worker_args]
    # as torchrun does for several processes, without its banner
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _quiet_elastic_logs()
    try:
        run(get_args_parser().parse_args(argv))
    except ChildFailedError as exc:
        rank, failure = exc.get_first_failure()
        how = (f"was killed by {failure.signal_name()}" if failure.exitcode < 0
               else f"exited with status {failure.exitcode}")
        raise LaunchError(f"process {rank} of {nproc * nnodes} {how}"
                          + (f" ({len(exc.failures)} processes failed)" if len(exc.failures) > 1
                             else "")) from None
    except SignalException as exc:
        raise LaunchError(f"stopped by {exc.sigval.name}") from None


def _quiet_elastic_logs() -> None:
    """The elastic agent logs each worker failure and the signals it sends
    the others; the workers' own located errors and LaunchError's one line
    already say what happened, so its log lines would only bury them. (Its
    loggers set their level when their module is imported: set them after.)"""
    import logging

    for name in list(logging.Logger.manager.loggerDict):
        if name.startswith("torch.distributed.elastic") or name == "torch.distributed.run":
            logging.getLogger(name).setLevel(logging.CRITICAL)
