"""What the synthetic-problem demos share: train a network until a fresh validation set is solved."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from lstmkit.seeding import seeded
from lstmkit.training import TrainConfig, snapshot, train


def fit_until(
    module: torch.nn.Module,
    loss_fn: Callable,
    x,
    y: torch.Tensor,
    config: TrainConfig,
    score: Callable[[torch.nn.Module], float],
    target: float,
    seed: int,
    progress: bool = False,
    description: str = "training",
    refresh: Callable[[], tuple] | None = None,
) -> tuple[list[dict], float]:
    """Train until ``score(module)`` (higher is better, on validation data) reaches ``target``.

    After every epoch the score is recorded as ``val_score``, the best weights are kept and
    restored at the end, and ``refresh()`` (if given) returns fresh training data copied
    into ``x``/``y`` in place. Returns the history and the training seconds.
    """
    best = {"score": -float("inf"), "state": None}

    def after_epoch(record: dict) -> bool:
        record["val_score"] = score(module)
        if record["val_score"] > best["score"]:
            best["score"] = record["val_score"]
            best["state"] = snapshot(module)
        if refresh is not None:
            fresh_x, fresh_y = refresh()
            x.copy_(fresh_x)
            y.copy_(fresh_y)
        return record["val_score"] >= target

    start = time.perf_counter()
    with seeded(seed):
        history = train(module, loss_fn, x, y, config, seed=seed, progress=progress,
                        description=description, on_epoch=after_epoch)
    seconds = time.perf_counter() - start
    if best["state"] is not None:
        module.load_state_dict(best["state"])
    module.eval()
    return history, seconds
