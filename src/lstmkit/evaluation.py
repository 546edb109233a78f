"""Model-vs-baselines evaluation of forecasters on a chronological train/test split, the
coverage of prediction intervals, and the refit on a whole series. Rolling-origin windows in
Nixtla's form: ``cross_validation`` (``lstmkit/cross_validation.py``, re-exported here)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone

from lstmkit.cross_validation import cross_validation
from lstmkit.data.series import as_series, season_length
from lstmkit.errors import InputError, check_positive_int
from lstmkit.metrics import forecast_metrics
from lstmkit.tasks.forecast_settings import MAX_HORIZON
from lstmkit.training import interrupted, interrupts, one_fit

__all__ = ["cross_validation", "evaluate_classifiers", "evaluate_forecasters", "interval_coverage",
           "metrics_frame", "refit"]


@one_fit
def evaluate_forecasters(models: dict, y, n_train: int, horizon: int | None = None,
                         season: int | None = None) -> dict:
    """Fit every model on ``y[:n_train]`` and score it on ``y[n_train:]`` two ways.

    ``one_step``: rolling one-step forecasts over the whole test part (each from the actual
    values before it; the model is not refit). ``multi_step``: one forecast of the first
    ``horizon`` test values (default: all of them) from the end of the training part.
    The test part never reaches ``fit``. Returns ``{"metrics", "timings", "forecasts"}``:
    metrics[model]["one_step" | "multi_step"][rmse | mae | smape | mase].
    """
    series = as_series(y, "y")
    n_train = check_positive_int("n_train", n_train)
    n_test = len(series) - n_train
    if n_test < 1:
        raise InputError(f"n_train must be below the series length {len(series)}; received {n_train}")
    horizon = n_test if horizon is None else check_positive_int("horizon", horizon)
    if horizon > n_test:
        raise InputError(
            f"horizon must be at most the {n_test} test values; received {horizon} "
            "(use a larger --test-size or a smaller --horizon)"
        )
    if horizon > MAX_HORIZON:  # (checked here, before any fit, not by predict after training)
        raise InputError(f"horizon must be at most {MAX_HORIZON} steps; received {horizon} (the whole "
                         "test part by default: use a smaller --test-size or --horizon)")
    season = season or season_length(series.index) or 1
    train, test = series.iloc[:n_train], series.iloc[n_train:]
    metrics, timings, forecasts, fitted = {}, {}, {}, {}
    for name, model in models.items():
        model = fitted[name] = clone(model)
        start = time.perf_counter()
        model.fit(train)
        if interrupted():  # Ctrl-C: a half-trained model's scores would mislead
            raise KeyboardInterrupt
        one_step = model.backtest(series, start=n_train, h=1)
        multi_step = model.predict(horizon)
        timings[name] = time.perf_counter() - start
        metrics[name] = {
            "one_step": forecast_metrics(test, one_step, train, season),
            "multi_step": forecast_metrics(test.iloc[:horizon], multi_step, train, season),
        }
        forecasts[name] = {"one_step": one_step, "multi_step": multi_step}
    return {"metrics": metrics, "timings": timings, "forecasts": forecasts,
            "split": {"train": train, "test": test}, "fitted": fitted}


def interval_coverage(actual, bands: pd.DataFrame, levels) -> dict[str, float]:
    """Share of ``actual`` values inside each prediction interval, both bounds included.

    ``bands``: a frame with ``lo-L`` and ``hi-L`` columns for every level ``L`` of ``levels``
    (as ``Forecaster.predict(h, level=levels)`` returns for one series), or Nixtla's
    ``<alias>-lo-L``/``<alias>-hi-L`` (a long frame's), one row per value of ``actual``.
    Returns ``{"coverage_L": share}`` in the order of ``levels`` (e.g. ``coverage_80``).
    """
    actual = np.asarray(actual)
    coverage = {}
    for lv in levels:
        lo, hi = (_bound(bands, f"{side}-{lv:g}") for side in ("lo", "hi"))
        inside = (actual >= lo) & (actual <= hi)
        coverage[f"coverage_{lv:g}"] = float(inside.mean())
    return coverage


def _bound(bands: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` (``lo-80``) of ``bands``, or the one Nixtla column ending in ``-lo-80``."""
    if name in bands.columns:
        return bands[name].to_numpy()
    found = [c for c in bands.columns if str(c).endswith(f"-{name}")]
    if len(found) != 1:
        raise InputError(f"bands must have one {name!r} column (or '<alias>-{name}'); received columns "
                         f"{list(bands.columns)[:8]}")
    return bands[found[0]].to_numpy()


def refit(model, y):
    """A new estimator with ``model``'s parameters, fitted on the whole of ``y`` (``model`` is
    left as it was). Raises ``KeyboardInterrupt`` if Ctrl-C cut this fit short, so that no
    forecast comes from a half-trained model."""
    before = interrupts()
    fitted = type(model)(**model.get_params()).fit(y)
    if interrupts() != before:
        raise KeyboardInterrupt
    return fitted


def metrics_frame(metrics: dict) -> pd.DataFrame:
    """metrics[model][kind][metric] -> a DataFrame with (kind, metric) columns, one row per model."""
    rows = {model: {(kind, m): v for kind, values in kinds.items() for m, v in values.items()}
            for model, kinds in metrics.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


@one_fit
def evaluate_classifiers(models: dict, X_train, y_train, X_test, y_test) -> dict:
    """Fit every model on the training split, score accuracy and macro-F1 on the test split.

    Returns ``{"metrics": {model: {"accuracy", "macro_f1"}}, "timings", "predictions", "fitted"}``
    (``fitted``: the fitted clones, by name).
    """
    from sklearn.metrics import accuracy_score, f1_score

    metrics, timings, predictions, fitted = {}, {}, {}, {}
    y_test = np.asarray(y_test)
    for name, model in models.items():
        model = fitted[name] = clone(model)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        if interrupted():  # Ctrl-C: a half-trained model's scores would mislead
            raise KeyboardInterrupt
        predicted = model.predict(X_test)
        timings[name] = time.perf_counter() - start
        metrics[name] = {"accuracy": float(accuracy_score(y_test, predicted)),
                         "macro_f1": float(f1_score(y_test, predicted, average="macro"))}
        predictions[name] = predicted
    return {"metrics": metrics, "timings": timings, "predictions": predictions, "fitted": fitted}
