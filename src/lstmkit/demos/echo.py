"""The tutorial's echo problem, trained with mini-batches instead of 10,000 single-sample fits.

A vanilla LSTM reads a one-hot sequence and names the value it saw at ``out_index``.
Every epoch draws ``n_train`` fresh sequences (as the tutorial draws a fresh one per
step, so nothing can be memorised); training stops as soon as a fresh validation set is
recalled perfectly. The score is accuracy on ``n_test`` further fresh sequences.
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
    hidden_size: int = 64,
    n_train: int = 10_000,
    n_test: int = 1000,
    epochs: int = 50,
    lr: float = 1e-2,
    seed: int | None = 0,
    progress: bool = False,
) -> dict:
    """Train on ``n_train`` fresh sequences per epoch until a validation set is 100% right.

    At most ``epochs`` epochs; the weights with the best validation accuracy are kept.
    """
    for name, value in (("hidden_size", hidden_size), ("n_train", n_train), ("n_test", n_test),
                        ("epochs", epochs)):
        check_positive_int(name, value)
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = (torch.from_numpy(a) for a in echo(n_train, length, n_features, out_index, rng))
    x_val, y_val = (torch.from_numpy(a) for a in echo(1000, length, n_features, out_index, rng))
    x_test, y_test = echo(n_test, length, n_features, out_index, rng)

    best = {"accuracy": -1.0, "state": None}

    def refresh_and_check(record: dict) -> bool:
        """After each epoch: score (and keep the best) on validation, draw fresh training data."""
        record["val_accuracy"] = float((predict_batches(module, x_val).argmax(1) == y_val).float().mean())
        if record["val_accuracy"] > best["accuracy"]:
            best["accuracy"] = record["val_accuracy"]
            best["state"] = {k: v.clone() for k, v in module.state_dict().items()}
        fresh_x, fresh_y = echo(n_train, length, n_features, out_index, rng)
        x.copy_(torch.from_numpy(fresh_x))
        y.copy_(torch.from_numpy(fresh_y))
        return record["val_accuracy"] == 1.0

    config = TrainConfig(epochs=epochs, batch_size=64, lr=lr, clip=1.0)
    with seeded(seed):
        module = build("vanilla", n_features=n_features, n_outputs=n_features,
                       hidden_size=hidden_size)
        start = time.perf_counter()
        with torch_threads(threads_for(module, config.batch_size)):
            history = train(module, torch.nn.functional.cross_entropy, x, y, config, seed=seed,
                            progress=progress, description="echo", on_epoch=refresh_and_check)
        train_seconds = time.perf_counter() - start
    module.load_state_dict(best["state"])  # the best validation accuracy, never the test set
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
