"""Covariates of many series, checked and aligned with the series (Nixtla's names).

- ``futr_exog``: columns of the long frame known in advance (a promotion, a price, a
  holiday); the network sees them over the lookback and over the horizon, so ``predict``
  needs their future values (``futr_df``: one row per series and future date).
- ``hist_exog``: columns observed up to the forecast origin only (a leading indicator);
  the network sees them over the lookback, never at a step it forecasts.
- ``static_df``: one row per series (``id_col`` and numeric columns: a store's size, a
  category as 0/1 columns), fed to the network beside every window of that series.

Every covariate column is standardised by its mean and spread over the training rows (all
series together); the same constants are applied at prediction. A NaN, a text column, an
unknown name, a column named both past and future, a frame column neither the target nor
named (unless in ``ignore``), a missing series or date: each is a one-line error, before
any training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lstmkit.data import holiday_counts
from lstmkit.errors import InputError, InputTypeError


@dataclass
class Covariates:
    """The covariate schema of a fitted model and its standardisation constants."""

    futr: list[str] = field(default_factory=list)
    hist: list[str] = field(default_factory=list)
    static: list[str] = field(default_factory=list)
    mean: np.ndarray | None = None  # of the hist then futr columns
    std: np.ndarray | None = None
    static_by_id: dict = field(default_factory=dict)  # id -> standardised static row
    relative: list[bool] = field(default_factory=list)  # per column: more than two distinct values
    calendar: list[str] = field(default_factory=list)  # CALENDAR features (their columns are in futr)
    static_mean: np.ndarray | None = None  # what the static rows were standardised by (models since 12-04)
    static_std: np.ndarray | None = None

    @property
    def columns(self) -> list[str]:
        """The per-step columns as the network's input channels order them: hist, then futr."""
        return [*self.hist, *self.futr]

    def __bool__(self) -> bool:
        return bool(self.futr or self.hist or self.static)

    def scale(self, raw: np.ndarray) -> np.ndarray:
        return (raw - self.mean) / self.std

    def static_rows(self, ids: list) -> np.ndarray:
        """(n, n_static) standardised static values of ``ids`` (each must be known)."""
        missing = [i for i in ids if i not in self.static_by_id]
        if missing:
            raise InputError(f"static_df has no row for series {missing[0]!r}; it needs one row per series")
        return np.array([self.static_by_id[i] for i in ids], dtype=np.float64).reshape(len(ids), -1)

    def to_dict(self) -> dict:
        return {"futr": self.futr, "hist": self.hist, "static": self.static,
                "mean": self.mean.tolist(), "std": self.std.tolist(), "relative": self.relative,
                "calendar": self.calendar,
                **({"static_mean": self.static_mean.tolist(), "static_std": self.static_std.tolist()}
                   if self.static_mean is not None else {}),
                "static_ids": list(self.static_by_id), "static_rows": [list(map(float, r)) for r in
                                                                        self.static_by_id.values()]}

    @classmethod
    def from_dict(cls, data: dict) -> Covariates:
        return cls(list(data["futr"]), list(data["hist"]), list(data["static"]),
                   np.asarray(data["mean"], dtype=np.float64), np.asarray(data["std"], dtype=np.float64),
                   dict(zip(data["static_ids"], map(tuple, data["static_rows"]))), list(data["relative"]),
                   list(data.get("calendar", [])),
                   *(np.asarray(data[k], dtype=np.float64) if k in data else None
                     for k in ("static_mean", "static_std")))


def when(label) -> str:
    """A date as people write it (no 00:00:00), or any other index label as it is."""
    if isinstance(label, pd.Timestamp) and label == label.normalize():
        return str(label.date())
    return str(label)


def _names(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise InputTypeError(f"{name} must be a list of column names; received {value!r}")
    return list(value)


def check_schema(frame, columns: tuple[str, str, str], futr_exog, hist_exog, ignore) -> tuple[list, list]:
    """The futr and hist column lists, checked against the frame's columns."""
    futr, hist = _names(futr_exog, "futr_exog"), _names(hist_exog, "hist_exog")
    ignored = _names(ignore, "ignore")
    both = sorted(set(futr) & set(hist))
    if both:
        raise InputError(f"column {both[0]!r} is named in both futr_exog and hist_exog; a covariate is known "
                         "in advance (futr_exog) or observed up to today (hist_exog), not both")
    if not isinstance(frame, pd.DataFrame):
        if futr or hist:
            raise InputTypeError(f"futr_exog/hist_exog need y as a long DataFrame with those columns; "
                                 f"received {type(frame).__name__}")
        return futr, hist
    own = set(columns)
    for col in futr + hist:
        if col in own:
            raise InputError(f"covariate {col!r} is one of the id, time and value columns {list(columns)}")
        if col not in frame.columns:
            raise InputError(f"covariate {col!r} is not a column of y; its columns are "
                             f"{list(frame.columns)[:12]}")
    unnamed = [c for c in frame.columns if c not in own and c not in futr + hist + ignored]
    if unnamed:
        raise InputError(f"y has column {unnamed[0]!r}, neither the id, time or value column nor named in "
                         "futr_exog/hist_exog: name it, or pass ignore=[...] to leave it out on purpose")
    return futr, hist


def _numeric(part: pd.DataFrame, cols: list[str], where: str) -> np.ndarray:
    for col in cols:
        if not (pd.api.types.is_numeric_dtype(part[col]) or pd.api.types.is_bool_dtype(part[col])):
            raise InputTypeError(f"covariate {col!r} in {where} must be numeric (0/1 for a category); "
                                 f"received dtype {part[col].dtype}")
    values = part[cols].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise InputError(f"covariate {cols[col]!r} in {where} has a missing or infinite value at row "
                         f"{row} (fill or drop it first)")
    return values


def aligned(frame: pd.DataFrame, panel, cols: list[str], time_col: str, id_col: str,
            where: str = "y") -> list[np.ndarray]:
    """For every series of ``panel``, its (length, k) covariate values at its dates."""
    out = []
    groups = dict(tuple(frame.groupby(id_col, sort=False)))
    for uid, index in zip(panel.ids, panel.indexes):
        part = groups[uid].set_index(time_col)
        part = part[~part.index.duplicated()]
        missing = index.difference(part.index)
        if len(missing):
            raise InputError(f"{where} has no covariate row for series {uid!r} at {time_col} "
                             f"{when(missing[0])}")
        out.append(_numeric(part.loc[index], cols, f"{where} (series {uid!r})"))
    return out


def future_values(futr_df, panel, h: int, cov: Covariates, futures: list[pd.Index]) -> list[np.ndarray]:
    """For every series, its (h, n_futr) future covariate values from ``futr_df`` at the
    dates ``futures[i]`` after its end."""
    id_col, time_col, _ = panel.columns
    if futr_df is None:
        raise InputError(f"this model was fitted with futr_exog {cov.futr}: pass their future values, "
                         f"predict(h, futr_df=...) with columns {[id_col, time_col, *cov.futr]}")
    if not isinstance(futr_df, pd.DataFrame):
        raise InputTypeError(f"futr_df must be a DataFrame; received {type(futr_df).__name__}")
    missing = [c for c in (id_col, time_col, *cov.futr) if c not in futr_df.columns]
    if missing:
        raise InputError(f"futr_df lacks the column {missing[0]!r}; it needs {[id_col, time_col, *cov.futr]}")
    frame = futr_df.copy()
    if pd.api.types.is_datetime64_any_dtype(panel.indexes[0]) and not pd.api.types.is_datetime64_any_dtype(
            frame[time_col]):
        frame[time_col] = pd.to_datetime(frame[time_col])
    known = set(frame[id_col])
    for uid in panel.ids:
        if uid not in known:
            raise InputError(f"futr_df has no rows for series {uid!r}; it needs the {h} steps after every "
                             "series' end")
    fake = type(panel)(panel.ids, [np.zeros(h)] * len(panel.ids), list(futures), panel.form, panel.columns)
    return aligned(frame, fake, cov.futr, time_col, id_col, "futr_df")


def fit_scaling(per_series: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    both = np.concatenate(per_series)
    mean, std = both.mean(axis=0), both.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def static_table(static_df, ids: list, id_col: str) -> tuple[list[str], dict, np.ndarray, np.ndarray]:
    """The static columns, id -> standardised row (every training series needs one row), and
    the mean and spread they were standardised by."""
    if static_df is None:
        return [], {}, np.zeros(0), np.ones(0)
    if not isinstance(static_df, pd.DataFrame):
        raise InputTypeError(f"static_df must be a DataFrame; received {type(static_df).__name__}")
    if id_col not in static_df.columns:
        raise InputError(f"static_df lacks the id column {id_col!r}; it has {list(static_df.columns)[:8]}")
    dup = static_df[id_col].duplicated()
    if dup.any():
        raise InputError(f"static_df has more than one row for series {static_df[id_col][dup].iloc[0]!r}")
    cols = [c for c in static_df.columns if c != id_col]
    if not cols:
        raise InputError("static_df has no column besides the id column")
    table = static_df.set_index(id_col)
    missing = [i for i in ids if i not in table.index]
    if missing:
        raise InputError(f"static_df has no row for series {missing[0]!r}; it needs one row per series")
    values = _numeric(table.loc[ids].reset_index(), cols, "static_df")
    mean, std = values.mean(axis=0), np.where(values.std(axis=0) > 0, values.std(axis=0), 1.0)
    everything = _numeric(table.reset_index(), cols, "static_df")
    rows = (everything - mean) / std
    return cols, {i: tuple(map(float, r)) for i, r in zip(table.index.tolist(), rows)}, mean, std


# calendar covariates: name -> (period, position of a date within it), each as a sine and a cosine
CALENDAR = {
    "hour": (24.0, lambda d: d.hour + d.minute / 60.0),
    "dayofweek": (7.0, lambda d: d.dayofweek + (d.hour + d.minute / 60.0) / 24.0),
    "month": (12.0, lambda d: d.month - 1 + (d.day - 1) / d.days_in_month),
}


def _step(freq: str | None) -> pd.Timedelta | None:
    """The length of one step at ``freq`` (a month or a quarter: its first one's), or None."""
    try:
        two = pd.date_range("2000-01-03", periods=2, freq=freq) if freq else None
    except (TypeError, ValueError):
        two = None
    return None if two is None or len(two) < 2 else two[1] - two[0]


def calendar_names(calendar, freq: str | None, holidays=None) -> list[str]:
    """The calendar features asked for: a list of ``CALENDAR`` names, or True (by frequency:
    sub-daily data hour and day of week, daily day of week and month, weekly or monthly month);
    ``holidays`` (a country code) adds the count of public holidays (``data/holiday_counts.py``)."""
    step = _step(freq)
    extra = [holiday_counts.calendar_entry(holidays, step, freq)] if holidays is not None else []
    if calendar is None or calendar is False:
        return extra
    if calendar is True:
        if step is None:
            raise InputError(f"calendar=True needs dates with a frequency (a DatetimeIndex or dated ds); "
                             f"received {freq or 'no frequency'}")
        if step < pd.Timedelta("1D"):
            return ["hour", "dayofweek", *extra]
        return [*(["dayofweek", "month"] if step == pd.Timedelta("1D") else ["month"]), *extra]
    names = _names(calendar, "calendar")
    for name in names:
        if name not in CALENDAR:
            raise InputError(f"calendar feature {name!r} is unknown; choose from {', '.join(CALENDAR)} or "
                             "True (public holidays: holidays='US', a country code)")
    return [*names, *extra]


def calendar_columns(names: list[str]) -> list[str]:
    holiday = holiday_counts.NAME
    return [c for name in names for c in ([holiday] if name.startswith(f"{holiday}:") else
                                          [f"{name}_{part}" for part in ("sin", "cos")])]


def add_calendar(frame: pd.DataFrame, time_col: str, names: list[str]) -> pd.DataFrame:
    """``frame`` with the calendar columns of its dates (a name already taken is an error)."""
    if not names:
        return frame
    if not pd.api.types.is_datetime64_any_dtype(frame[time_col]):
        raise InputError(f"calendar features need dates in {time_col!r}; received dtype "
                         f"{frame[time_col].dtype}")
    taken = [c for c in calendar_columns(names) if c in frame.columns]
    if taken:
        raise InputError(f"column {taken[0]!r} is a calendar feature's name; rename it or leave calendar "
                         "off")
    dates = pd.DatetimeIndex(frame[time_col])
    out = frame.copy()
    for name in names:
        if name not in CALENDAR:  # a "holiday:<country>:<span>" entry
            out[holiday_counts.NAME] = holiday_counts.counts(dates, name)
            continue
        period, position = CALENDAR[name]
        angle = 2 * np.pi * np.asarray(position(dates), dtype=np.float64) / period
        out[f"{name}_sin"], out[f"{name}_cos"] = np.sin(angle), np.cos(angle)
    return out
