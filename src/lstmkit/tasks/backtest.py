"""``Forecaster.backtest``: rolling ``h``-step-ahead forecasts of one series without refitting.

The forecast of ``y[t]`` uses only ``y[: t - h + 1]`` (the actual values up to its origin), so
one fitted model scores every origin of a test part at once. For windows of ``h`` values with
refits (one or many series, Nixtla's form) see ``lstmkit.cross_validation``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from lstmkit.data.series import as_series
from lstmkit.errors import InputError, check_positive_int
from lstmkit.tasks.pretrained_ensemble import ENSEMBLE, median


def backtest(model, y, start: int, h: int = 1) -> pd.Series:
    """``model``'s (a fitted one-series ``Forecaster``) ``h``-step forecasts of ``y[start:]``,
    named ``forecast_h{h}`` and indexed as ``y[start:]``."""
    h = check_positive_int("h", h)
    series = as_series(y, "y")
    start = check_positive_int("start", start, minimum=0)
    width = model._width
    first = width + h - 1
    if not first <= start < len(series):
        raise InputError(
            f"start must be in [{first}, {len(series) - 1}] for this model (lookback "
            f"{model.lookback_}, lag {model.scaler_.lag}, h {h}) on {len(series)} values; "
            f"received {start}"
        )
    z = model.scaler_.transform(series.to_numpy())
    origins = np.arange(start - h + 1, len(series) - h + 1)  # first value not seen
    windows = sliding_window_view(z, width)[origins - width]
    paths = model._recursive(windows, h)
    if model.pretrained == ENSEMBLE:
        paths = np.array([median(p, series[:o], h, model.season_) for p, o in zip(paths, origins)])
    return pd.Series(paths[:, -1], index=series.index[start:], name=f"forecast_h{h}")
