"""The tutorial's echo problem, trained with mini-batches instead of 10,000 single-sample fits.

A vanilla LSTM reads a one-hot sequence and names the value it saw at ``out_index``.
Every epoch draws ``n_train`` fresh sequences (as the tutorial draws a fresh one per
step, so nothing can be memorised); training stops as soon as a fresh validation set is
recalled perfectly. The score is accuracy on ``n_test`` further fresh sequences, next to
chance and to a plain RNN trained the same way on the same data, for as many epochs as the
LSTM needed (``compare_rnn``): long memory (``length=100, out_index=0``) is where the
LSTM's gates matter.
"""

from __future__ import annotations

import numpy as np
import torch

from lstmkit.data.problems import echo
from lstmkit.demos._common import fit_until
from lstmkit.errors import check_positive_int
from lstmkit.models.registry import build
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, predict_batches


def run_echo(
    length: int = 5,
    n_features: int = 10,
    out_index: int = 2,
    hidden_size: int = 32,
    n_train: int = 2000,
    n_test: int = 1000,
    epochs: int = 300,
    lr: float = 3e-3,
    compare_rnn: bool = True,
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
    echo(1, length, n_features, out_index)  # argument errors before any work
    test_x, test_y = echo(n_test, length, n_features, out_index, np.random.default_rng([seed, 1]))
    metrics, timings = {}, {}
    max_epochs = epochs
    for arch in ("vanilla", "rnn") if compare_rnn else ("vanilla",):
        name = "lstm" if arch == "vanilla" else "plain rnn"
        rng = np.random.default_rng([seed, 2])  # both networks see the same data
        x, y = (torch.from_numpy(a) for a in echo(n_train, length, n_features, out_index, rng))
        val_x, val_y = (torch.from_numpy(a) for a in echo(2000, length, n_features, out_index, rng))
        # Chrono initialisation (Tallec & Ollivier 2018): gates that start out keeping memory
        # for about `length` steps, so the first values' gradients survive the whole sequence.
        options = {"memory_steps": length} if arch == "vanilla" else {}
        with seeded(seed):
            module = build(arch, n_features=n_features, n_outputs=n_features, hidden_size=hidden_size,
                           **options)
        history, seconds = fit_until(
            module, torch.nn.functional.cross_entropy, x, y,
            TrainConfig(epochs=max_epochs, batch_size=32, lr=lr, clip=1.0),
            score=lambda m, vx=val_x, vy=val_y: float(
                (predict_batches(m, vx).argmax(1) == vy).float().mean()),
            target=1.0, seed=seed, progress=progress, description=name,
            refresh=lambda rng=rng: tuple(torch.from_numpy(a) for a in
                                          echo(n_train, length, n_features, out_index, rng)),
        )
        predicted = predict_batches(module, torch.from_numpy(test_x)).argmax(1).numpy()
        metrics[name] = {"accuracy": float(np.mean(predicted == test_y)), "epochs": len(history),
                         "samples_seen": len(history) * n_train}
        timings["train" if arch == "vanilla" else "train_rnn"] = seconds
        max_epochs = len(history)  # the RNN gets the data budget the LSTM needed, no more
    metrics["chance"] = {"accuracy": 1.0 / n_features}
    return {
        "task": "echo",
        "config": {"length": length, "n_features": n_features, "out_index": out_index,
                   "hidden_size": hidden_size, "seed": seed},
        "metrics": metrics,
        "timings": timings,
    }
