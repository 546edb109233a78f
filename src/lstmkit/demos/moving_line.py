"""The moving-line problem: a CNN-LSTM watches a short video and says which way a line moves.

A small CNN turns every frame into features (where the line is), an LSTM reads them in
order (which way it went). Every epoch trains on ``n_train`` fresh videos; training stops
as soon as a separate fresh validation set is classified perfectly, and the score is
accuracy on ``n_test`` further fresh videos, next to the majority-class baseline.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from lstmkit.data.problems.moving_line import moving_line
from lstmkit.demos._common import fit_until
from lstmkit.errors import InputError, check_positive_int
from lstmkit.models.registry import build
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, predict_batches

DIRECTIONS = ("left to right", "right to left")  # label 0, label 1
_BATCH = 100  # videos per prediction batch: 1,000 frames, cache-friendly on CPU


def run_moving_line(
    n_frames: int = 10,
    size: int = 50,
    hidden_size: int = 32,
    epochs: int = 20,
    n_train: int = 1000,
    n_test: int = 1000,
    lr: float = 5e-3,
    seed: int | None = 0,
    progress: bool = False,
    plot: str | None = None,
) -> dict:
    """Train on ``n_train`` fresh videos per epoch until 1,000 fresh validation videos are all right.

    At most ``epochs`` epochs; the weights with the best validation accuracy are kept.
    ``plot`` writes a PNG of one test video's frames.
    """
    for name, value in (("hidden_size", hidden_size), ("epochs", epochs), ("n_train", n_train),
                        ("n_test", n_test)):
        check_positive_int(name, value)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise InputError(f"lr must be a number > 0; received {lr!r}")
    moving_line(1, n_frames, size)  # validates n_frames and size before any work
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = (torch.from_numpy(a) for a in moving_line(n_train, n_frames, size, rng))
    x_val, y_val = (torch.from_numpy(a) for a in moving_line(1000, n_frames, size, rng))
    x_test, y_test = moving_line(n_test, n_frames, size, rng)

    config = TrainConfig(epochs=epochs, batch_size=32, lr=lr, clip=1.0)
    with seeded(seed):
        # three stride-2 convolutions: a 50x50 frame becomes 8 x 7 x 7 = 392 features, so the
        # network stays small (about 56k weights) and an epoch takes seconds on two CPU cores
        module = build("cnn-lstm", n_features=1, n_outputs=2, hidden_size=hidden_size,
                       frame_shape=(size, size), conv_channels=8, n_conv_layers=3)
    history, train_seconds = fit_until(
        module, torch.nn.functional.cross_entropy, x, y, config,
        score=lambda m: float((predict_batches(m, x_val, _BATCH).argmax(1) == y_val).float().mean()),
        target=1.0, seed=seed, progress=progress, description="moving line",
        refresh=lambda: tuple(torch.from_numpy(a) for a in moving_line(n_train, n_frames, size, rng)),
    )
    start = time.perf_counter()
    predicted = predict_batches(module, torch.from_numpy(x_test), _BATCH).argmax(1).numpy()
    predict_seconds = time.perf_counter() - start
    majority = int(np.bincount(y.numpy(), minlength=2).argmax())  # from the last training draw
    result = {
        "task": "moving-line",
        "config": {"n_frames": n_frames, "size": size, "hidden_size": hidden_size, "epochs": epochs,
                   "n_train": n_train, "n_test": n_test, "lr": lr, "seed": seed},
        "metrics": {
            "cnn-lstm": {"accuracy": float(np.mean(predicted == y_test)), "epochs": len(history),
                         "videos_seen": len(history) * n_train},
            "majority class": {"accuracy": float(np.mean(y_test == majority))},
        },
        "timings": {"train": train_seconds, "predict": predict_seconds},
    }
    if plot:
        path = plot_video(x_test[0], int(y_test[0]), plot)
        result["files"] = {"plot": str(path)}
    return result


def plot_video(frames: np.ndarray, label: int, path):
    """A row of a video's frames (n_frames, 1, size, size), titled with its direction."""
    from lstmkit.plots import _figure, save_figure

    n_frames = len(frames)
    fig, axes = _figure(1, n_frames, figsize=(1.2 * n_frames, 1.6), squeeze=False)
    for t, ax in enumerate(axes[0]):
        ax.imshow(frames[t, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"t={t}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"moving line: {DIRECTIONS[label]} (label {label})")
    return save_figure(fig, path)
