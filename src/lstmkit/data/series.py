"""Turn what a user passes as "a series" into checked float values and a time index."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from lstmkit.errors import InputError, InputTypeError

# Values this far from zero overflow float32 arithmetic once squared in a loss.
_MAX_ABS = 1e15
GAP_SAMPLES = 200  # (regular_dates)
MAX_FILLED_SHARE = 0.5


def as_series(y, name: str = "y", min_length: int = 1) -> pd.Series:
    """Validate one univariate series and return it as a float64 pandas Series.

    Accepts a pandas Series (its index is kept; a DatetimeIndex must be sorted, unique
    and regular), a 1-D array or a list. Raises one-line errors for non-numeric values,
    NaN/inf, absurd magnitudes, bad dates and series shorter than ``min_length``.
    """
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise InputTypeError(
                f"{name} must be one series (a Series, 1-D array or list); received a "
                f"DataFrame with {y.shape[1]} columns {list(y.columns)[:5]}"
            )
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        index = y.index
        if isinstance(index, pd.PeriodIndex):  # periods -> the timestamps they start at
            index = index.to_timestamp(how="start")
        values = y.to_numpy()
    elif isinstance(y, (np.ndarray, list, tuple)):
        values = np.asarray(y, dtype=object if isinstance(y, (list, tuple)) else None)
        if values.ndim == 2 and 1 in values.shape:
            values = values.reshape(-1)
        if values.ndim != 1:
            raise InputError(f"{name} must be 1-D; received an array of shape {values.shape}")
        index = pd.RangeIndex(len(values))
    else:
        raise InputTypeError(
            f"{name} must be a pandas Series, 1-D array or list of numbers; "
            f"received {type(y).__name__}"
        )
    values = _to_float(values, name)
    if len(values) < min_length:
        raise InputError(f"{name} must have at least {min_length} values; received {len(values)}")
    if isinstance(index, pd.DatetimeIndex):
        check_dates(index, name)
    return pd.Series(values, index=index, name=getattr(y, "name", None))


def _to_float(values: np.ndarray, name: str) -> np.ndarray:
    kind = values.dtype.kind
    if kind == "O" and len(values):  # (a list, or an object column: judged by its elements)
        kinds = {"b" if isinstance(v, (bool, np.bool_)) else
                 "c" if isinstance(v, (complex, np.complexfloating)) else "" for v in values}
        kind = "b" if "b" in kinds else "c" if "c" in kinds else kind
    if kind == "b":
        raise InputTypeError(f"{name} holds true/false values, not numbers; a series to forecast needs "
                             "numbers (convert them with .astype(int) if 0/1 is meant)")
    if kind == "c":
        raise InputTypeError(f"{name} holds complex numbers; lstmkit forecasts real values (pass the real "
                             "part, or the magnitude, as its own series)")
    try:
        out = values.astype(np.float64)
    except (TypeError, ValueError):
        bad = next((v for v in values if not _is_number(v)), None)
        raise InputTypeError(f"{name} must hold numbers only; received the value {bad!r}") from None
    finite = np.isfinite(out)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise InputError(
            f"{name} must hold finite numbers; received {out[i]} at position {i} "
            "(fill or drop missing values first)"
        )
    if len(out) and np.abs(out).max() > _MAX_ABS:
        raise InputError(
            f"{name} holds values up to {np.abs(out).max():.3g}; magnitudes above {_MAX_ABS:.0e} "
            "are not supported (rescale the data)"
        )
    return out


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def check_dates(index: pd.DatetimeIndex, name: str = "y") -> None:
    """Raise unless the dates are unique, increasing and evenly spaced (a known frequency)."""
    if index.hasnans:
        at = int(np.flatnonzero(index.isna())[0])
        raise InputError(f"{name} has a missing date (NaT) at position {at}; drop or fill it first")
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise InputError(f"{name} has duplicated date {dup.date()}; each date may appear once")
    if not index.is_monotonic_increasing:
        pos = int(np.flatnonzero(np.diff(index.asi8) < 0)[0]) + 1
        raise InputError(
            f"{name} has unsorted dates ({index[pos].date()} comes after {index[pos - 1].date()}); "
            "sort by date first"
        )
    if len(index) >= 3 and infer_freq(index) is None:
        hint = gap_hint(index) or "; resample to a regular frequency first"
        if index.tz is not None and infer_freq(index.tz_convert("UTC")) is not None:
            hint = (f": its local times in {index.tz} skip or repeat an hour at a daylight-saving change; "
                    "read them as UTC instants (the CLI's --tz UTC, or .tz_convert('UTC'))")
        raise InputError(f"{name} has irregular dates (no single frequency fits {index[0].date()} .. "
                         f"{index[-1].date()}){hint}")


def infer_freq(index: pd.Index) -> str | None:
    """The pandas frequency of a DatetimeIndex, or None."""
    if not isinstance(index, pd.DatetimeIndex):
        return None
    if index.freq is not None:
        try:  # a DateOffset(months=1) has a freqstr that pandas cannot parse back: infer instead
            pd.tseries.frequencies.to_offset(index.freqstr)
            return index.freqstr
        except ValueError:
            pass
    if len(index) < 3:
        return None
    inferred = pd.DatetimeIndex(index.asi8, dtype=index.dtype, freq="infer").freq  # from the dates alone
    return None if inferred is None else inferred.freqstr


def regular_dates(index: pd.DatetimeIndex) -> pd.DatetimeIndex | None:
    """The dates ``index`` would have with its gaps filled (``index`` itself when it has none),
    or None when no frequency fits it even with gaps. ``index``: sorted, unique dates.

    A frequency is read from the dates around the gaps: the three most common frequencies of
    runs of three consecutive dates (at most ``GAP_SAMPLES`` runs, spread over the series), and
    business days where the dates fall on weekdays only. The dates must all lie on a
    frequency's dates from the first to the last, and at most ``MAX_FILLED_SHARE`` of the
    filled series may be new, else the dates are irregular; of those that fit, the one that
    fills the fewest dates is taken."""
    if len(index) < 3:
        return None
    if infer_freq(index) is not None:
        return index
    starts = np.unique(np.linspace(0, len(index) - 3, min(GAP_SAMPLES, len(index) - 2)).astype(int))
    runs = Counter(infer_freq(index[i:i + 3]) for i in starts)
    runs.pop(None, None)
    if not runs:
        return None
    allowed = len(index) / (1 - MAX_FILLED_SHARE)
    smallest = int(np.diff(index.asi8).min())  # (no step is shorter: a bound before building the range,
    if (index.asi8[-1] - index.asi8[0]) / smallest + 1 > 1.15 * allowed:  # with room for months' lengths)
        return None
    candidates = [freq for freq, _ in runs.most_common(3)]
    if "D" in candidates and (index.dayofweek < 5).all():  # (weekdays only: business days, no weekends)
        candidates.insert(0, "B")
    fits = [full for full in (pd.date_range(index[0], index[-1], freq=freq) for freq in candidates)
            if len(full) <= allowed and index.isin(full).all()]
    return min(fits, key=len) if fits else None  # (the fewest dates to fill)


def gap_hint(index: pd.DatetimeIndex) -> str:
    """A clause saying how many dates are missing, when filling would make ``index`` regular."""
    full = regular_dates(index)
    if full is None or len(full) == len(index):
        return ""
    missing = full[~full.isin(index)]
    return (f": {len(missing)} date(s) are missing (the first: {day_text(missing[0])}); fill them "
            f"(lstmkit.data.gaps.fill_gaps, or the CLI's --fill interpolate|zero|forward) or resample")


def day_text(stamp: pd.Timestamp) -> str:
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def step_kind(freq: str) -> tuple[str, int]:
    """("week" | "month" | "other", steps): how one step of ``freq`` is checked and added.

    Weeks and calendar month, quarter and year offsets ignore the anchor (W-SUN and W-MON,
    month starts and ends); business-day anchored offsets (BME, BQE ...) are "other"."""
    offset = pd.tseries.frequencies.to_offset(freq)
    if type(offset) is pd.offsets.Week:
        return "week", offset.n
    months = {pd.offsets.MonthBegin: 1, pd.offsets.MonthEnd: 1, pd.offsets.QuarterBegin: 3,
              pd.offsets.QuarterEnd: 3, pd.offsets.YearBegin: 12, pd.offsets.YearEnd: 12}
    if type(offset) in months:
        return "month", months[type(offset)] * offset.n
    return "other", offset.n


def dates_after(last: pd.DatetimeIndex, h: int, freq: str) -> np.ndarray:
    """(len(last), h) dates of the h steps of ``freq`` after each date in ``last``, anchors
    aside (see ``step_kind``): whole weeks after each date; month-based steps keep month ends
    at month ends and other days on their day; any other frequency adds its offset."""
    kind, step = step_kind(freq)
    if kind == "week":
        later = [last + pd.Timedelta(days=7 * step * k) for k in range(1, h + 1)]
    elif kind == "month":
        later = [pd.DatetimeIndex(np.where(last.is_month_end, last + pd.offsets.MonthEnd(step * k),
                                           last + pd.DateOffset(months=step * k)))
                 for k in range(1, h + 1)]
    else:
        offset = pd.tseries.frequencies.to_offset(freq)
        later = [last + k * offset for k in range(1, h + 1)]
    return np.stack([t.to_numpy() for t in later], axis=1)


def same_frequency(a: str, b: str) -> bool:
    """Whether two frequencies (pandas strings, or "integer") step the same way, anchors aside."""
    if "integer" in (a, b):
        return a == b
    kind_a, kind_b = step_kind(a), step_kind(b)
    if kind_a[0] != "other" or kind_b[0] != "other":
        return kind_a == kind_b
    return pd.tseries.frequencies.to_offset(a) == pd.tseries.frequencies.to_offset(b)


def season_length(index: pd.Index) -> int | None:
    """A season length guessed from the frequency: 12 for monthly, 4 quarterly, 7 daily ..."""
    freq = infer_freq(index)
    if freq is None:
        return None
    offsets = pd.offsets
    table = {offsets.MonthBegin: 12, offsets.MonthEnd: 12, offsets.QuarterBegin: 4, offsets.QuarterEnd: 4,
             offsets.Day: 7, offsets.BusinessDay: 5, offsets.Hour: 24, offsets.Week: 52}
    return table.get(type(pd.tseries.frequencies.to_offset(freq)))


def future_index(index: pd.Index, h: int, freq: str | None = None) -> pd.Index:
    """The ``h`` index labels that follow ``index`` (dates if it has a frequency, or if
    ``freq`` gives one: e.g. a panel's, for a series of one or two dates)."""
    try:
        return _future_index(index, h, freq)
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        raise InputError(f"h={h} steps after {index[-1]} run past the last date pandas can hold "
                         f"({pd.Timestamp.max.date()}); forecast fewer steps") from None


def _future_index(index: pd.Index, h: int, freq: str | None = None) -> pd.Index:
    own = infer_freq(index)
    if own is not None:
        return pd.date_range(index[-1], periods=h + 1, freq=own)[1:]
    if freq is not None and isinstance(index, pd.DatetimeIndex) and len(index):
        return pd.DatetimeIndex(dates_after(index[-1:], h, freq)[0])
    if isinstance(index, pd.RangeIndex) or pd.api.types.is_integer_dtype(index):
        steps = np.diff(np.asarray(index, dtype=np.int64))
        step = int(steps[0]) if len(steps) and steps[0] >= 1 and (steps == steps[0]).all() else 1
        start = int(index[-1]) + step if len(index) else 0  # evenly spaced labels go on evenly
        return pd.RangeIndex(start, start + h * step, step)
    return pd.RangeIndex(len(index), len(index) + h)


def series_to_dict(series: pd.Series) -> dict:
    """A series as JSON-safe values: its values and its index (dates with their frequency,
    a range, or plain labels)."""
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        freq = infer_freq(index) if index.freq is not None else None  # a parseable string
        stored = {"dates": [t.isoformat() for t in index], "freq": freq, "tz": zone_name(index)}
    elif isinstance(index, pd.RangeIndex):
        stored = {"range": [index.start, index.stop, index.step]}
    else:
        stored = {"labels": index.tolist()}
    return {"values": series.to_numpy().tolist(), "index": stored, "name": series.name}


def zone_name(index: pd.DatetimeIndex) -> str | None:
    """A name that rebuilds the dates' time zone exactly (an IANA name, "UTC"), or None: naive
    dates, or a zone without such a name (a fixed offset), which the ISO strings carry."""
    tz = index.tz
    if tz is None:
        return None
    path = str(getattr(tz, "_filename", ""))  # dateutil's zone files: ".../zoneinfo/Europe/Berlin"
    for name in (getattr(tz, "key", None), getattr(tz, "zone", None), path.split("zoneinfo/")[-1], str(tz)):
        if not isinstance(name, str) or not name:
            continue
        try:
            rebuilt = index.tz_convert(name)
        except Exception:  # not a name pandas knows (e.g. "tzoffset(None, 3600)")
            continue
        if (rebuilt.tz_localize(None) == index.tz_localize(None)).all():  # same wall times
            return name
    return None


def dates_from_strings(dates: list[str], tz: str | None) -> pd.DatetimeIndex:
    """ISO date strings back to dates, in their time zone (whose UTC offsets may differ across
    a daylight-saving change); without a zone name, the offsets the strings carry."""
    if tz is not None:
        return pd.DatetimeIndex(pd.to_datetime(dates, utc=True).tz_convert(tz))
    try:
        return pd.DatetimeIndex(pd.to_datetime(dates))
    except ValueError:  # offsets that differ and no zone name: keep the instants, in UTC
        return pd.DatetimeIndex(pd.to_datetime(dates, utc=True))


def series_from_dict(data: dict) -> pd.Series:
    """The series that ``series_to_dict`` described."""
    stored = data["index"]
    if "dates" in stored:
        dates = dates_from_strings(stored["dates"], stored.get("tz"))
        try:
            index = pd.DatetimeIndex(dates, freq=stored["freq"])
        except ValueError:  # daily steps of a zone without a name are not daily in UTC
            index = dates
    elif "range" in stored:
        index = pd.RangeIndex(*stored["range"])
    else:
        index = pd.Index(stored["labels"])
    return pd.Series(np.asarray(data["values"], dtype=np.float64), index=index, name=data["name"])
