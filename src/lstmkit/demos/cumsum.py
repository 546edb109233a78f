"""Bidirectional LSTM on the cumulative-sum problem, next to a unidirectional LSTM.

Ten values in [0, 1]; at each step output 1 once the running sum exceeds ``limit``.
Scored by per-step accuracy on 1,000 fresh sequences, next to the majority class.
"""

from __future__ import annotations

import numpy as np
import torch

from lstmkit.data.problems.cumsum import cumsum
from lstmkit.demos._common import fit_until
from lstmkit.errors import check_positive_int
from lstmkit.models.registry import build
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, predict_batches


def _loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(logits[..., 0], target.float())


def run_cumsum(
    length: int = 10,
    limit: float = 2.5,
    hidden_size: int = 32,
    merge: str = "concat",
    n_train: int = 5000,
    n_test: int = 1000,
    epochs: int = 60,
    seed: int | None = 0,
    progress: bool = False,
) -> dict:
    """Train each network until 99.9% per-step validation accuracy (or ``epochs`` run out)."""
    for name, value in (("hidden_size", hidden_size), ("n_train", n_train), ("n_test", n_test),
                        ("epochs", epochs)):
        check_positive_int(name, value)
    seed = resolve_seed(seed)
    cumsum(1, length, limit)  # argument errors before any work
    test_x, test_y = cumsum(n_test, length, limit, np.random.default_rng([seed, 1]))
    networks = {
        "bidirectional lstm": ("bidirectional", {"merge": merge}),
        "unidirectional lstm": ("vanilla", {}),
    }
    metrics, timings = {}, {}
    for name, (arch, options) in networks.items():
        rng = np.random.default_rng([seed, 2])  # both networks see the same data
        x, y = (torch.from_numpy(a) for a in cumsum(n_train, length, limit, rng))
        val_x, val_y = (torch.from_numpy(a) for a in cumsum(1000, length, limit, rng))
        with seeded(seed):
            module = build(arch, n_features=1, n_outputs=1, hidden_size=hidden_size, per_step=True,
                           **options)
        history, seconds = fit_until(
            module, _loss, x, y, TrainConfig(epochs=epochs, batch_size=64, lr=1e-2, clip=1.0),
            score=lambda m, vx=val_x, vy=val_y: float(((predict_batches(m, vx)[..., 0] > 0) == vy.bool())
                                                      .float().mean()),
            target=0.999, seed=seed, progress=progress, description=name,
        )
        predicted = predict_batches(module, torch.from_numpy(test_x))[..., 0].numpy() > 0
        metrics[name] = {"accuracy": float(np.mean(predicted == test_y)), "epochs": len(history)}
        timings[f"train {name}"] = seconds
    majority = float(np.mean(test_y == (test_y.mean() >= 0.5)))
    metrics["majority class"] = {"accuracy": majority}
    return {
        "task": "cumsum",
        "config": {"length": length, "limit": limit, "hidden_size": hidden_size, "merge": merge,
                   "seed": seed},
        "metrics": metrics,
        "timings": timings,
    }
