"""Plots. The only module that imports matplotlib; every file is written atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lstmkit.files import atomic_write, figure_formats, output_format


def _figure(nrows: int = 1, ncols: int = 1, **kwargs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, **kwargs)


def save_figure(fig, path) -> Path:
    """Write ``fig`` to ``path`` atomically (see ``lstmkit.files``), then close it: in the format
    its extension names (no extension: PNG); one matplotlib cannot write raises."""
    import matplotlib.pyplot as plt

    try:
        kind = output_format(path, "path", figure_formats())
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format=kind, dpi=110, bbox_inches="tight"))
    finally:
        plt.close(fig)


def plot_forecasts(train: pd.Series, test: pd.Series, forecasts: dict, path, title: str = "",
                   covariates: pd.DataFrame | None = None):
    """History, held-out actuals and each model's one-step and multi-step forecasts (the
    kinds the first model has), and below them the ``covariates`` (each standardised).

    forecasts: model name -> {"one_step": Series, "multi_step": Series}, optionally with
    "intervals": a DataFrame of lo-<level> / hi-<level> columns drawn as bands.
    """
    kinds = [k for k in ("one_step", "multi_step") if k in next(iter(forecasts.values()))]
    panels = len(kinds) + (covariates is not None and not covariates.empty)
    fig, axes = _figure(panels, 1, figsize=(10, 3.5 * panels), sharex=True, squeeze=False)
    axes = axes[:, 0]
    if panels > len(kinds):
        _plot_covariates(axes[-1], covariates, test.index[0])
    for ax, kind in zip(axes, kinds):
        ax.plot(train.index, train.to_numpy(), color="black", lw=1.2, label="training data")
        ax.plot(test.index, test.to_numpy(), color="black", lw=1.2, ls="--", label="held-out actuals")
        for name, f in forecasts.items():
            line = ax.plot(f[kind].index, f[kind].to_numpy(), lw=1.4, label=name)[0]
            bands = f.get("intervals") if kind == "multi_step" else None
            if bands is not None:
                levels = sorted({int(c.split("-")[1]) for c in bands.columns if c.startswith("lo-")},
                                reverse=True)
                for i, lv in enumerate(levels):
                    ax.fill_between(bands.index, bands[f"lo-{lv}"], bands[f"hi-{lv}"], alpha=0.12 + 0.1 * i,
                                    color=line.get_color(), lw=0, label=f"{name} {lv}% interval")
        ax.axvline(test.index[0], color="grey", lw=0.8)
        label = "rolling one-step forecasts" if kind == "one_step" else (
            f"{len(next(iter(forecasts.values()))[kind])}-step forecast from the end of training")
        ax.set_title(f"{title} {label}".strip(), parse_math=False)  # a "$" in a name is text
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    return save_figure(fig, path)


def _plot_covariates(ax, covariates: pd.DataFrame, split) -> None:
    spread = covariates.std(ddof=0).replace(0, 1)
    for column in covariates.columns:
        values = (covariates[column] - covariates[column].mean()) / spread[column]
        ax.plot(covariates.index, values.to_numpy(), lw=1.0, label=str(column))
    ax.axvline(split, color="grey", lw=0.8)
    ax.set_title("covariates (standardised)")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)


def plot_confusion(y_true, y_pred, labels, path, title: str = ""):
    """Confusion matrix of one classifier's test predictions (counts)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = _figure(figsize=(5, 4.5))
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, labels=labels, ax=ax, colorbar=False)
    ax.set_title(title, parse_math=False)
    return save_figure(fig, path)


def plot_history(history, path, title: str = ""):
    """Learning curves: training and validation loss per epoch (one pair per ensemble member)."""
    runs = history if history and isinstance(history[0], list) else [history]
    fig, ax = _figure(figsize=(7, 4))
    for k, run in enumerate(runs):
        epochs = [r["epoch"] for r in run]
        suffix = f" {k + 1}" if len(runs) > 1 else ""
        ax.plot(epochs, [r["loss"] for r in run], color="C0", alpha=0.8, label=f"training{suffix}")
        if "val_loss" in run[0]:
            ax.plot(epochs, [r["val_loss"] for r in run], color="C1", alpha=0.8, label=f"validation{suffix}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(f"Learning curves: {title}" if title else "Learning curves", parse_math=False)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_tuning(trials: pd.DataFrame, path, default_value: float | None = None, title: str = ""):
    """Optimisation history: each finished trial's validation score and the best so far."""
    fig, ax = _figure(figsize=(7, 4))
    done = trials.dropna(subset=["value"])
    ax.scatter(done["number"], done["value"], s=18, color="C0", label="trial")
    ax.step(done["number"], done["value"].cummin(), where="post", color="C3", label="best so far")
    pruned = trials[trials["state"] == "PRUNED"]
    if len(pruned):
        ax.scatter(pruned["number"], [done["value"].max()] * len(pruned), marker="x", color="grey",
                   label="pruned (drawn at the top)")
    if default_value is not None:
        ax.axhline(default_value, color="grey", ls="--", lw=1, label="defaults (trial 0)")
    ax.set_xlabel("trial")
    ax.set_ylabel("validation score (lower is better)")
    ax.set_title(title or "Optimisation history", parse_math=False)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
