"""Covariates earn their place on a validation window (``select_covariates=True``).

A network that reads covariates has more to fit than one that reads the series alone, and
on a short series it can do worse with them (BENCHMARKS.md, "Covariates"). So before the
real fit, ``GlobalForecaster.fit`` fits the same settings twice on every series cut
``horizon`` values before its end, once with the covariates and once without, forecasts
the cut values (given the future covariates' values there, as ``predict`` will be) and
scores both by mean MASE. The covariates are kept when they score lower. When they are
not, the model is fitted without them, a ``UserWarning`` says so with both scores, and
``covariate_selection_`` records it; ``predict`` still takes (and checks) ``futr_df``.
Nothing is chosen on values that ``fit`` did not get.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lstmkit.conformal import series_scale
from lstmkit.errors import InputError


def cut(frame: pd.DataFrame, id_col: str, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every series but its last ``h`` rows, those rows), in the frame's order of rows."""
    position = frame.groupby(id_col, sort=False).cumcount(ascending=False)
    return frame[position >= h], frame[position < h]


def choose(est, y, columns: tuple[str, str, str], covariates: dict, futr: list[str] = (),
           derived: list[str] = ()) -> dict:
    """Fit ``est``'s settings with and without ``covariates`` (the keyword arguments of
    ``fit``) on ``y`` cut before its end; returns the record of ``covariate_selection_``:
    ``kept``, and the two validation scores (``mase_with``, ``mase_without``) or the
    ``reason`` no comparison was made. ``futr``: the futr columns of ``y``, of which
    ``derived`` ones (calendar, holidays) ``fit`` derives again from the dates.

    An indicator (two values) among ``futr`` that stays at its usual value over every
    series' validation window (no holiday, no promotion there) cannot show its effect
    there: the covariates are then kept unjudged (``reason`` says which)."""
    id_col, time_col, value_col = columns
    h = est._horizon() if est.strategy != "recursive" else est._calibration_horizon(1, est.season or 1)
    if not isinstance(y, pd.DataFrame):
        return {"kept": True, "reason": "the series are not a long DataFrame"}
    train, held = cut(y.sort_values([id_col, time_col], kind="stable"), id_col, h)
    for col in futr:
        usual = train[col].mode()
        if train[col].nunique() == 2 and len(usual) == 1 and (held[col] == usual[0]).all():
            return {"kept": True, "reason": f"covariate {col!r} stays at its usual value {usual[0]:g} over "
                    f"the validation window (the last {h} training values), which cannot show its effect"}
    train, held = (part[[c for c in part.columns if c not in derived]] for part in (train, held))
    settings = {**est.get_params(), "select_covariates": False, "conformal_windows": 0, "verbose": False}
    where = {"id_col": id_col, "time_col": time_col, "value_col": value_col}
    known = [c for c in (covariates.get("futr_exog") or []) if c in held.columns]
    try:
        with_them = type(est)(**settings).fit(train, **where, **covariates)
        forecast_with = with_them.predict(h, futr_df=held[[id_col, time_col, *known]] if known else None)
        without = type(est)(**settings).fit(train[[id_col, time_col, value_col]], **where)
        forecast_without = without.predict(h)
    except InputError as error:  # a series too short to cut: no comparison, covariates kept
        return {"kept": True, "reason": f"no validation window: {error}"}
    season = with_them.season_ or 1
    scores = [float(np.mean([e.mean() for e in scaled_errors(train, held, f, columns, season)]))
              for f in (forecast_with, forecast_without)]
    return {"kept": bool(scores[0] < scores[1]), "mase_with": scores[0], "mase_without": scores[1],
            "horizon": h}


def scaled_errors(train: pd.DataFrame, held: pd.DataFrame, forecast: pd.DataFrame, columns,
                  season: int) -> list[np.ndarray]:
    """Each held-out series' absolute forecast errors over its scale (``conformal.series_scale``
    of its training values: MASE's, with a fallback for constant series), in ``held``'s order."""
    id_col, _, value_col = columns
    past = {uid: part[value_col].to_numpy(dtype=np.float64)
            for uid, part in train.groupby(id_col, sort=False)}
    mine = {uid: part.iloc[:, 2].to_numpy() for uid, part in forecast.groupby(id_col, sort=False)}  # alias
    return [np.abs(actual[value_col].to_numpy(dtype=np.float64) - mine[uid]) / series_scale(past[uid], season)
            for uid, actual in held.groupby(id_col, sort=False)]


def warn_dropped(record: dict, names: list[str]) -> None:
    warnings.warn(
        f"the covariates {names} did not help on the validation window (the last {record['horizon']} "
        f"training values of each series: MASE {record['mase_with']:.3f} with them, "
        f"{record['mase_without']:.3f} without), so this model forecasts without them; pass "
        "select_covariates=False to keep them", UserWarning, stacklevel=5)  # (the caller of fit)
