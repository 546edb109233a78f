"""An ensemble of forecasters (different seeds, lookbacks, losses, strategies) combined by median.

>>> from lstmkit import EnsembleForecaster, Forecaster
>>> e = EnsembleForecaster([Forecaster(strategy="direct", horizon=18, loss=l, lookback=k)
...                         for l in ("mae", "smape") for k in (36, 54)], n_jobs=2)
>>> e.fit(frame).predict(18)     # the same form as each member's forecasts

Members are cloned and fitted on the same data, in ``n_jobs`` worker processes; their
forecasts are combined step by step by the median (robust to one member going astray, as
N-BEATS's ensemble) or the mean. ``fit(y, checkpoint_dir=D)`` checkpoints member k in
``D/member-k`` (``resume=True`` continues each).

``conformal_windows`` (many series only): the whole ensemble is refit on the series cut
before their ends and its errors calibrate ``predict(h, level=[80, 95])`` (see
``lstmkit/conformal.py``); the calibrated horizon is ``conformal_horizon``, by default
the members' ``horizon``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from lstmkit.conformal import (
    calibration_scores,
    check_calibration_length,
    check_levels,
    interval_columns,
    series_scale,
)
from lstmkit.data.panel import as_panel, forecasts_out, is_panel
from lstmkit.errors import InputError, NotFittedError, check_choice, check_positive_int
from lstmkit.training import interrupted, one_fit


class EnsembleForecaster(BaseEstimator):
    def __init__(self, members=None, combine: str = "median", n_jobs: int = 1, conformal_windows: int = 0,
                 conformal_horizon: int | None = None):
        self.members = members
        self.combine = combine
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows
        self.conformal_horizon = conformal_horizon

    @one_fit
    def fit(self, y, **fit_params) -> EnsembleForecaster:
        """Fit a clone of every member on ``y`` (any form the members accept)."""
        if not self.members:
            raise InputError(f"members must be a non-empty list of forecasters; received {self.members!r}")
        check_choice("combine", self.combine, ("median", "mean"))
        n_jobs = check_positive_int("n_jobs", self.n_jobs)
        for m in self.members:
            if hasattr(m, "_check_params"):
                m._check_params()  # bad settings fail here, before any training
        windows = check_positive_int("conformal_windows", self.conformal_windows, minimum=0)
        if windows and not is_panel(y):
            raise InputError("conformal_windows needs many series (a list of series or a long DataFrame)")
        self.panel_ = as_panel(y, _columns(fit_params)) if is_panel(y) else None
        horizon = self.conformal_horizon or self.members[0].get_params().get("horizon")
        if windows and not horizon:
            raise InputError("conformal_horizon is needed when the members have no horizon")
        if windows:
            check_calibration_length(self.panel_.values, horizon)
        self.members_ = self._fit_members(y, fit_params, n_jobs)
        self.conformal_scores_ = None
        if windows and not interrupted():
            season = self.members[0].get_params().get("season") or self.panel_.season() or 1
            self.season_ = season

            def fit_predict(train, h):
                members = self._fit_members(train, {}, n_jobs)
                return self._combine([np.stack(m.predict(h)) for m in members])

            self.conformal_scores_ = calibration_scores(fit_predict, self.panel_.values, horizon, season,
                                                        windows)
            if interrupted():  # Ctrl-C during the calibration: no intervals
                self.conformal_scores_ = None
        return self

    def _fit_members(self, y, fit_params: dict, n_jobs: int) -> list:
        clones = [clone(m) for m in self.members]
        params = [_member_params(fit_params, k) for k in range(len(clones))]
        if n_jobs == 1:
            fitted = []
            for m, p in zip(clones, params):
                if fitted and interrupted():  # Ctrl-C: keep the members trained so far
                    break
                m.fit(y, **p)
                if fitted and interrupted() and getattr(m, "history_", None) == []:
                    break  # stopped before its first epoch ended
                fitted.append(m)
            return fitted
        from joblib import Parallel, delayed

        return Parallel(n_jobs=n_jobs)(delayed(_fit)(m, y, p) for m, p in zip(clones, params))

    def predict(self, h: int, level=None, **kwargs):
        """Every member's forecast, combined per step; the same type as a member's.

        ``level`` (with ``conformal_windows``): add interval bounds ``lo-80``, ``hi-80``, ...
        (a long frame gains columns; a list becomes one DataFrame per series).
        """
        if not hasattr(self, "members_"):
            raise NotFittedError("this EnsembleForecaster is not fitted yet; call fit(y) first")
        preds = [m.predict(h, **kwargs) for m in self.members_]
        if level is not None:
            return self._with_intervals(preds, h, level, kwargs.get("y"))
        first = preds[0]
        if isinstance(first, pd.DataFrame):
            out = first.copy()
            out["forecast"] = self._combine([p["forecast"].to_numpy() for p in preds])
            return out
        if isinstance(first, pd.Series):
            return pd.Series(self._combine([p.to_numpy() for p in preds]), index=first.index, name=first.name)
        stacked = self._combine([np.stack(p) if isinstance(p, list) else np.asarray(p) for p in preds])
        return list(stacked) if isinstance(first, list) else stacked

    def _with_intervals(self, preds: list, h: int, level, y):
        levels = check_levels(level, self.conformal_scores_, h)
        panel = self.panel_ if y is None else as_panel(y, self.panel_.columns)
        n = len(panel.ids)
        arrays = [p["forecast"].to_numpy().reshape(n, h) if isinstance(p, pd.DataFrame) else np.stack(p)
                  for p in preds]
        forecasts = self._combine(arrays)
        scales = np.array([series_scale(v, self.season_) for v in panel.values])
        bounds = interval_columns(forecasts, scales, self.conformal_scores_, levels)
        return forecasts_out(panel, forecasts, bounds)

    def _combine(self, arrays: list[np.ndarray]) -> np.ndarray:
        stack = np.stack(arrays)
        return np.median(stack, axis=0) if self.combine == "median" else stack.mean(axis=0)


def _member_params(fit_params: dict, k: int) -> dict:
    """Member ``k``'s fit arguments: its checkpoints go to ``checkpoint_dir/member-k``."""
    folder = fit_params.get("checkpoint_dir")
    return fit_params if folder is None else fit_params | {"checkpoint_dir": Path(folder) / f"member-{k}"}


def _fit(model, y, fit_params):
    return model.fit(y, **fit_params)


def _columns(fit_params: dict) -> tuple[str, str, str]:
    return (fit_params.get("id_col", "unique_id"), fit_params.get("time_col", "ds"),
            fit_params.get("value_col", "y"))
