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
from lstmkit.data.panel import Panel, as_panel, forecasts_out, is_panel, target_column
from lstmkit.errors import InputError, InputTypeError, check_fitted
from lstmkit.persistence import Persistable, estimator_class, jsonable, on_this_machine
from lstmkit.tasks._base import Choice, Int, check_params
from lstmkit.tasks.forecast_settings import check_alias
from lstmkit.training import interrupted, one_fit


class EnsembleForecaster(Persistable, BaseEstimator):
    """Forecasters fitted on the same data, combined step by step (see the module's text).

    Parameters: ``members`` (unfitted forecasters, cloned by fit), ``combine`` ("median" or
    "mean"), ``n_jobs`` (members fitted at once, in worker processes), ``conformal_windows``
    and ``conformal_horizon`` (many series: intervals from refits of the whole ensemble).

    Attributes after fit: ``members_`` (the fitted clones), ``panel_`` (the training series,
    many series only), ``conformal_scores_``. ``save``/``lstmkit.load`` keep every member.
    """

    _parameter_constraints = {"combine": Choice(("median", "mean")), "n_jobs": Int(),
                              "conformal_windows": Int(minimum=0), "conformal_horizon": Int(none=True)}

    def __init__(self, members=None, combine: str = "median", n_jobs: int = 1, conformal_windows: int = 0,
                 conformal_horizon: int | None = None, alias: str = "lstmkit"):
        self.members = members
        self.combine = combine
        self.n_jobs = n_jobs
        self.conformal_windows = conformal_windows
        self.conformal_horizon = conformal_horizon
        self.alias = alias

    @one_fit
    def fit(self, y, **fit_params) -> EnsembleForecaster:
        """Fit a clone of every member on ``y`` (any form the members accept)."""
        if not self.members or isinstance(self.members, (str, dict)):
            raise InputError(f"members must be a non-empty list of forecasters; received {self.members!r}")
        for k, m in enumerate(self.members):
            if not (hasattr(m, "fit") and hasattr(m, "predict") and hasattr(m, "get_params")):
                raise InputTypeError(f"members[{k}] must be a forecaster (with fit, predict and get_params); "
                                     f"received {type(m).__name__}")
        check_params(self)
        check_alias(self.alias)
        n_jobs, windows = int(self.n_jobs), int(self.conformal_windows)
        for m in self.members:
            if hasattr(m, "_check_params"):
                m._check_params()  # bad settings fail here, before any training
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
        self.season_ = None
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

        ``level`` (with ``conformal_windows``): add interval bounds ``lstmkit-lo-80``, ... (a long
        frame gains columns; a list becomes one DataFrame per series). The forecast column of a
        long frame is named by ``alias`` (Nixtla's names, as ``GlobalForecaster.predict``).
        """
        check_fitted(self, "members_", "fit(y)")
        preds = [m.predict(h, **kwargs) for m in self.members_]
        if level is not None:
            return self._with_intervals(preds, h, level, kwargs.get("y"))
        first = preds[0]
        if isinstance(first, pd.DataFrame):  # a long frame: each member's column is its alias
            names = [_point(m, p) for m, p in zip(self.members_, preds)]
            out = first.drop(columns=names[0])
            out.insert(2, self.alias, self._combine([p[c].to_numpy() for p, c in zip(preds, names)]))
            return out
        if isinstance(first, pd.Series):
            return pd.Series(self._combine([p.to_numpy() for p in preds]), index=first.index, name=first.name)
        stacked = self._combine([np.stack(p) if isinstance(p, list) else np.asarray(p) for p in preds])
        return list(stacked) if isinstance(first, list) else stacked

    def _with_intervals(self, preds: list, h: int, level, y):
        levels = check_levels(level, self.conformal_scores_, h)
        panel = self.panel_ if y is None else as_panel(y, self.panel_.columns)
        n = len(panel.ids)
        arrays = [p[_point(m, p)].to_numpy().reshape(n, h) if isinstance(p, pd.DataFrame) else np.stack(p)
                  for m, p in zip(self.members_, preds)]
        forecasts = self._combine(arrays)
        scales = np.array([series_scale(v, self.season_) for v in panel.values])
        bounds = interval_columns(forecasts, scales, self.conformal_scores_, levels)
        return forecasts_out(panel, forecasts, bounds, self.alias)

    def _combine(self, arrays: list[np.ndarray]) -> np.ndarray:
        stack = np.stack(arrays)
        return np.median(stack, axis=0) if self.combine == "median" else stack.mean(axis=0)


    # ------------------------------------------------------------------ persistence hooks
    def _params_to_json(self) -> dict:
        """Parameters as JSON: each member as its estimator's name and parameters."""
        return jsonable({**self.get_params(deep=False), "members": _specs(self.members or [], "members")})

    @classmethod
    def _params_from_json(cls, params: dict) -> dict:
        return {**params, "members": [_member(spec) for spec in params.get("members") or []]}

    def _fitted_modules(self) -> list:
        return [net for m in self.members_ for net in m._fitted_modules()]

    def _get_state(self) -> dict:
        panel = None if self.panel_ is None else {"panel": self.panel_.to_dict(),
                                                  "values": [v.tolist() for v in self.panel_.values]}
        members = [{**spec, "state": m._get_state(), "n_networks": len(m._fitted_modules())}
                   for spec, m in zip(_specs(self.members_, "members_"), self.members_)]
        scores = None if self.conformal_scores_ is None else self.conformal_scores_.tolist()
        return {"members": members, "panel": panel, "season": self.season_, "conformal_scores": scores}

    def _set_state(self, state: dict) -> None:
        self.members_, self._n_networks = [], []
        for spec in state["members"]:
            member = _member(spec)
            member._set_state(spec["state"])
            self.members_.append(member)
            self._n_networks.append(int(spec["n_networks"]))
        panel = state["panel"]
        self.panel_ = None if panel is None else Panel.from_dict(
            panel["panel"], [np.asarray(v, dtype=np.float64) for v in panel["values"]])
        self.season_ = state["season"]
        scores = state["conformal_scores"]
        self.conformal_scores_ = None if scores is None else np.asarray(scores, dtype=np.float64)

    def _fresh_modules(self) -> list:
        return [net for m in self.members_ for net in m._fresh_modules()]

    def _set_modules(self, modules: list) -> None:
        start = 0
        for member, n in zip(self.members_, self._n_networks):
            member._set_modules(modules[start : start + n])
            start += n


def _specs(members: list, name: str) -> list[dict]:
    """Each member as its estimator's name and parameters (JSON), or an error naming the first
    member that cannot be saved."""
    for k, m in enumerate(members):
        if not isinstance(m, Persistable):
            raise InputError(f"{name}[{k}] is a {type(m).__name__}, which cannot be saved; an "
                             "EnsembleForecaster saves when every member is an lstmkit estimator")
    return [{"estimator": type(m).__name__, "params": jsonable(m.get_params(deep=False))} for m in members]


def _member(spec: dict):
    """An (unfitted) member from its saved name and parameters."""
    if not isinstance(spec, dict) or not isinstance(spec.get("params"), dict):
        raise InputError(f"an ensemble member must be saved as its estimator and params; received {spec!r}")
    return estimator_class(spec.get("estimator"))(**on_this_machine(spec["params"]))


def _member_params(fit_params: dict, k: int) -> dict:
    """Member ``k``'s fit arguments: its checkpoints go to ``checkpoint_dir/member-k``."""
    folder = fit_params.get("checkpoint_dir")
    return fit_params if folder is None else fit_params | {"checkpoint_dir": Path(folder) / f"member-{k}"}


def _fit(model, y, fit_params):
    return model.fit(y, **fit_params)


def _columns(fit_params: dict) -> tuple[str, str, str]:
    return (fit_params.get("id_col", "unique_id"), fit_params.get("time_col", "ds"),
            target_column(fit_params.get("value_col", "y"), fit_params.get("target_col")))


def _point(member, frame: pd.DataFrame) -> str:
    """The point-forecast column of a member's long frame: its alias (lstmkit's third column)."""
    alias = getattr(member, "alias", None)
    return alias if alias in frame.columns else frame.columns[2]
