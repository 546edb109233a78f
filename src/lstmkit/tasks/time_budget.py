"""A classifier's fit planned to a wall-clock budget (``SequenceClassifier(time_budget=seconds)``).

The rule, before any network trains: time ``PROBE_STEPS`` gradient steps of a throwaway network
on batches of the training data (at least ``PROBE_SECONDS`` of them); their median times the
batches of an epoch gives the seconds an epoch takes. The networks train one after another
(``n_jobs`` at a time), so each gets ``(budget - probe) / rounds`` seconds, and its epochs are
``SAFETY`` of that over an epoch's seconds (at most the ``epochs`` asked for; the cosine
schedule then spans the planned epochs). A budget that cannot train one epoch of each network
is refused in one line. The plan is said in one line (logger ``lstmkit``), and each network
also stops at its share of the budget if it runs slower than the probe said
(``TrainConfig.max_seconds``). Without a budget, a fit that reads over ``ESTIMATE_STEPS``
sequence steps (rows x longest x networks x epochs) is probed the same way, and one warning
says how long it will take when that is over ``pace.LONG_FIT_SECONDS``, and what shortens it.
"""

from __future__ import annotations

import logging
import math
import statistics
import time

import torch

from lstmkit.errors import InputError

PROBE_STEPS = 8  # gradient steps timed (after one untimed warm-up step)
PROBE_SECONDS = 0.2  # ... or more steps, until this long
SAFETY = 0.9  # share of each network's seconds that the planned epochs fill (the rest: validation, set-up)
ESTIMATE_STEPS = 5e7  # without a budget, fits reading more sequence steps than this are timed and announced

logger = logging.getLogger("lstmkit")


def step_seconds(module: torch.nn.Module, loss_fn, x: tuple, target: torch.Tensor, batch_size: int) -> float:
    """Seconds one gradient step of ``module`` takes on batches of ``batch_size`` rows of ``x``
    (a tuple of tensors: inputs and lengths) and ``target``, measured (``module`` is trained:
    pass a throwaway copy)."""
    from lstmkit.optim import _adam
    from lstmkit.training import TrainConfig

    optimizer, _ = _adam(module, TrainConfig(lr=1e-3))  # (the training loop's own: no torch._dynamo import)
    n = len(target)
    generator = torch.Generator().manual_seed(0)

    def step() -> None:
        rows = torch.randint(n, (min(batch_size, n),), generator=generator).to(target.device)
        optimizer.zero_grad(set_to_none=False)  # (keeps the flat gradient views)
        loss_fn(module(*(t[rows] for t in x)), target[rows]).backward()
        optimizer.step()

    module.train()
    times = []
    with torch.random.fork_rng(devices=[]):
        step()  # (warm-up: first-call allocations)
        start = time.perf_counter()
        while len(times) < PROBE_STEPS or time.perf_counter() - start < PROBE_SECONDS:
            before = time.perf_counter()
            step()
            times.append(time.perf_counter() - before)
            if len(times) >= 10 * PROBE_STEPS:
                break
    return statistics.median(times)  # (a step slowed by another process does not set the pace)


def plan(budget: float, per_step: float, n_rows: int, batch_size: int, n_networks: int, n_jobs: int,
         epochs: int, spent: float) -> tuple[int, float]:
    """(epochs per network, seconds per network) that fit ``budget`` seconds, ``spent`` of them
    already gone (the probe), or a one-line error when not one epoch fits."""
    epoch = per_step * math.ceil(n_rows / batch_size)
    rounds = math.ceil(n_networks / max(1, n_jobs))
    share = (budget - spent) / rounds
    fits = SAFETY * share / epoch if share > 0 else 0.0  # (epochs that fit: may be huge, or inf)
    planned = epochs if fits >= epochs else int(fits)
    if planned < 1:
        batches, needed = math.ceil(n_rows / batch_size), rounds * epoch / SAFETY
        raise InputError(f"time_budget={budget:g} s cannot train one epoch of each of {n_networks} "
                         f"network(s): an epoch takes about {epoch:.2g} s here ({batches} batch(es) of "
                         f"{batch_size}); raise time_budget above {needed:.2g} s plus the set-up, or lower "
                         "n_folds, the sequences' length or hidden_size")
    logger.info(f"lstmkit: time_budget {budget:g} s: {n_networks} network(s) x {planned} epochs (of "
                f"{epochs} asked), about {epoch:.2g} s an epoch, {rounds} after another")
    return planned, share


def epochs_for(estimator, x: tuple, target: torch.Tensor, loss_fn, n_rows: int, n_networks: int,
               n_jobs: int, started: float) -> tuple[int, float | None]:
    """(epochs, seconds per network) for a classifier's fit: its ``epochs`` and no limit without
    a ``time_budget``, else the plan (a throwaway network timed; ``started``: the fit's start,
    ``time.perf_counter()``)."""
    budget = getattr(estimator, "time_budget", None)
    steps = n_rows * int(x[1].max()) * n_networks * estimator.epochs  # (sequence steps the fit reads)
    if budget is None and steps < ESTIMATE_STEPS:
        return estimator.epochs, None
    with torch.random.fork_rng(devices=[]):
        module = estimator._network(estimator._check_params()).to(target.device)
    per_step = step_seconds(module, loss_fn, x, target, estimator.batch_size)
    if budget is None:  # a big fit: say beforehand when it will be long, and what shortens it
        _announce(per_step * math.ceil(n_rows / estimator.batch_size), n_networks, n_jobs, estimator.epochs)
        return estimator.epochs, None
    return plan(budget, per_step, n_rows, estimator.batch_size, n_networks, n_jobs, estimator.epochs,
                time.perf_counter() - started)


def _announce(epoch: float, n_networks: int, n_jobs: int, epochs: int) -> None:
    from lstmkit.pace import LONG_FIT_SECONDS, minutes

    total = epoch * epochs * math.ceil(n_networks / max(1, n_jobs))
    if total > LONG_FIT_SECONDS:
        logger.warning(f"lstmkit: this fit will take about {minutes(total)} ({n_networks} network(s) x "
                       f"{epochs} epochs of about {epoch:.2g} s); time_budget=seconds plans the epochs to "
                       "fit a budget, and fewer epochs or n_folds, n_jobs=2, or shorter sequences shorten it")
