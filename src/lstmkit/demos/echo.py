"""The tutorial's echo problem, trained with mini-batches instead of 10,000 single-sample fits.

A vanilla LSTM reads a one-hot sequence and names the value it saw at ``out_index``.
Training stops as soon as a fresh validation set is recalled perfectly; the score is
accuracy on ``n_test`` further fresh sequences that training never saw.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from lstmkit.data.problems import echo
from lstmkit.errors import check_positive_int
from lstmkit.models.registry import build
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, predict_batches, threads_for, torch_threads, train


def run_echo(
    length: int = 5,
    n_features: int = 10,
    out_index: int = 2,
    hidden_size: int = 32,
    n_train: int = 10_000,
    n_test: int = 1000,
    epochs: int = 200,
    seed: int | None = 0,
    progress: bool = False,
) -> dict:
    """Train on ``n_train`` fresh sequences until a fresh validation set is 100% right."""
    for name, value in (("hidden_size", hidden_size), ("n_train", n_train), ("n_test", n_test),
                        ("epochs", epochs)):
        check_positive_int(name, value)
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = (torch.from_numpy(a) for a in echo(n_train, length, n_features, out_index, rng))
    x_val, y_val = (torch.from_numpy(a) for a in echo(1000, length, n_features, out_index, rng))
    x_test, y_test = echo(n_test, length, n_features, out_index, rng)

    def stop_when_perfect(record: dict) -> bool:
        record["val_accuracy"] = float((predict_batches(module, x_val).argmax(1) == y_val).float().mean())
        return record["val_accuracy"] == 1.0

    config = TrainConfig(epochs=epochs, batch_size=64, lr=1e-2, clip=1.0)
    with seeded(seed):
        module = build("vanilla", n_features=n_features, n_outputs=n_features,
                       hidden_size=hidden_size)
        start = time.perf_counter()
        with torch_threads(threads_for(module, config.batch_size)):
            history = train(module, torch.nn.functional.cross_entropy, x, y, config, seed=seed,
                            progress=progress, description="echo", on_epoch=stop_when_perfect)
        train_seconds = time.perf_counter() - start
    predicted = predict_batches(module, torch.from_numpy(x_test)).argmax(1).numpy()
    chance = 1.0 / n_features
    return {
        "task": "echo",
        "config": {"length": length, "n_features": n_features, "out_index": out_index,
                   "hidden_size": hidden_size, "seed": seed},
        "metrics": {
            "lstm": {"accuracy": float(np.mean(predicted == y_test)), "epochs": len(history),
                     "samples_seen": len(history) * n_train},
            "chance": {"accuracy": chance},
        },
        "timings": {"train": train_seconds},
    }
