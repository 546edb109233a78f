"""Generative LSTM draws rectangles: one (x, y) point at a time, from a start token.

Training data are fresh axis-aligned rectangles, 5 points each (4 corners, then back to
the first). The network reads the previous point (a start flag at the first step) and
predicts a Gaussian over the next one; it is trained by teacher forcing and stopped early
on the likelihood of separate fresh rectangles. It then draws ``n_samples`` shapes by
sampling every point, the first included, and feeding each sample back in. The score is
the fraction that ``is_rectangle`` accepts, next to two baselines drawn in the same run:
the same network untrained, and "independent points" (each of the 5 points copied from a
different random training rectangle, so every point alone is typical but nothing ties
them together). The std of widths and heights and the fraction of distinct shapes show
that the samples did not collapse onto one rectangle.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch

from lstmkit.data.problems.shapes import (
    ANGLE_TOLERANCE,
    CLOSURE_TOLERANCE,
    MIN_SIDE,
    is_rectangle,
    rectangles,
)
from lstmkit.errors import InputError, check_positive_int
from lstmkit.models.generative import gaussian_nll, sample
from lstmkit.models.registry import build
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, evaluate_loss, interrupts, threads_for, torch_threads, train

N_POINTS = 5  # 4 corners and the first again


def run_shapes(
    hidden_size: int = 32,
    epochs: int = 40,
    n_samples: int = 100,
    n_train: int = 2000,
    lr: float = 1e-2,
    temperature: float = 1.0,
    patience: int = 10,
    seed: int | None = 0,
    progress: bool = False,
    plot: str | None = None,
) -> dict:
    """Train on ``n_train`` fresh rectangles, draw ``n_samples`` shapes, count the rectangles.

    Two phases, at ``lr`` then at ``lr / 10``, each of at most ``epochs`` epochs and each
    stopped early (after ``patience`` epochs without improvement) on the likelihood of 500
    validation rectangles.
    """
    for name, value in (("hidden_size", hidden_size), ("epochs", epochs), ("n_samples", n_samples),
                        ("n_train", n_train)):
        check_positive_int(name, value)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise InputError(f"lr must be a number > 0; received {lr!r}")
    if not (isinstance(temperature, (int, float)) and temperature >= 0):
        raise InputError(f"temperature must be a number >= 0; received {temperature!r}")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    train_shapes, val_shapes, test_shapes = (rectangles(n, rng) for n in (n_train, 500, 1000))
    x, y = teacher_forcing(train_shapes)

    validation, history = teacher_forcing(val_shapes), []
    with seeded(seed):
        module = build("generative", n_features=3, n_outputs=4, hidden_size=hidden_size)
        untrained = copy.deepcopy(module)
        start = time.perf_counter()
        with torch_threads(threads_for(module, batch_size=64)):
            stops = interrupts()
            for phase_lr in (lr, lr / 10):  # the fine-tuning phase sharpens the copied coordinates
                if interrupts() != stops:  # Ctrl-C: no fine-tuning phase
                    break
                config = TrainConfig(epochs=epochs, batch_size=64, lr=phase_lr, clip=1.0,
                                     patience=patience)
                history += train(module, gaussian_nll, x, y, config, validation=validation, seed=seed,
                                 progress=progress, description=f"shapes (lr {phase_lr:g})")
        train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with seeded(seed):
        generated = sample_shapes(module, n_samples, temperature)
    sample_seconds = time.perf_counter() - start
    with seeded(seed):
        from_untrained = sample_shapes(untrained, n_samples, temperature)
    picks = rng.integers(0, n_train, size=(n_samples, N_POINTS))  # a random rectangle per point
    independent = train_shapes[picks, np.arange(N_POINTS)]  # (n_samples, 5, 2)

    test = teacher_forcing(test_shapes)
    metrics = {
        "lstm": {**shape_scores(generated), "test_nll": evaluate_loss(module, gaussian_nll, *test),
                 "epochs": len(history)},
        "untrained lstm": {**shape_scores(from_untrained),
                           "test_nll": evaluate_loss(untrained, gaussian_nll, *test)},
        "independent points": shape_scores(independent),
        "real rectangles": shape_scores(test_shapes[:n_samples]),
    }
    result = {
        "task": "shapes",
        "config": {"hidden_size": hidden_size, "epochs": epochs, "n_samples": n_samples,
                   "n_train": n_train, "lr": lr, "temperature": temperature, "seed": seed,
                   "angle_tolerance_degrees": ANGLE_TOLERANCE, "closure_tolerance": CLOSURE_TOLERANCE,
                   "min_side": MIN_SIDE},
        "metrics": metrics,
        "timings": {"train": train_seconds, "sample": sample_seconds},
    }
    if plot:
        result["files"] = {"plot": str(plot_shapes(generated, plot))}
    return result


def teacher_forcing(shapes: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (n, 5, 3) and targets (n, 5, 2) for shapes (n, 5, 2).

    Input t is point t-1 with a 0 flag; input 0 is the start token (0, 0, flag 1).
    """
    points = torch.from_numpy(np.ascontiguousarray(shapes, dtype=np.float32))  # (n, 5, 2)
    start = torch.zeros(len(points), 1, 3)
    start[:, :, 2] = 1.0
    previous = torch.cat([points[:, :-1], torch.zeros(len(points), N_POINTS - 1, 1)], dim=2)
    return torch.cat([start, previous], dim=1), points  # (n, 5, 3), (n, 5, 2)


@torch.inference_mode()
def sample_shapes(module: torch.nn.Module, n: int, temperature: float = 1.0) -> np.ndarray:
    """Draw ``n`` shapes (n, 5, 2) point by point, each sample fed back as the next input."""
    module.eval()
    device = next(module.parameters()).device
    x_t = torch.zeros(n, 3, device=device)
    x_t[:, 2] = 1.0  # start token
    state, points = None, []
    for _ in range(N_POINTS):
        output, state = module.step(x_t, state)  # (n, 4)
        point = sample(output, temperature)  # (n, 2)
        points.append(point)
        x_t = torch.cat([point, torch.zeros(n, 1, device=device)], dim=1)  # (n, 3)
    return torch.stack(points, dim=1).cpu().numpy()


def shape_scores(shapes: np.ndarray) -> dict:
    """Fraction of rectangles, spread of widths and heights, fraction of distinct shapes, and
    fraction lying inside the unit square (within 0.01) as all training shapes do."""
    widths = np.linalg.norm(shapes[:, 1] - shapes[:, 0], axis=1)
    heights = np.linalg.norm(shapes[:, 2] - shapes[:, 1], axis=1)
    distinct = len(np.unique(np.round(shapes.reshape(len(shapes), -1), 2), axis=0))
    return {
        "valid_fraction": float(np.mean([is_rectangle(s) for s in shapes])),
        "width_std": float(widths.std()),
        "height_std": float(heights.std()),
        "distinct_fraction": distinct / len(shapes),
        "inside_square_fraction": float(np.mean(np.all((shapes >= -0.01) & (shapes <= 1.01), axis=(1, 2)))),
    }


def plot_shapes(shapes: np.ndarray, path, columns: int = 10):
    """All shapes in a grid of unit squares; rectangles in green, the rest in red."""
    from lstmkit.plots import _figure, save_figure

    rows = -(-len(shapes) // columns)
    fig, ax = _figure(figsize=(columns * 0.9, rows * 0.9 + 0.5))
    for i, points in enumerate(shapes):
        dx, dy = (i % columns) * 1.2, -(i // columns) * 1.2
        ax.add_patch(_square(dx, dy))
        ok = is_rectangle(points)
        ax.plot(points[:, 0] + dx, points[:, 1] + dy, color="tab:green" if ok else "tab:red", lw=1.2)
        ax.plot(points[0, 0] + dx, points[0, 1] + dy, "o", color="black", ms=1.5)
    n_ok = sum(is_rectangle(p) for p in shapes)
    ax.set_title(f"{n_ok} of {len(shapes)} generated shapes are rectangles (green; red: rejected; "
                 f"dot: first point)", fontsize=9)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.axis("off")
    return save_figure(fig, path)


def _square(dx: float, dy: float):
    from matplotlib.patches import Rectangle

    return Rectangle((dx, dy), 1, 1, fill=False, edgecolor="0.85", lw=0.6)
