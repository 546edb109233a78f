"""Stacked LSTM on damped sine waves: read 50 steps, forecast the next 5 at once.

Each wave has its own period, phase and decay, so the network must infer them from the
window. Scored by RMSE on 1,000 fresh waves next to persistence (repeat the last value).
"""

from __future__ import annotations

import numpy as np
import torch

from lstmkit.data.problems.damped_sine import damped_sine
from lstmkit.demos._common import fit_until
from lstmkit.errors import check_positive_int
from lstmkit.metrics import rmse
from lstmkit.models.registry import build
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, predict_batches


def run_damped_sine(
    length: int = 50,
    horizon: int = 5,
    hidden_size: int = 32,
    n_layers: int = 2,
    n_train: int = 5000,
    n_test: int = 1000,
    epochs: int = 60,
    seed: int | None = 0,
    progress: bool = False,
    plot: str | None = None,
) -> dict:
    """Train until validation RMSE is below 1/10 of persistence's (or ``epochs`` run out)."""
    for name, value in (("hidden_size", hidden_size), ("n_layers", n_layers), ("n_train", n_train),
                        ("n_test", n_test), ("epochs", epochs)):
        check_positive_int(name, value)
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = (torch.from_numpy(a) for a in damped_sine(n_train, length, horizon, rng))
    val_x, val_y = (torch.from_numpy(a) for a in damped_sine(1000, length, horizon, rng))
    test_x, test_y = damped_sine(n_test, length, horizon, rng)
    persistence_val = rmse(val_y, val_x[:, -1:, 0].expand_as(val_y))
    with seeded(seed):
        module = build("stacked", n_features=1, n_outputs=horizon, hidden_size=hidden_size,
                       n_layers=n_layers)
    history, seconds = fit_until(
        module, torch.nn.functional.mse_loss, x, y,
        TrainConfig(epochs=epochs, batch_size=64, lr=3e-3, clip=1.0),
        score=lambda m: -rmse(val_y, predict_batches(m, val_x)),
        target=-persistence_val / 10, seed=seed, progress=progress, description="damped sine",
    )
    predicted = predict_batches(module, torch.from_numpy(test_x)).numpy()
    persistence = np.repeat(test_x[:, -1], horizon, axis=1)
    result = {
        "task": "damped-sine",
        "config": {"length": length, "horizon": horizon, "hidden_size": hidden_size,
                   "n_layers": n_layers, "seed": seed},
        "metrics": {
            "stacked lstm": {"rmse": rmse(test_y, predicted), "epochs": len(history)},
            "persistence": {"rmse": rmse(test_y, persistence)},
        },
        "timings": {"train": seconds},
    }
    ratio = result["metrics"]["stacked lstm"]["rmse"] / result["metrics"]["persistence"]["rmse"]
    result["metrics"]["stacked lstm"]["rmse_vs_persistence"] = ratio
    if plot:
        result["files"] = {"plot": str(_plot(test_x[:4, :, 0], test_y[:4], predicted[:4], plot))}
    return result


def _plot(history: np.ndarray, actual: np.ndarray, predicted: np.ndarray, path):
    from lstmkit.plots import _figure, save_figure

    fig, axes = _figure(2, 2, figsize=(10, 6), sharex=True)
    length, horizon = history.shape[1], actual.shape[1]
    future = np.arange(length, length + horizon)
    for ax, h, a, p in zip(axes.flat, history, actual, predicted):
        ax.plot(np.arange(length), h, color="black", lw=1, label="input")
        ax.plot(future, a, "o-", color="black", ms=3, label="actual")
        ax.plot(future, p, "s--", color="tab:blue", ms=3, label="stacked LSTM")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Damped sine: {horizon}-step forecasts of fresh waves")
    return save_figure(fig, path)
