"""One readable training loop for every estimator.

``train`` needs a network, a loss function ``loss_fn(output, target) -> scalar`` and a
batch source: tensors, or a sampler whose ``batch(rows)`` makes (inputs, targets). It knows
nothing about forecasting, classification or text. It shuffles mini-batches with a seeded
generator, clips gradients, stops early on a validation set (restoring the best weights),
runs learning-rate phases (``Phase``) and a wall-clock budget from its ``TrainConfig``,
stops cleanly on Ctrl-C, refuses to go on after a non-finite loss and returns the
per-epoch history (progress: ``progress.py``; pace notes: ``pace.py``).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.errors import InputError, TrainingError
from lstmkit.interrupts import count_interrupt, interrupted, interrupts, one_fit  # noqa: F401  (the API)
from lstmkit.optim import _adam, _set_lr
from lstmkit.pace import Pace
from lstmkit.progress import progress_bar

Batch = torch.Tensor | tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class Phase:
    """A stretch of training at ``lr_factor`` times the config's ``lr`` that ends by the ``until``
    share of the config's epochs and of its time budget (``max_seconds``). Each phase starts
    from the best weights so far, with a fresh optimizer and a fresh patience; at the end the
    weights with the lowest validation loss of all phases are kept."""

    lr_factor: float = 1.0
    until: float = 1.0


def lr_phases(factor: float | None, first_share: float = 1.0) -> tuple[Phase, ...]:
    """``lr`` until early stopping (or ``first_share`` of the budget), then ``lr * factor``
    from the best weights; one phase at ``lr`` when ``factor`` is None."""
    if factor is None:
        return (Phase(),)
    return Phase(1.0, first_share), Phase(factor)


@dataclass
class TrainConfig:
    epochs: int = 100  # passes over the training data (at most, with early stopping)
    batch_size: int = 32  # samples per gradient step
    lr: float = 1e-3  # Adam learning rate
    weight_decay: float = 0.0  # L2 penalty (Adam's weight_decay)
    clip: float | None = 1.0  # max gradient norm; None turns clipping off
    patience: int | None = None  # epochs without validation improvement before stopping
    shuffle: bool = True  # reshuffle the training samples every epoch
    n_threads: int | None = None  # torch CPU threads while training; None picks by model size
    lr_schedule: str = "constant"  # or "cosine": lr decays to 0 over `epochs` (half a cosine)
    phases: tuple[Phase, ...] = ()  # learning-rate phases (see Phase); () is one run at lr
    max_seconds: float | None = None  # wall clock: stop once another epoch would end later
    precision: str = "float32"  # or "bfloat16": forward passes under autocast
    eval_batch_size: int = 4096  # rows per validation batch (bounds its memory)
    reseed: bool = False  # with phases: seed torch's global RNG with each phase's seed


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else is passed to torch."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError(f"device must be 'auto', 'cpu' or 'cuda[:N]'; received {device!r}") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r} needs CUDA, which this machine's torch cannot use; "
                         "use 'auto' or 'cpu'")
    return chosen


def cpu_threads(module: nn.Module, batch_size: int, n_threads: int | None) -> int | None:
    """The thread count to set for work on ``module`` (None: leave torch alone, e.g. on CUDA)."""
    if n_threads is not None:
        return n_threads
    device = next(module.parameters()).device
    return threads_for(module, batch_size) if device.type == "cpu" else None


def threads_for(module: nn.Module, batch_size: int) -> int:
    """Torch CPU threads worth using for this model size.

    Small recurrent steps are dominated by per-op overhead, and a second thread only adds
    synchronisation; when the other core is busy it makes them 15-80x slower (measured
    here). Only big models (a 2 x 256 LSTM at batch 64 and up) gain from every core.
    """
    n_params = sum(p.numel() for p in module.parameters())
    return 1 if n_params * batch_size < 30_000_000 else (os.cpu_count() or 1)


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Temporarily set torch's intra-op thread count (``None`` leaves it alone)."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def take(data: Batch, idx: torch.Tensor | slice) -> Batch:
    """Rows ``idx`` of a tensor or of every tensor in a tuple."""
    return tuple(d[idx] for d in data) if isinstance(data, tuple) else data[idx]


def call(module: nn.Module, x: Batch) -> torch.Tensor:
    return module(*x) if isinstance(x, tuple) else module(x)


def n_rows(data: Batch) -> int:
    return len(data[0]) if isinstance(data, tuple) else len(data)


def train(
    module: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x,
    y: torch.Tensor | None,
    config: TrainConfig,
    validation: tuple[Batch, torch.Tensor] | None = None,
    seed: int | None = None,
    progress: bool = False,
    description: str = "training",
    on_epoch: Callable[[dict], bool] | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    fingerprint: str = "",
) -> list[dict]:
    """Train ``module`` in place; return one dict per epoch (epoch, loss, val_loss, seconds).

    x, y: tensors (or tuples of tensors) already on the module's device, batch-first; or
    ``x`` a window sampler (``len(x)`` windows per epoch, drawn afresh every epoch by
    ``x.draw(generator)``, whose ``batch(rows) -> (inputs, targets)`` makes one batch; see
    ``data/windows.py``) and ``y`` None. ``validation`` may likewise be drawn windows.
    With ``validation`` and ``config.patience`` the best-validation weights are restored.
    ``on_epoch(record)`` is called after every epoch; returning True stops training (it may
    add entries to the record, e.g. a validation accuracy).
    ``checkpoint``: a file rewritten atomically after every epoch (see ``checkpoints.py``);
    with ``resume`` an existing one (written with the same ``fingerprint``) is continued.
    Under torchrun (``distributed.setup()`` called first) the network is wrapped in
    DistributedDataParallel and each rank computes its share of every batch; only rank 0
    writes the checkpoint (see ``distributed.py``).
    """
    args = (module, loss_fn, x, y, config, validation, seed, progress, description, on_epoch,
            checkpoint, resume, fingerprint)
    with torch_threads(cpu_threads(module, config.batch_size, config.n_threads)):
        if config.phases:
            return _train_phases(*args)
        deadline = None if config.max_seconds is None else time.perf_counter() + config.max_seconds
        return _train(*args, deadline=deadline)


def _train_phases(module, loss_fn, x, y, config, validation, seed, progress, description, on_epoch,
                  checkpoint, resume, fingerprint) -> list[dict]:
    """``config.phases`` one after the other (see ``Phase``); their history, epochs numbered on."""
    from dataclasses import replace

    from lstmkit.seeding import seeded

    start, history = time.perf_counter(), []
    best = (math.inf, snapshot(module))  # the lowest validation loss so far and its weights
    for k, phase in enumerate(config.phases):
        epochs = max(1, round(config.epochs * phase.until)) - len(history)
        deadline = None if config.max_seconds is None else start + config.max_seconds * phase.until
        last = history[-1]["seconds"] if history else 0.0
        if k and (epochs < 1 or not history or history[-1].get("interrupted") or interrupted()
                  or deadline is not None and time.perf_counter() + last > deadline):
            break  # (the first phase always trains at least one epoch)
        lr = config.lr * phase.lr_factor
        own = replace(config, epochs=epochs, lr=lr, phases=(), max_seconds=None)
        path = checkpoint if checkpoint is None or k == 0 else _phase_path(checkpoint, k)
        seed_k = None if seed is None else seed + k
        device = next(module.parameters()).device
        with seeded(seed_k, device) if config.reseed else contextlib.nullcontext():
            records = _train(module, loss_fn, x, y, own, validation, seed_k, progress,
                             f"{description} (lr {lr:g})", on_epoch, path,
                             resume, f"{fingerprint}:phase {k}, lr {lr!r}", deadline=deadline)
        for record in records:
            record.update(epoch=record["epoch"] + len(history), lr=lr)
        history += records
        if validation is None:
            best = (math.inf, None)  # no way to compare: the last weights stay
            continue
        scores = [r["val_loss"] for r in records]
        left = (min(scores) if own.patience is not None else scores[-1]) if scores else math.inf
        if left < best[0]:  # the weights train() left are this phase's best
            best = (left, snapshot(module))
        else:
            module.load_state_dict(best[1])  # a later, slower phase that did not improve
    return history


def _phase_path(checkpoint, k: int):
    from pathlib import Path
    path = Path(checkpoint)
    return path.with_name(f"{path.stem}-phase{k}{path.suffix}")


def _train(module, loss_fn, x, y, config, validation, seed, progress, description, on_epoch,
           checkpoint=None, resume=False, fingerprint="", deadline=None):
    from pathlib import Path

    from lstmkit import distributed
    from lstmkit.checkpoints import clear_stale, load_checkpoint, save_checkpoint

    parallel = distributed.active()
    net = _ddp(module) if parallel else module
    generator = torch.Generator().manual_seed(0 if seed is None else seed)
    optimizer, clipped = _adam(module, config)
    sampler = x if hasattr(x, "draw") else None
    n = len(sampler) if sampler is not None else n_rows(x)
    history: list[dict] = []
    best_loss, best_state, bad_epochs, first, done = math.inf, None, 0, 1, False
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    if checkpoint is not None and distributed.is_main():
        clear_stale(checkpoint)
    if checkpoint is not None and resume and checkpoint.exists():
        state, best_state = load_checkpoint(checkpoint, module, optimizer, generator, fingerprint)
        written_by = state.get("world_size", 1)
        if written_by != distributed.world_size():
            raise InputError(f"checkpoint {checkpoint.name} was written by {written_by} process(es); this "
                             f"run has {distributed.world_size()}: relaunch with the same number to resume")
        history, best_loss, bad_epochs = state["history"], state["best_loss"], state["bad_epochs"]
        first, done = len(history) + 1, state["done"]

    def save(finished: bool) -> None:
        if checkpoint is not None and distributed.is_main():
            state = {"history": history, "best_loss": best_loss, "bad_epochs": bad_epochs,
                     "done": finished, "fingerprint": fingerprint, "world_size": distributed.world_size()}
            save_checkpoint(checkpoint, module, optimizer, generator, state, best_state)

    show = progress and not done and distributed.is_main()
    started, precision = time.perf_counter(), config.precision
    pace = Pace(config.epochs - first + 1, -(-n // config.batch_size), description, show)
    with progress_bar(show, config.epochs, description) as advance:
        try:
            for epoch in range(first, config.epochs + 1 if not done else first):
                start = time.perf_counter()
                if config.lr_schedule == "cosine":
                    progress_share = (epoch - 1) / config.epochs
                    _set_lr(optimizer, config.lr * 0.5 * (1 + math.cos(math.pi * progress_share)))
                module.train()
                if sampler is not None:
                    batch = sampler.draw(generator).batch  # fresh windows every epoch, made per batch
                else:
                    order = torch.randperm(n, generator=generator) if config.shuffle else torch.arange(n)
                    order = order.to(y.device)
                    batch = Rows(take(x, order), y[order]).batch  # one gather per epoch; batches are slices
                losses = []  # detached batch losses, summed once per epoch
                for i in range(0, n, config.batch_size):
                    rows = slice(i, min(i + config.batch_size, n))
                    if parallel:  # this rank's rows; DDP averages the gradients across ranks
                        part, weight = distributed.share(rows.stop - rows.start)
                        xb, yb = batch(slice(i + part.start, i + part.stop))
                        loss = loss_fn(forward(net, xb, precision), yb) * weight
                    else:
                        xb, yb = batch(rows)
                        loss = loss_fn(forward(module, xb, precision), yb)
                    optimizer.zero_grad(set_to_none=False)  # keeps the flat gradient views
                    loss.backward()
                    if config.clip is not None:
                        nn.utils.clip_grad_norm_(clipped, config.clip)
                    optimizer.step()
                    losses.append(loss.detach())
                    pace.batch()
                if parallel:  # the mean over all ranks' rows, the same on every rank
                    losses = _all_ranks_mean(torch.stack(losses))
                record = {"epoch": epoch, "loss": _epoch_loss(losses, n, config.batch_size)}
                if not math.isfinite(record["loss"]):
                    raise TrainingError(
                        f"training loss became {record['loss']} at epoch {epoch}; lower the "
                        f"learning rate (lr={config.lr:g}) or check the data's scale"
                    )
                if validation is not None:
                    rows = validation if hasattr(validation, "batch") else Rows(*validation)
                    record["val_loss"] = evaluate_windows(module, loss_fn, rows, config.eval_batch_size,
                                                          precision=precision)
                stop = bool(on_epoch(record)) if on_epoch is not None else False
                now = time.perf_counter()
                record["seconds"] = now - start
                history.append(record)
                advance(record)
                pace.epoch(record)
                if validation is not None and config.patience is not None and not stop:
                    if record["val_loss"] < best_loss - 1e-12:
                        best_loss, bad_epochs = record["val_loss"], 0
                        best_state = snapshot(module)
                    else:
                        bad_epochs += 1
                        stop = bad_epochs >= config.patience
                if deadline is not None and now + (now - started) / (epoch - first + 1) > deadline:
                    stop = True  # another epoch (at this fit's pace) would end after the deadline
                save(finished=stop or epoch == config.epochs)
                if stop:
                    break
        except KeyboardInterrupt:
            count_interrupt()
            if history:
                history[-1]["interrupted"] = True
        finally:
            if best_state is not None:
                module.load_state_dict(best_state)
    module.eval()
    return history


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of ``module``'s weights (its state dict), to put back with ``load_state_dict``."""
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _ddp(module: nn.Module) -> nn.Module:
    from torch.nn.parallel import DistributedDataParallel

    device = next(module.parameters()).device
    return DistributedDataParallel(module, device_ids=[device] if device.type == "cuda" else None)


def _all_ranks_mean(losses: torch.Tensor) -> list[torch.Tensor]:
    import torch.distributed as dist

    total = losses.detach().clone()
    dist.all_reduce(total)
    return list(total / dist.get_world_size())


def _epoch_loss(losses: list[torch.Tensor], n: int, batch_size: int) -> float:
    """Sample-weighted mean of per-batch mean losses (the last batch may be smaller)."""
    weights = torch.full((len(losses),), float(batch_size))
    weights[-1] = n - batch_size * (len(losses) - 1)
    return float((torch.stack(losses).cpu() * weights).sum()) / n


def evaluate_loss(module, loss_fn, x: Batch, y: torch.Tensor, batch_size: int = 4096) -> float:
    """Mean loss over (x, y) in eval mode, in batches."""
    return evaluate_windows(module, loss_fn, Rows(x, y), batch_size)


@torch.inference_mode()
def evaluate_windows(module, loss_fn, windows, batch_size: int = 4096, n_threads: int | None = None,
                     precision: str = "float32") -> float:
    """Mean loss in eval mode over ``windows`` (``len`` and ``batch(rows) -> (x, y)``: drawn
    windows, made one batch at a time, or ``Rows`` of tensors)."""
    module.eval()
    n = len(windows)
    total = 0.0
    with torch_threads(cpu_threads(module, min(n, batch_size), n_threads)):
        for i in range(0, n, batch_size):
            x, y = windows.batch(slice(i, i + batch_size))
            total += float(loss_fn(forward(module, x, precision), y)) * len(y)
    return total / n


def forward(module: nn.Module, x: Batch, precision: str = "float32"):
    """``module(x)``, under bfloat16 autocast when ``precision`` is "bfloat16"."""
    if precision == "float32":
        return call(module, x)
    device = next(module.parameters()).device.type
    with torch.autocast(device, dtype=torch.bfloat16):
        return call(module, x)


class Rows:
    """Tensors (x, y) seen as batches of rows, as drawn windows are."""

    def __init__(self, x: Batch, y: torch.Tensor):
        self.x, self.y = x, y

    def __len__(self) -> int:
        return n_rows(self.x)

    def batch(self, rows: slice) -> tuple[Batch, torch.Tensor]:
        return take(self.x, rows), self.y[rows]


@torch.inference_mode()
def predict_batches(module: nn.Module, x: Batch, batch_size: int = 4096) -> torch.Tensor:
    """Module outputs for every row of x, in eval mode, concatenated."""
    module.eval()
    n = n_rows(x)
    with torch_threads(cpu_threads(module, min(n, batch_size), None)):
        outs = [call(module, take(x, slice(i, i + batch_size))) for i in range(0, n, batch_size)]
    return torch.cat(outs)
