"""The global recipe with covariates (``GlobalForecaster.fit(df, futr_exog=..., hist_exog=...,
static_df=...)``): the same seasonal adjustment and per-window normalisation of the target,
plus standardised covariates (``data/covariates.py``) read by a ``CovariateLSTM`` (strategies
"direct" and "recursive") or a ``CovariateSeq2Seq`` (strategy "seq2seq": the decoder reads
the future covariates step by step).

A recursive forecast takes future and static covariates only: it would need the hist
covariates of the steps it feeds back, which nobody knows (a one-line error).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmkit.data.covariates import (
    Covariates,
    add_calendar,
    aligned,
    calendar_columns,
    calendar_names,
    check_schema,
    fit_scaling,
    future_values,
    static_table,
    when,
)
from lstmkit.data.panel import Panel, is_panel, panel_freq
from lstmkit.data.parquet import is_parquet_source
from lstmkit.data.series import future_index, infer_freq
from lstmkit.errors import InputError
from lstmkit.models.registry import arch_options
from lstmkit.tasks import multivariate

ARCHS = {"vanilla": {}, "stacked": {"n_layers": 2}, "bidirectional": {"bidirectional": True}}


def check_settings(est, hist: list[str]) -> None:
    """Settings that cannot take covariates fail here, before any training."""
    if est.strategy == "recursive" and hist:
        raise InputError(f"hist_exog {hist} needs strategy='direct' or 'seq2seq': a recursive forecast feeds "
                         "its own forecasts back, and nobody knows a past covariate at those steps")
    if est.arch not in ARCHS:
        raise InputError(f"covariates work with arch {', '.join(map(repr, ARCHS))}; received {est.arch!r}")


def framed_covariates(est, y, panel: Panel, columns: tuple[str, str, str], given: dict):
    """(``y`` with its calendar columns, the covariates ``(frame, futr, hist, static_df,
    calendar names)`` or None without any): the covariate arguments of ``fit`` (``given``)
    checked against the frame and the settings, before any training."""
    names = calendar_names(given["calendar"], panel_freq(panel), given["holidays"])
    futr_exog = given["futr_exog"]
    if names:
        if not isinstance(y, pd.DataFrame):
            raise InputError("calendar features need y as a long DataFrame with dates")
        y = add_calendar(y, columns[1], names)
        futr_exog = [*(futr_exog or []), *calendar_columns(names)]
    futr, hist = check_schema(y, columns, futr_exog, given["hist_exog"], given["ignore"])
    if not (futr or hist or given["static_df"] is not None):
        return y, None
    check_settings(est, hist)
    return y, (y, futr, hist, given["static_df"], names)


def prepare(frame, panel: Panel, futr: list[str], hist: list[str], static_df,
            calendar: list[str]) -> tuple[Covariates, list]:
    """The schema and standardisation of the covariates, and each series' (length, k)
    standardised hist-then-futr values (``frame`` holds the ``calendar`` columns already)."""
    id_col, time_col, _ = panel.columns
    cov = Covariates(futr=futr, hist=hist, calendar=calendar)
    cov.static, cov.static_by_id, cov.static_mean, cov.static_std = static_table(static_df, panel.ids, id_col)
    raw = aligned(frame, panel, cov.columns, time_col, id_col) if cov.columns else [
        np.zeros((len(v), 0)) for v in panel.values]
    cov.mean, cov.std = fit_scaling(raw) if cov.columns else (np.zeros(0), np.ones(0))
    both = np.concatenate(raw) if cov.columns else np.zeros((0, 0))
    cov.relative = [bool(len(np.unique(both[:, j])) > 2) for j in range(both.shape[1])]
    return cov, [cov.scale(r) for r in raw]


HEAD_DROPOUT = 0.2  # chosen on validation windows (benchmarks/covariates.py --validate): the head reads
# horizon x n_future values and overfits short series without it (median MASE BJsales 0.97 -> 0.68,
# PromoData 1.30 -> 0.89, Seatbelts 2.48 -> 2.33, 3 seeds; 0.5 was worse)


def network(est, cov: Covariates, horizon: int) -> tuple[str, dict]:
    """The network's name and options: an encoder-decoder whose decoder reads the future
    covariates (strategy "seq2seq"), else a ``CovariateLSTM`` (horizon 1 when recursive)."""
    options = {"n_features": 2 + len(cov.columns), "n_outputs": horizon, "hidden_size": est.hidden_size,
               "n_future": len(cov.futr), "n_static": len(cov.static), "dropout": HEAD_DROPOUT}
    if est.strategy == "seq2seq":
        return "covariate-seq2seq", options
    return "covariate-lstm", {**options, **ARCHS[est.arch], **arch_options(est.arch_options)}


def flat(steps: list[np.ndarray], cov: Covariates, ids: list) -> tuple[np.ndarray, np.ndarray]:
    """The per-step covariates stacked like the flat series values, and the static rows."""
    static = cov.static_rows(ids) if cov.static else np.zeros((len(ids), 0))
    return np.concatenate(steps).reshape(-1, len(cov.columns)), static


def series_steps(frame, panel: Panel, cov: Covariates) -> list[np.ndarray]:
    """Standardised covariates of new series to forecast after (``predict(h, y=frame)``)."""
    if not cov.columns:
        return [np.zeros((len(v), 0)) for v in panel.values]
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"this model was fitted with covariates {cov.columns}: y must be a long DataFrame "
                         "with those columns")
    id_col, time_col, _ = panel.columns
    frame = add_calendar(frame, time_col, cov.calendar)
    missing = [c for c in cov.columns if c not in frame.columns]
    if missing:
        raise InputError(f"y lacks the covariate column {missing[0]!r} the model was fitted with")
    return [cov.scale(r) for r in aligned(frame, panel, cov.columns, time_col, id_col)]


def last_covariates(panel: Panel, cov: Covariates, steps: list[np.ndarray], lookback: int, horizon: int,
                    futr_df) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(past (n, lookback, k), future (n, horizon, n_futr), static (n, s), relative flags) for forecasts after
    every series' end, padded as ``last_windows`` pads the values."""
    k = len(cov.columns)
    past = np.empty((len(steps), lookback, k))
    for i, s in enumerate(steps):
        n = min(len(s), lookback)
        past[i, lookback - n :] = s[len(s) - n :]
        past[i, : lookback - n] = s[0] if len(s) else 0.0
    future = np.zeros((len(steps), horizon, len(cov.futr)))
    if cov.futr:
        common = next((f for f in map(infer_freq, panel.indexes) if f is not None), None)
        dates = [future_index(ix, horizon, common) for ix in panel.indexes]
        if cov.calendar:  # their future values come from the dates
            futr_df = _with_calendar(futr_df, panel, cov, dates)
        raw = future_values(futr_df, panel, horizon, cov, dates)
        futr_mean, futr_std = cov.mean[len(cov.hist) :], cov.std[len(cov.hist) :]
        future = np.stack([(r - futr_mean) / futr_std for r in raw])
    elif futr_df is not None:
        raise InputError("futr_df was given but this model was fitted without futr_exog")
    static = cov.static_rows(panel.ids) if cov.static else np.zeros((len(steps), 0))
    return past, future, static, cov.relative


def _with_calendar(futr_df, panel: Panel, cov: Covariates, dates: list[pd.Index]) -> pd.DataFrame:
    """``futr_df`` (or, without user futr columns, the future dates alone) with the calendar columns."""
    id_col, time_col, _ = panel.columns
    own = [c for c in cov.futr if c not in calendar_columns(cov.calendar)]
    if own and futr_df is None:
        raise InputError(f"this model was fitted with futr_exog {own}: pass their future values, "
                         f"predict(h, futr_df=...) with columns {[id_col, time_col, *own]}")
    if not own:
        ids = np.repeat(np.asarray(panel.ids, dtype=object), [len(d) for d in dates])
        futr_df = pd.DataFrame({id_col: ids, time_col: np.concatenate([np.asarray(d) for d in dates])})
    elif isinstance(futr_df, pd.DataFrame) and time_col in futr_df.columns:
        futr_df = futr_df.assign(**{time_col: pd.to_datetime(futr_df[time_col])})
    return add_calendar(futr_df, time_col, cov.calendar) if isinstance(futr_df, pd.DataFrame) else futr_df


SERIES_ID = "y"  # the id of a single series given with covariates (``Forecaster.fit(y, X=...)``)


def one_series_with_covariates(y, X, futr_exog, hist_exog, others: dict) -> bool:
    """Whether ``Forecaster.fit`` got one series with covariates (``X``, or ``calendar``);
    covariate arguments for one series without ``X`` are an error."""
    if is_panel(y) or is_parquet_source(y):
        return False
    if X is not None or others.get("calendar") or others.get("holidays") is not None:
        return True
    named = {"futr_exog": futr_exog, "hist_exog": hist_exog, **others}
    given = [k for k, v in named.items() if v is not None]
    if given:
        raise InputError(f"covariates of one series come in X (a DataFrame on y's index); received "
                         f"{', '.join(given)} without X")
    return False


def one_series_frame(y, X, futr_exog, hist_exog) -> tuple[pd.DataFrame, list, list]:
    """One series and its covariates ``X`` (a DataFrame on the series' index) as a long frame,
    and the futr and hist lists (every column of X is futr unless named otherwise)."""
    from lstmkit.data.series import as_series
    from lstmkit.errors import InputTypeError

    series = as_series(y, "y")
    X = pd.DataFrame(index=series.index) if X is None else X
    if not isinstance(X, pd.DataFrame):
        raise InputTypeError(f"X must be a DataFrame of covariates on y's index; received {type(X).__name__}")
    taken = [c for c in ("unique_id", "ds", "y") if c in X.columns]
    if taken:
        raise InputError(f"X has a column named {taken[0]!r}, a name lstmkit uses for the series; rename it")
    extra = X.index.difference(series.index)
    if len(extra):
        raise InputError(f"X has a row at {when(extra[0])}, which is not a date of y; X covers y's dates "
                         "(give the future rows to predict(h, X_future=...))")
    missing = series.index.difference(X.index)
    if len(missing):
        raise InputError(f"X has no row at {when(missing[0])}, a date of y; every value of y needs its "
                         "covariates")
    futr = list(futr_exog) if futr_exog is not None else [c for c in X.columns if c not in (hist_exog or [])]
    frame = X.loc[series.index].reset_index(drop=True).assign(unique_id=SERIES_ID, ds=series.index,
                                                              y=series.to_numpy())
    return frame, futr, list(hist_exog or [])


def long_form(y, X, futr_exog, hist_exog, others: dict, columns: tuple[str, str, str], strategy: str):
    """What ``Forecaster.fit`` got, as (y, futr_exog, hist_exog, other covariate arguments, form):
    several targets (``tasks/multivariate.py``, form "wide") or one series with covariates
    (form "series") become a long frame; anything else comes back as it is (form None)."""
    others = dict(others)
    target = others.pop("target", None)
    if multivariate.is_wide(y, target, columns):
        if strategy == "recursive":
            raise InputError("y is a wide frame (several numeric columns), read as several targets: they "
                             "need strategy='direct' or 'seq2seq' with horizon= (a long frame of many series "
                             f"has columns {list(columns)})")
        if others.get("static_df") is not None:
            raise InputError("static_df is for many series; the targets of one wide frame get their "
                             "identity from lstmkit (pass covariates in the frame, or X)")
        y, futr, hist, static = multivariate.wide_frame(y, X, target, futr_exog, hist_exog,
                                                        others.get("ignore"), columns)
        return y, futr, hist, {**others, "static_df": static}, "wide"
    if one_series_with_covariates(y, X, futr_exog, hist_exog, others):
        return (*one_series_frame(y, X, futr_exog, hist_exog), others, "series")
    return y, futr_exog, hist_exog, others, None
