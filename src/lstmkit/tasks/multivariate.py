"""Several target series forecast jointly by one network (a multivariate target).

``Forecaster(strategy="direct", horizon=h).fit(wide)``: ``wide`` is a DataFrame indexed by
the dates (or with a ``ds`` column) whose columns are the target series; ``target=[...]``
picks them when the frame also holds covariates (named in ``futr_exog``/``hist_exog``, or
``ignore``; any other column is an error). ``predict(h)`` answers in the same wide form:
the future dates as index, one column per target.

How: every target becomes one series of a long frame (``unique_id`` = its column name),
scaled on its own as every series of the global recipe is (per-window normalisation), and
every target's past is a ``hist_exog`` covariate of every series, read relative to its
last value; a static one-hot column tells the network which target a window belongs to.
So each target's forecast reads the past of all of them, as a VAR's does, through one
network. ``X``: covariates of the whole system on the frame's index (known-in-advance
columns need ``X_future`` at predict, one row per future date, shared by the targets).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmkit.data.covariates import when
from lstmkit.data.series import as_series
from lstmkit.errors import InputError, InputTypeError


def is_wide(y, target, columns: tuple[str, str, str]) -> bool:
    """Whether ``y`` is a wide frame of target columns (``target`` given, or a DataFrame of
    several numeric columns, besides an optional time column, with neither the id nor the
    value column of a long frame)."""
    if target is not None:
        if not isinstance(y, pd.DataFrame):
            raise InputTypeError(f"target needs y as a wide DataFrame (one column per target series); "
                                 f"received {type(y).__name__}")
        return True
    id_col, time_col, value_col = columns
    if not isinstance(y, pd.DataFrame) or y.shape[1] < 2 or id_col in y.columns or value_col in y.columns:
        return False
    return all(pd.api.types.is_numeric_dtype(y[c]) for c in y.columns if c != time_col)


def _targets(frame: pd.DataFrame, target, named: list[str], columns: tuple[str, str, str]) -> list[str]:
    if target is None:
        targets = [c for c in frame.columns if c not in named]
    elif isinstance(target, str) or not all(isinstance(t, str) for t in target):
        raise InputTypeError(f"target must be a list of column names; received {target!r}")
    else:
        targets = list(target)
        unknown = [t for t in targets if t not in frame.columns]
        if unknown:
            raise InputError(f"target {unknown[0]!r} is not a column of y; its columns are "
                             f"{list(frame.columns)[:12]}")
        both = [t for t in targets if t in named]
        if both:
            raise InputError(f"column {both[0]!r} is named in target and as a covariate; it is one or the "
                             "other")
    if len(targets) < 2 or len(set(targets)) != len(targets):
        raise InputError(f"target must name at least two distinct columns (one series: fit(y, X=...)); "
                         f"received {targets}")
    taken = [t for t in targets if t in columns or str(t).startswith("target=")]
    if taken:
        raise InputError(f"target column {taken[0]!r} has a name lstmkit uses for the long frame; rename it")
    return targets


def wide_frame(y: pd.DataFrame, X, target, futr_exog, hist_exog, ignore,
               columns: tuple[str, str, str]) -> tuple[pd.DataFrame, list, list, pd.DataFrame]:
    """The long frame of the targets (``columns``: its id, time and value names), the futr
    and hist lists and the identity ``static_df``."""
    id_col, time_col, value_col = columns
    frame = y.set_index(time_col) if time_col in y.columns else y
    if X is not None:
        if not isinstance(X, pd.DataFrame):
            raise InputTypeError(f"X must be a DataFrame of covariates on y's index; received "
                             f"{type(X).__name__}")
        if not X.index.equals(frame.index):
            odd = X.index.symmetric_difference(frame.index)
            raise InputError(f"X and y differ at {when(odd[0]) if len(odd) else 'their order'}; X covers "
                             "y's dates exactly (give the future rows to predict(h, X_future=...))")
        clash = [c for c in X.columns if c in frame.columns]
        if clash:
            raise InputError(f"X has column {clash[0]!r}, also a column of y")
        frame = pd.concat([frame, X], axis=1)
    named = [*(futr_exog or []), *(hist_exog or []), *(ignore or [])]
    targets = _targets(frame, target, named, columns)
    unnamed = [c for c in frame.columns if c not in targets and c not in named]
    if unnamed and X is None:
        raise InputError(f"y has column {unnamed[0]!r}, not in target: name it in futr_exog/hist_exog, or "
                         "pass ignore=[...] to leave it out on purpose")
    futr = list(futr_exog) if futr_exog is not None else unnamed  # X's columns are futr unless named
    values = {t: as_series(frame[t], f"y[{t!r}]").to_numpy() for t in targets}
    rest = frame.drop(columns=targets)
    long = pd.concat([rest.reset_index(drop=True).assign(**{id_col: t, time_col: frame.index,
                                                            value_col: values[t]}, **values)
                      for t in targets], ignore_index=True)
    identity = np.eye(len(targets))
    static = pd.DataFrame({id_col: targets, **{f"target={t}": identity[i] for i, t in enumerate(targets)}})
    return long, futr, [*targets, *(hist_exog or [])], static


def wide_future(X_future, ids: list, columns: tuple[str, str, str]) -> pd.DataFrame | None:
    """``predict(h, X_future=...)`` (a DataFrame on the future dates) as ``futr_df`` for every
    series ``ids`` (one target series each, or the single series' id)."""
    if X_future is None:
        return None
    if not isinstance(X_future, pd.DataFrame):
        raise InputTypeError(f"X_future must be a DataFrame on the future dates; received "
                             f"{type(X_future).__name__}")
    one = X_future.reset_index(drop=True).assign(**{columns[1]: X_future.index})
    return pd.concat([one.assign(**{columns[0]: i}) for i in ids], ignore_index=True)



def answer_as(panel, form: str, exog: dict) -> None:
    """Forecasts of the fitted ``panel`` come back in ``form``; a wide frame keeps the targets'
    order (the identity ``static_df`` lists them in it)."""
    panel.form = form
    if form == "wide":
        panel.order = exog["static_df"][panel.columns[0]].tolist()
