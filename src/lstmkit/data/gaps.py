"""Missing dates in a series: found (the regular dates a series would have without its gaps)
and filled by a rule the user picks (``--fill`` in the CLI).

A frequency is read from the dates around the gaps: the most common frequency of runs of three
consecutive dates (at most ``SAMPLES`` runs, spread over the series). The series' dates must
all lie on that frequency's dates from its first to its last, and at most ``MAX_FILLED_SHARE``
of the filled series may be new, else the dates are not a series with gaps but irregular.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pandas as pd

from lstmkit.errors import InputError

FILLS = ("interpolate", "zero", "forward")
SAMPLES = 200
MAX_FILLED_SHARE = 0.5

logger = logging.getLogger("lstmkit")


def regular_dates(index: pd.DatetimeIndex) -> pd.DatetimeIndex | None:
    """The dates ``index`` would have with its gaps filled (``index`` itself when it has none),
    or None when no frequency fits it even with gaps. ``index``: sorted, unique dates."""
    from lstmkit.data.series import infer_freq

    if len(index) < 3:
        return None
    if infer_freq(index) is not None:
        return index
    starts = np.unique(np.linspace(0, len(index) - 3, min(SAMPLES, len(index) - 2)).astype(int))
    runs = Counter(infer_freq(index[i:i + 3]) for i in starts)
    runs.pop(None, None)
    if not runs:
        return None
    freq = runs.most_common(1)[0][0]
    full = pd.date_range(index[0], index[-1], freq=freq)
    if len(full) > len(index) / (1 - MAX_FILLED_SHARE) or not index.isin(full).all():
        return None
    return full


def fill_gaps(y: pd.Series, how: str, name: str = "y") -> pd.Series:
    """``y`` with its missing dates added and every missing value (new dates and empty cells)
    filled: "interpolate" (a straight line, step by step, between the values around each gap),
    "zero" (counts, sales: nothing happened) or "forward" (the last value carried on). A series
    without gaps is returned unchanged; irregular dates that no frequency fits are an error; so
    is a gap at the start (or, for "interpolate", the end). Says (logger ``lstmkit``) how many
    values it filled."""
    if how not in FILLS:
        raise InputError(f"fill must be one of {', '.join(map(repr, FILLS))}; received {how!r}")
    if not isinstance(y.index, pd.DatetimeIndex):
        raise InputError(f"fill={how!r} fills missing dates, and {name} has no dates (its index is "
                         f"{type(y.index).__name__}); give it a date column")
    index = y.index
    if index.hasnans or index.has_duplicates or not index.is_monotonic_increasing or len(index) < 3:
        return y  # (as_series reports it)
    full = regular_dates(index)
    if full is None:
        raise InputError(f"{name} has irregular dates that no frequency fits even with gaps filled "
                         f"({index[0].date()} .. {index[-1].date()}); resample it to a regular frequency")
    filled = y.astype(np.float64).reindex(full)
    missing = full[np.asarray(filled.isna())]
    if not len(missing):
        return y
    if how == "zero":
        filled = filled.fillna(0.0)
    elif how == "forward":
        filled = filled.ffill()
    else:
        filled = filled.interpolate(method="linear", limit_area="inside")
    if filled.isna().any():  # (before the first value or after the last: nothing to draw from)
        where = filled.index[np.asarray(filled.isna())]
        raise InputError(f"{name} is missing values at its start or end ({_day(where[0])}), which "
                         f"fill={how!r} cannot fill from both sides; drop those rows, or fill with 'zero'")
    logger.info(f"lstmkit: filled {len(missing)} missing value(s) of {name} by {how} (the first: "
                f"{_day(missing[0])}; {len(missing) / len(full):.1%} of the series)")
    return filled


def gap_hint(index: pd.DatetimeIndex) -> str:
    """A clause saying how many dates are missing, when filling would make ``index`` regular."""
    full = regular_dates(index)
    if full is None or len(full) == len(index):
        return ""
    missing = full[~full.isin(index)]
    return (f": {len(missing)} date(s) are missing (the first: {_day(missing[0])}); fill them "
            f"(lstmkit.data.gaps.fill_gaps, or the CLI's --fill interpolate|zero|forward) or resample")


def _day(stamp: pd.Timestamp) -> str:
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)
