"""Many series at once: a long DataFrame or a list of series, checked, and back again.

Two input forms give the same panel:

- a long DataFrame with one row per (series, time): columns ``unique_id``, ``ds``, ``y``
  (Nixtla's convention; the names can be changed), ``ds`` dates or consecutive integers;
- a list (or tuple) of series: pandas Series, 1-D arrays or lists of numbers, named 0, 1, ...

Forecasts go back in the same form: a long DataFrame with the future ``ds`` of every
series and Nixtla's column names (``unique_id, ds, lstmkit, lstmkit-lo-80, lstmkit-hi-80``: the
model's ``alias``), or a list of arrays (with intervals: one frame per series, the same names).
Text dates (a ``ds`` column as ``pd.read_csv`` reads it) are parsed as ``lstmkit`` reads CSV dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmkit.data.series import (
    as_series,
    dates_from_strings,
    future_index,
    infer_freq,
    same_frequency,
    season_length,
    zone_name,
)
from lstmkit.errors import InputError, InputTypeError


@dataclass
class Panel:
    ids: list  # series names, in order
    values: list[np.ndarray]  # float64 values of each series
    indexes: list[pd.Index]  # time index of each series (dates or integers)
    form: str  # "frame", "list", "series" (one series with covariates) or "wide" (several targets): how
    # forecasts are returned
    columns: tuple[str, str, str] = ("unique_id", "ds", "y")  # id, time and value columns
    order: list | None = None  # form "wide": the targets in the order of the user's columns

    def season(self) -> int | None:
        """Season length from the dates' frequency (12 monthly ...), from the first series with
        one; None without dates."""
        return next((m for m in map(season_length, self.indexes) if m is not None), None)

    def to_dict(self) -> dict:
        """JSON-safe description of the ids, indexes and form (values are stored separately)."""
        return {"ids": [_jsonable(i) for i in self.ids], "form": self.form, "columns": list(self.columns),
                "indexes": [_index_to_dict(ix) for ix in self.indexes], "order": self.order}

    @classmethod
    def from_dict(cls, data: dict, values: list[np.ndarray]) -> Panel:
        return cls(list(data["ids"]), values, [_index_from_dict(d) for d in data["indexes"]],
                   data["form"], tuple(data["columns"]), data.get("order"))


def is_panel(y) -> bool:
    """Whether ``y`` holds many series (a long DataFrame, or a list of series)."""
    if isinstance(y, pd.DataFrame):
        return y.shape[1] > 1
    if isinstance(y, (list, tuple)) and len(y) > 0:
        return all(isinstance(v, (pd.Series, np.ndarray, list, tuple)) for v in y)
    return False


def target_column(value_col: str = "y", target_col: str | None = None) -> str:
    """The value column: ``target_col`` (Nixtla's name for it) when given, else ``value_col``."""
    if target_col is None:
        return value_col
    if value_col not in ("y", target_col):
        raise InputError(f"target_col and value_col name the same column (target_col is Nixtla's name); "
                         f"received target_col={target_col!r} and value_col={value_col!r}: pass one")
    return target_col


def as_panel(y, columns: tuple[str, str, str] = ("unique_id", "ds", "y")) -> Panel:
    """Check many series (see the module docstring) and return them as a Panel."""
    panel = _from_frame(y, columns) if isinstance(y, pd.DataFrame) else _from_list(y)
    _check_frequencies(panel)
    return panel


def _from_list(y) -> Panel:
    if not isinstance(y, (list, tuple)) or not y:
        raise InputTypeError(f"y must be a series, a list of series or a long DataFrame; received "
                             f"{type(y).__name__ if not isinstance(y, (list, tuple)) else 'an empty list'}")
    series = [as_series(v, f"y[{i}]") for i, v in enumerate(y)]
    return Panel(list(range(len(series))), [s.to_numpy() for s in series], [s.index for s in series], "list")


def _from_frame(frame: pd.DataFrame, columns: tuple[str, str, str]) -> Panel:
    id_col, time_col, value_col = columns
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"y (a long DataFrame) must have columns {list(columns)}; missing {missing}, "
                         f"received columns {list(frame.columns)[:8]} (rename them or pass id_col=, "
                         "time_col=, value_col=)")
    if frame.empty:
        raise InputError("y (a long DataFrame) has no rows")
    for col in (id_col, time_col):
        blank = frame[col].isna().to_numpy()
        if blank.any():
            row = frame.index[int(np.flatnonzero(blank)[0])]
            raise InputError(f"y has a missing {col} at row {_jsonable(row)!r}; every row needs an id "
                             "and a time (drop or fill those rows first)")
    dup = frame.duplicated([id_col, time_col])
    if dup.any():
        row = frame[dup].iloc[0]
        when = row[time_col]
        when = str(when.date()) if isinstance(when, pd.Timestamp) else _jsonable(when)
        raise InputError(f"y has duplicate ({id_col}, {time_col}) pairs: series {_jsonable(row[id_col])!r} "
                         f"has {time_col} {when} more than once")
    if frame[time_col].dtype == object or pd.api.types.is_string_dtype(frame[time_col]):  # text (read_csv)
        from lstmkit.data.dates import parse_dates  # reads dates: parsed as CSV dates are

        frame = frame.assign(**{time_col: parse_dates(frame[time_col], "y (a long DataFrame): column")})
    frame = frame.sort_values([id_col, time_col], kind="stable")
    ids, values, indexes = [], [], []
    for uid, part in frame.groupby(id_col, sort=False):
        times = part[time_col]
        name = f"series {uid!r}"
        if pd.api.types.is_datetime64_any_dtype(times):
            index = pd.DatetimeIndex(times.to_numpy())
        elif pd.api.types.is_integer_dtype(times):
            steps = np.diff(times.to_numpy())
            if (steps != 1).any():
                raise InputError(f"{name} has integer {time_col} with gaps (they must be consecutive); "
                                 f"received {times.iloc[int(np.flatnonzero(steps != 1)[0]) + 1]!r} after "
                                 f"{times.iloc[int(np.flatnonzero(steps != 1)[0])]!r}")
            index = pd.RangeIndex(int(times.iloc[0]), int(times.iloc[-1]) + 1)
        else:
            raise InputTypeError(f"{time_col} must hold dates or integers; received dtype {times.dtype} "
                                 f"in {name}")
        s = as_series(pd.Series(part[value_col].to_numpy(), index=index), name)
        ids.append(_jsonable(uid))
        values.append(s.to_numpy())
        indexes.append(s.index)
    return Panel(ids, values, indexes, "frame", columns)


def _check_frequencies(panel: Panel) -> None:
    """All series must step the same way (anchors aside: month starts and ends are both
    monthly), or all be integer-indexed."""
    first = None
    for uid, index in zip(panel.ids, panel.indexes):
        kind = infer_freq(index) if isinstance(index, pd.DatetimeIndex) else "integer"
        if kind is None and len(index) >= 3:
            raise InputError(f"series {uid!r} has irregular dates; resample to a regular frequency")
        if kind is None:
            continue
        if first is None:
            first = (kind, uid)
        elif not same_frequency(first[0], kind):
            raise InputError(f"y mixes frequencies: series {first[1]!r} is {first[0]!r} and series "
                             f"{uid!r} is {kind!r}; fit one model per frequency")


def panel_freq(panel: Panel) -> str | None:
    """The panel's frequency ("integer" for integer times), from its first series with 3 dates
    or more; None where no series has that many."""
    for index in panel.indexes:
        if not isinstance(index, pd.DatetimeIndex):
            return "integer"
        freq = infer_freq(index) if len(index) >= 3 else None
        if freq is not None:
            return freq
    return None


def forecasts_out(panel: Panel, forecasts: np.ndarray, extra: dict[str, np.ndarray] | None = None,
                  alias: str = "lstmkit"):
    """(n_series, h) forecasts in the panel's form: a long DataFrame or a list of arrays.

    ``extra``: more (n_series, h) columns, e.g. interval bounds ``{"lo-80": ..., "hi-80": ...}``.
    Many series (a long frame, or with ``extra`` a list of one DataFrame per series) take
    Nixtla's names: the forecast column is ``alias``, the bounds ``alias-lo-80``... One series
    (form "series") keeps a Series named ``forecast`` (a frame ``forecast, lo-80, ...`` with
    ``extra``), as ``Forecaster`` answers for one series; several targets ("wide") ``target-lo-80``.
    """
    extra = extra or {}
    named = {f"{alias}-{k}": v for k, v in extra.items()}
    if panel.form == "list":
        if extra:
            return [pd.DataFrame({alias: f, **{k: v[i] for k, v in named.items()}})
                    for i, f in enumerate(forecasts)]
        return [np.asarray(f, dtype=np.float64) for f in forecasts]
    id_col, time_col, _ = panel.columns
    h = forecasts.shape[1]
    common = next((f for f in map(infer_freq, panel.indexes) if f is not None), None)
    times = [future_index(ix, h, common) for ix in panel.indexes]
    if panel.form == "series":  # one series: indexed by its future dates, as Forecaster answers
        if extra:
            columns = {"forecast": forecasts[0], **{k: v[0] for k, v in extra.items()}}
            return pd.DataFrame(columns, index=times[0])
        return pd.Series(forecasts[0], index=times[0], name="forecast")
    if panel.form == "wide":  # several targets of one system: one column per target (tasks/multivariate.py)
        columns, place = {}, {t: i for i, t in enumerate(panel.ids)}
        for t in panel.order or panel.ids:
            i = place[t]
            columns[t] = forecasts[i]
            columns.update({f"{t}-{k}": v[i] for k, v in extra.items()})
        return pd.DataFrame(columns, index=times[0])
    if alias in (id_col, time_col):
        raise InputError(f"alias must differ from the id and time columns {[id_col, time_col]}; received "
                         f"{alias!r}")
    return pd.DataFrame({
        id_col: np.repeat(np.asarray(panel.ids, dtype=object), h),
        time_col: np.concatenate([np.asarray(t) for t in times]),
        alias: forecasts.reshape(-1),
        **{k: v.reshape(-1) for k, v in named.items()},
    })


def _jsonable(value):
    return value.item() if isinstance(value, np.generic) else value


def _index_to_dict(index: pd.Index) -> dict:
    if isinstance(index, pd.DatetimeIndex):
        freq = infer_freq(index)
        tz = zone_name(index)
        if freq is None:
            return {"dates": [t.isoformat() for t in index], "tz": tz}
        return {"start": index[0].isoformat(), "n": len(index), "freq": freq, "tz": tz}
    return {"range": [int(index[0]), int(index[-1]) + 1]}


def _index_from_dict(data: dict) -> pd.Index:
    if "range" in data:
        return pd.RangeIndex(*data["range"])
    if "dates" in data:
        return dates_from_strings(data["dates"], data.get("tz"))
    start = dates_from_strings([data["start"]], data.get("tz"))[0]
    return pd.date_range(start, periods=data["n"], freq=data["freq"])
