"""Data-parallel training on torch.distributed, launched with ``torchrun``.

Under ``torchrun`` (which sets RANK, WORLD_SIZE, MASTER_ADDR ...) ``setup()`` joins the
process group: gloo on CPU, NCCL on GPU. ``training.train`` then wraps the network in
DistributedDataParallel and every rank computes the gradient of its own contiguous share
of each mini-batch (all ranks draw the same shuffled batches from the same seed, so a
global batch of B rows becomes B / world_size rows per rank); DDP averages the
gradients, so every rank takes the same optimiser step and ends with the same weights as
one process training with batch B. Only rank 0 writes checkpoints, logs and models.

A rank that dies makes the others fail within ``timeout_s`` (torchrun also stops the
remaining workers when one exits with an error); relaunching resumes from the last
checkpoint when ``resume`` is set.
"""

from __future__ import annotations

import datetime as dt
import os

import torch
import torch.distributed as dist


def launched() -> bool:
    """Whether this process was started by torchrun with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(timeout_s: float = 120.0) -> bool:
    """Join torchrun's process group (once); returns whether training is distributed."""
    if launched() and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend=backend, timeout=dt.timedelta(seconds=timeout_s))
    return active()


def active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def is_main() -> bool:
    """True on rank 0 (and without torch.distributed): the process that writes files."""
    return rank() == 0


def share(n: int) -> tuple[slice, float]:
    """This rank's contiguous rows of a batch of ``n`` and the weight of its mean loss.

    The weight ``rows * world_size / n`` makes the average of the ranks' gradients equal
    the gradient of the mean loss over all ``n`` rows, also when ``n`` does not divide evenly.
    """
    size, r = world_size(), rank()
    bounds = [n * k // size for k in range(size + 1)]
    rows = bounds[r + 1] - bounds[r]
    return slice(bounds[r], bounds[r + 1]), rows * size / n


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
