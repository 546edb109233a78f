"""Metrics as plain functions of arrays.

sMAPE and MASE follow the M3/M4 competition definitions:
``smape = mean(200 * |y - f| / (|y| + |f|))`` and
``mase = mean|y - f| / mean|y_train[t] - y_train[t - season]|``. Where that denominator is 0
(a training series that repeats exactly at lag season) ``mase`` raises and ``forecast_metrics``
reports NaN.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error

from lstmkit.errors import InputError, check_positive_int


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise InputError(
            f"y_true and y_pred must have the same length; received {len(y_true)} and {len(y_pred)}"
        )
    if len(y_true) == 0:
        raise InputError("y_true and y_pred must not be empty")
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        _check_finite(name, values)
    return y_true, y_pred


def _check_finite(name: str, values: np.ndarray) -> None:
    """A NaN forecast must not score as perfect (sMAPE's 0/0 rule) or vanish from a mean."""
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise InputError(f"{name} must hold finite numbers; received {values[bad[0]]} at position {bad[0]}")


def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(mean_squared_error(y_true, y_pred)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(mean_absolute_error(y_true, y_pred))


def smape(y_true, y_pred) -> float:
    """Symmetric MAPE in percent (0..200), M4 definition; 0/0 terms count as 0."""
    y_true, y_pred = _pair(y_true, y_pred)
    denom = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(np.abs(y_true - y_pred), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(200.0 * ratio.mean())


def _mase_scale(y_train, season: int) -> float:
    """MASE's denominator: the in-sample seasonal-naive MAE of ``y_train`` (0 when the training
    series repeats exactly at lag ``season``)."""
    y_train = np.asarray(y_train, dtype=np.float64).reshape(-1)
    _check_finite("y_train", y_train)
    season = check_positive_int("season", season)
    if len(y_train) <= season:
        raise InputError(
            f"mase needs more than season={season} training values; received {len(y_train)}"
        )
    return float(np.mean(np.abs(y_train[season:] - y_train[:-season])))


def mase(y_true, y_pred, y_train, season: int = 1) -> float:
    """Mean absolute scaled error: MAE over the in-sample seasonal-naive MAE of ``y_train``.

    Raises ``InputError`` when that MAE is 0 (the training series repeats exactly at lag
    ``season``, a constant one included): no finite value is honest there.
    ``forecast_metrics`` reports NaN instead, beside the other metrics."""
    y_true, y_pred = _pair(y_true, y_pred)
    scale = _mase_scale(y_train, season)
    if scale == 0:
        raise InputError("mase is undefined: the training series is constant at lag season")
    return float(np.mean(np.abs(y_true - y_pred)) / scale)


def accuracy(y_true, y_pred) -> float:
    """Fraction of exactly equal labels."""
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape or len(y_true) == 0:
        raise InputError(
            f"y_true and y_pred must be equally long and non-empty; received {len(y_true)} "
            f"and {len(y_pred)}"
        )
    return float(np.mean(y_true == y_pred))


def forecast_metrics(y_true, y_pred, y_train, season: int = 1) -> dict[str, float]:
    """rmse, mae, smape and mase of one forecast, as a dict. mase is NaN where it is undefined
    (``y_train`` repeats exactly at lag ``season``: a perfectly periodic or constant series,
    whose seasonal-naive error is 0; or it is at most one season long); the CLI shows it as n/a
    (JSON null) and ranks by sMAPE."""
    found = {"rmse": rmse(y_true, y_pred), "mae": mae(y_true, y_pred), "smape": smape(y_true, y_pred)}
    short = len(np.ravel(y_train)) <= check_positive_int("season", season)  # (no seasonal difference)
    scale = 0.0 if short else _mase_scale(y_train, season)
    found["mase"] = found["mae"] / scale if scale > 0 else float("nan")
    return found


def _sequence_pairs(y_true, y_pred) -> tuple[list, list]:
    """Two equally long, non-empty lists of sequences (strings or token lists)."""
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred) or not y_true:
        raise InputError(
            f"y_true and y_pred must be equally long and non-empty; received {len(y_true)} "
            f"and {len(y_pred)}"
        )
    return y_true, y_pred


def exact_match(y_true, y_pred) -> float:
    """Fraction of output sequences (strings or token lists) that are entirely right."""
    y_true, y_pred = _sequence_pairs(y_true, y_pred)
    return float(np.mean([list(t) == list(p) for t, p in zip(y_true, y_pred)]))


def token_accuracy(y_true, y_pred) -> float:
    """Fraction of the true tokens (characters of strings, items of token lists) that the
    prediction has at the same position; a missing position counts as wrong."""
    y_true, y_pred = _sequence_pairs(y_true, y_pred)
    right = sum(sum(a == b for a, b in zip(t, p)) for t, p in zip(y_true, y_pred))
    total = sum(len(t) for t in y_true)
    return float(right / total) if total else float(all(len(p) == 0 for p in y_pred))


def bits_per_char(nll_sum: float, n_chars: int) -> float:
    """Bits per character (or token) from a summed negative log-likelihood in nats."""
    if n_chars < 1:
        raise InputError(f"n_chars must be >= 1; received {n_chars}")
    return float(nll_sum) / n_chars / float(np.log(2.0))
