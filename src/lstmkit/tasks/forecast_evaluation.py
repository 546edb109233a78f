"""``score`` (scikit-learn's) and ``cross_validation`` (Nixtla's), shared by ``Forecaster`` and
``GlobalForecaster``.

``score(y)`` follows scikit-learn: greater is better, so it is the *negative* MASE (by default)
of the forecasts of the ``len(y)`` values right after the training series; ``y`` holds those
values (the held-out continuation). That is what ``cross_val_score`` and ``GridSearchCV`` with
``TimeSeriesSplit`` hand a forecaster: ``fit(X[train])`` gets a fold's first part and
``score(X[test])`` the values that follow it::

    >>> from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
    >>> cross_val_score(Forecaster(random_state=0), y, cv=TimeSeriesSplit(3))  # y: 1-D series
    >>> GridSearchCV(Forecaster(), {"lookback": [6, 12]}, cv=TimeSeriesSplit(3)).fit(y).best_params_

MASE divides the mean absolute error by the training series' mean absolute seasonal
difference (``conformal.series_scale``: lag 1 for short series), so folds of different levels
average fairly. Many series: ``y`` is a long frame (or a list) of the values after each
training series, the metric is computed per series and averaged over the series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmkit.conformal import series_scale
from lstmkit.data.panel import as_panel
from lstmkit.data.series import as_series
from lstmkit.errors import InputError, check_choice, check_fitted

METRICS = ("mase", "mae", "rmse", "smape")


class ForecastEvaluation:
    """``score`` and ``cross_validation`` for a forecaster with ``fit``, ``predict`` and ``alias``."""

    def score(self, y, X=None, metric: str = "mase", **predict_params) -> float:
        """Minus ``metric`` ("mase", "mae", "rmse" or "smape") of the forecasts of ``y``, the values
        right after the training series (greater is better, as scikit-learn's ``score``).

        One series: ``y`` a Series, 1-D (or one-column) array or list; dates, when both have
        them, must be the forecast dates. Many series: a long frame with the training columns
        (or a list) holding, for any of the training series, the values after its end.
        ``X``: the covariates over those values (a model fitted with ``X``: ``predict``'s
        ``X_future``; scikit-learn's second argument, None for a plain series);
        ``predict_params`` go to ``predict`` (e.g. ``futr_df=`` for many series)."""
        check_fitted(self, "modules_", "fit(y)")
        metric = check_choice("metric", metric, METRICS)
        if X is not None:
            predict_params = {**predict_params, "X_future": X}
        model = getattr(self, "global_", None) or self
        panel = getattr(model, "state_", None) and model.state_.panel
        if panel is None and getattr(self, "y_", None) is None:
            raise InputError("score needs the training series, and this model was trained from a Parquet "
                             "file: compare predict(h, y=...) with the values instead")
        if panel is None or panel.form == "series":  # one series
            train = self.y_ if panel is None else pd.Series(panel.values[0], index=panel.indexes[0])
            return -_one_series(self, y, metric, train, self.season_ or 1, predict_params)
        if panel.form == "wide":
            raise InputError("score takes one series or many; a model of several targets (a wide frame) "
                             "has no single score: compare predict(h) with each target's values")
        return -_many_series(self, model, y, metric, panel, predict_params)

    def cross_validation(self, df, h: int, n_windows: int = 1, step_size: int | None = None,
                         refit: bool | int = True, level=None, id_col: str = "unique_id",
                         time_col: str = "ds", target_col: str = "y") -> pd.DataFrame:
        """Forecasts of ``n_windows`` windows of ``h`` values at the end of every series, as
        Nixtla's ``cross_validation`` (see ``lstmkit.cross_validation``); this model is not
        changed (clones are fitted). Returns ``unique_id, ds, cutoff, y, <alias>`` (and
        ``<alias>-lo-80``... with ``level``)."""
        from lstmkit.cross_validation import cross_validation

        return cross_validation(self, df, h, n_windows, step_size, refit, level, id_col, time_col, target_col)


def _one_series(est, y, metric: str, train: pd.Series, season: int, predict_params: dict) -> float:
    actual = as_series(y, "y")
    forecast = est.predict(len(actual), **predict_params)
    if isinstance(forecast, pd.DataFrame):  # (intervals asked for: the point forecast)
        forecast = forecast["forecast"]
    dated = isinstance(actual.index, pd.DatetimeIndex) and isinstance(forecast.index, pd.DatetimeIndex)
    if dated and not _same_times(actual.index, forecast.index):
        raise InputError(f"y must be the values right after the training series (from "
                         f"{_shown(forecast.index[0])}); received values from {_shown(actual.index[0])}")
    return _error(metric, actual.to_numpy(), forecast.to_numpy(dtype=np.float64), train.to_numpy(), season)


def _many_series(est, model, y, metric: str, panel, predict_params: dict) -> float:
    given = as_panel(y, model.state_.columns)
    place = {uid: k for k, uid in enumerate(panel.ids)}
    unknown = [uid for uid in given.ids if uid not in place]
    if unknown:
        raise InputError(f"y holds series {unknown[:3]!r} that the model was not trained on; score takes the "
                         "values after the training series")
    h = max(len(v) for v in given.values)
    out = est.predict(h, **predict_params)
    n = len(panel.ids)
    if isinstance(out, pd.DataFrame):
        forecasts = out[model.alias].to_numpy(dtype=np.float64).reshape(n, h)
        times = out[model.state_.columns[1]].to_numpy().reshape(n, h)
    else:
        forecasts, times = np.stack([np.asarray(f, dtype=np.float64) for f in out]), None
    errors = []
    for uid, values, index in zip(given.ids, given.values, given.indexes):
        k = place[uid]
        if times is not None and not _same_times(index, pd.Index(times[k][: len(values)])):
            raise InputError(f"y must hold the values right after each training series; series {uid!r} "
                             f"starts at {_shown(index[0])}, its forecasts at {_shown(times[k][0])}")
        errors.append(_error(metric, values, forecasts[k][: len(values)], panel.values[k],
                             model.state_.season or 1))
    return float(np.mean(errors))


def _shown(when) -> str:
    """A time as a person writes it: 2004-08-01 (a date at midnight), else as pandas shows it."""
    if isinstance(when, (np.datetime64, pd.Timestamp)):
        when = pd.Timestamp(when)
        return str(when.date()) if when == when.normalize() else str(when)
    return repr(when)


def _same_times(a: pd.Index, b: pd.Index) -> bool:
    if isinstance(a, pd.DatetimeIndex) and isinstance(b, pd.DatetimeIndex):
        return len(a) == len(b) and bool((a.as_unit("ns") == b.as_unit("ns")).all())
    return len(a) == len(b) and bool((np.asarray(a) == np.asarray(b)).all())


def _error(metric: str, actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, season: int) -> float:
    err = actual - forecast
    if metric == "mase":
        return float(np.mean(np.abs(err)) / series_scale(train, season))
    if metric == "mae":
        return float(np.mean(np.abs(err)))
    if metric == "rmse":
        return float(np.sqrt(np.mean(err**2)))
    from lstmkit.metrics import smape

    return smape(actual, forecast)
