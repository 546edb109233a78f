"""Public holidays as a future-known covariate (the ``holidays`` package's calendars).

``fit(..., holidays="GB")`` (a country code, or "US-CA" for a subdivision) adds the column
``holiday``: for each date, the number of public holidays in the period it stands for,
which depends on the data's frequency: sub-daily and daily data, the day itself (0 or 1);
weekly data, the 7 days from the date on; monthly, quarterly and yearly data, the calendar
month, quarter or year of the date. Known for any future date, so ``predict`` needs no
values for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmkit.errors import InputError, InputTypeError

NAME = "holiday"  # the column's name; a calendar entry is "holiday:<country>:<span>"
SPANS = {"D": "the day", "7D": "the 7 days from the date", "M": "the month", "Q": "the quarter",
         "Y": "the year"}


def calendar_entry(country, step: pd.Timedelta | None, freq: str | None) -> str:
    """The calendar entry of a ``holidays=`` request on data of this step/frequency."""
    if not isinstance(country, str) or not country.strip():
        raise InputTypeError(f"holidays must be a country code such as 'US' or 'GB-SCT'; received "
                             f"{country!r}")
    calendar_of(country, [2000])  # unknown countries fail here, before training
    if step is None:
        raise InputError(f"holidays={country!r} needs dates with a frequency (a DatetimeIndex or dated ds); "
                         f"received {freq or 'no frequency'}")
    if step <= pd.Timedelta("1D"):
        span = "D"
    elif step == pd.Timedelta("7D"):
        span = "7D"
    else:
        span = "M" if step <= pd.Timedelta("31D") else "Q" if step <= pd.Timedelta("92D") else "Y"
    return f"{NAME}:{country}:{span}"


def calendar_of(country: str, years) -> set:
    import holidays

    code, _, subdiv = country.partition("-")
    try:
        days = holidays.country_holidays(code.upper(), subdiv=subdiv.upper() or None, years=list(years))
    except NotImplementedError as err:
        raise InputError(f"holidays={country!r}: {err}; use a code from holidays.list_supported_countries()"
                         ) from None
    return set(days)


def counts(dates: pd.DatetimeIndex, entry: str) -> np.ndarray:
    """The number of holidays in the period each date stands for (see the module docstring)."""
    _, country, span = entry.split(":")
    day = dates.tz_localize(None).normalize() if dates.tz is not None else dates.normalize()
    if span == "D":
        start, end = day, day + pd.Timedelta("1D")
    elif span == "7D":
        start, end = day, day + pd.Timedelta("7D")
    else:
        period = day.to_period(span)
        start, end = period.start_time, (period + 1).start_time
    years = range(int(start.year.min()) - 1, int(end.year.max()) + 2) if len(dates) else []
    known = np.array(sorted(calendar_of(country, years)), dtype="datetime64[D]")
    lo = np.searchsorted(known, np.asarray(start, dtype="datetime64[D]"))
    hi = np.searchsorted(known, np.asarray(end, dtype="datetime64[D]"))
    return (hi - lo).astype(np.float64)
