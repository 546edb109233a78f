"""Rolling-origin evaluation in Nixtla's form (``StatsForecast``/``NeuralForecast.cross_validation``).

>>> cv = Forecaster(random_state=0).cross_validation(y, h=12, n_windows=3)         # one series
>>> cv = Forecaster(strategy="direct", horizon=6).cross_validation(frame, h=6, n_windows=2)
>>> from utilsforecast.evaluation import evaluate; from utilsforecast.losses import mae, mase
>>> evaluate(cv.drop(columns="cutoff"), metrics=[mae])   # per series (add cutoff: per window too)

Windows: the last ``h + (n_windows - 1) * step_size`` values of every series are forecast in
``n_windows`` windows of ``h`` values; window ``w`` trains on each series up to its cutoff
(``h + (n_windows - 1 - w) * step_size`` values before the series' end, per series as
StatsForecast's) and forecasts the ``h`` values after it. ``refit``: True refits a clone of the
model for every window; False fits one on the first window's data and forecasts the later
windows from their cutoffs without refitting (``predict(h, y=...)``); an int ``k`` refits every
``k`` windows. ``level`` (percentages; the model needs ``conformal_windows``, calibrated at every
fit): interval columns too.

Returns a long frame ``unique_id, ds, cutoff, y, <alias>`` (the id, time and target columns
named as given; ``<alias>`` is the model's ``alias``, default ``lstmkit``; with ``level``:
``lstmkit-lo-80``, ``lstmkit-hi-80``...), sorted by series, cutoff and time, on which
``utilsforecast.evaluation.evaluate`` runs unchanged. One series (a Series, array or list)
gets ``unique_id`` its name (0 when it has none) and ``ds`` its index.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import clone

from lstmkit.conformal import level_values
from lstmkit.data.panel import as_panel, is_panel
from lstmkit.data.series import as_series
from lstmkit.errors import InputError, InputTypeError, check_positive_int


def cross_validation(model, df, h: int, n_windows: int = 1, step_size: int | None = None,
                     refit: bool | int = True, level=None, id_col: str = "unique_id", time_col: str = "ds",
                     target_col: str = "y") -> pd.DataFrame:
    """Forecasts of ``model`` (unfitted or fitted; clones are fitted, it is not changed) over
    ``n_windows`` windows at the end of every series of ``df`` (see the module's text)."""
    h = check_positive_int("h", h)
    n_windows = check_positive_int("n_windows", n_windows)
    step = h if step_size is None else check_positive_int("step_size", step_size)
    every = _refit_every(refit)
    levels = None if level is None else level_values(level)
    if levels is not None and not getattr(model, "conformal_windows", 0):
        raise InputError("level needs prediction intervals: give the model conformal_windows >= 1 (e.g. "
                         "Forecaster(conformal_windows=3)); each window's fit calibrates them")
    alias = getattr(model, "alias", "lstmkit")
    columns = (id_col, time_col, target_col)
    if alias in (*columns, "cutoff"):
        raise InputError(f"alias must differ from the columns {[*columns, 'cutoff']}; received {alias!r}")
    long, one = _long(df, columns)
    lengths = long.groupby(id_col, sort=False)[target_col].transform("size").to_numpy()
    rest = lengths - 1 - long.groupby(id_col, sort=False).cumcount().to_numpy()  # values after each row
    span = h + (n_windows - 1) * step
    if (lengths <= span).any():
        short = long[id_col].to_numpy()[int(np.argmin(lengths))]
        raise InputError(f"series {short!r} has {int(lengths.min())} values, too few for n_windows="
                         f"{n_windows} windows of h={h} every step_size={step}: each series needs more than "
                         f"{span}")
    fit_args = {} if one is not None else {"id_col": id_col, "time_col": time_col, "value_col": target_col}
    windows, fitted = [], None
    for w in range(n_windows):
        back = h + (n_windows - 1 - w) * step
        train = long[rest >= back]
        data = train if one is None else pd.Series(train[target_col].to_numpy(), index=pd.Index(
            train[time_col]), name=one)
        asked = {} if levels is None else {"level": levels}
        if fitted is None or (every and w % every == 0):
            fitted = clone(model).fit(data, **fit_args)
            out = fitted.predict(h, **asked)
        else:
            out = fitted.predict(h, y=data, **asked)
        actual = long[(rest < back) & (rest >= back - h)]
        cutoff = long[time_col].to_numpy()[rest == back]  # each series' last training time, in order
        windows.append(_window(actual, np.repeat(cutoff, h), out, alias, levels, columns, one is not None))
    frame = pd.concat(windows, ignore_index=True)
    return frame.sort_values([id_col, "cutoff", time_col], kind="stable").reset_index(drop=True)


def _refit_every(refit) -> int:
    """Windows between refits: 1 for True, 0 (never after the first) for False."""
    if isinstance(refit, (bool, np.bool_)):
        return int(bool(refit))
    if isinstance(refit, numbers.Integral) and refit >= 1:
        return int(refit)
    raise InputError(f"refit must be True, False or a positive int (refit every that many windows); "
                     f"received {refit!r}")


def _long(df, columns: tuple[str, str, str]) -> tuple[pd.DataFrame, object]:
    """``df`` as a sorted long frame of the three columns (dates parsed), and the one series'
    name (None for a long frame)."""
    id_col, time_col, target_col = columns
    if isinstance(df, pd.DataFrame):
        extra = [c for c in df.columns if c not in columns]
        if extra and set(columns) <= set(df.columns):
            raise InputError(f"df may hold only the columns {list(columns)} (covariates are not "
                             f"cross-validated here); received also {extra[:8]}")
        panel = as_panel(df, columns)
        one = None
    elif is_panel(df):
        raise InputTypeError("df must be a long DataFrame (unique_id, ds, y) or one series; received a "
                             "list of series: make it a long frame")
    else:
        series = as_series(df, "df")
        one = series.name if series.name is not None else 0
        panel = as_panel([series])
        panel.ids = [one]
    return pd.DataFrame({
        id_col: np.concatenate([np.repeat(np.asarray([uid], dtype=object), len(v)) for uid, v in
                                zip(panel.ids, panel.values)]),
        time_col: np.concatenate([np.asarray(ix) for ix in panel.indexes]),
        target_col: np.concatenate(panel.values),
    }), one


def _window(actual: pd.DataFrame, cutoff: np.ndarray, out, alias: str, levels, columns, one: bool):
    """One window's rows: the actual values, their cutoff and the forecasts (in the same order)."""
    id_col, time_col, target_col = columns
    if one:  # a Series "forecast" (a frame forecast, lo-80, ... with levels) on the future dates
        frame = out.to_frame("forecast") if isinstance(out, pd.Series) else out
        point = frame["forecast"]
        bounds = {f"{alias}-{c}": frame[c] for c in frame.columns if c != "forecast"}
    else:  # a long frame in the panel's order: the series sorted, h rows each
        if list(out[id_col]) != list(actual[id_col]):
            raise InputError("the model's forecasts do not follow the series' order; cross_validation needs "
                             "predict(h) to answer a long frame, h rows per series")
        point = out[alias]
        bounds = {c: out[c] for c in out.columns if c.startswith(f"{alias}-")}
    result = pd.DataFrame({id_col: actual[id_col].to_numpy(), time_col: actual[time_col].to_numpy(),
                           "cutoff": cutoff, target_col: actual[target_col].to_numpy(),
                           alias: point.to_numpy(dtype=np.float64)})
    for name, values in bounds.items():
        result[name] = values.to_numpy(dtype=np.float64)
    return result
