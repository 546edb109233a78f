"""Missing dates in a series filled by a rule the user picks (``--fill`` in the CLI); which
dates are missing is ``data.series.regular_dates``'s rule."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from lstmkit.data.series import day_text, regular_dates
from lstmkit.errors import InputError

FILLS = ("interpolate", "zero", "forward")

logger = logging.getLogger("lstmkit")


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
        raise InputError(f"{name} has irregular dates that no frequency fits, even with up to half the "
                         f"series filled in ({index[0].date()} .. {index[-1].date()}); resample it to a "
                         "regular frequency")
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
        raise InputError(f"{name} is missing values at its start or end ({day_text(where[0])}), which "
                         f"fill={how!r} cannot fill from both sides; drop those rows, or fill with 'zero'")
    rule = {"interpolate": "a straight line", "zero": "zeros", "forward": "the last value carried on"}[how]
    logger.info(f"lstmkit: filled {len(missing)} missing value(s) of {name} with {rule} (the first: "
                f"{day_text(missing[0])}; {len(missing) / len(full):.1%} of the series)")
    return filled
