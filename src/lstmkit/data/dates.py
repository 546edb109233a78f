"""How a user's CSV writes its dates and numbers (the CLI's reading flags), and reading a date
column from it without misreading."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lstmkit.data.gaps import FILLS
from lstmkit.errors import InputError

DATE_UNITS = ("s", "ms", "us", "ns")


@dataclass(frozen=True)
class CsvFormat:
    """How to read a CSV where detection cannot know (the CLI's --sep, --decimal, --date-unit,
    --date-format, --dayfirst, --tz and --fill). None: detected (separator and decimal mark from the
    first lines; integer dates as years, text dates as pandas reads them, zones kept)."""

    sep: str | None = None  # field separator: one character ("\t" is a tab)
    decimal: str | None = None  # "." or ","
    date_unit: str | None = None  # integer dates as time since 1970-01-01 in s, ms, us or ns
    date_format: str | None = None  # strftime format of text dates, e.g. "%d/%m/%Y"
    dayfirst: bool = False  # 01/02/2022 is the 1st of February
    tz: str | None = None  # dates with a zone converted to it; dates without one read as its local time
    fill: str | None = None  # missing dates added and filled: "interpolate", "zero" or "forward" (data.gaps)

    def __post_init__(self):
        if self.sep is not None:
            object.__setattr__(self, "sep", {"\\t": "\t", "tab": "\t"}.get(self.sep, self.sep))
            if len(self.sep) != 1 or self.sep in "\"\n\r" or self.sep.isalnum():
                raise InputError(f"--sep must be one character such as , ; | or \\t; received {self.sep!r}")
        if self.decimal is not None and self.decimal not in (".", ","):
            raise InputError(f"--decimal must be '.' or ','; received {self.decimal!r}")
        if self.sep is not None and self.sep == self.decimal:
            raise InputError(f"--sep and --decimal are both {self.sep!r}; a field separator cannot be the "
                             "decimal mark (decimal commas go with --sep ';')")
        if self.date_unit is not None and self.date_unit not in DATE_UNITS:
            raise InputError(f"--date-unit must be one of {', '.join(DATE_UNITS)}; received "
                             f"{self.date_unit!r}")
        if self.date_format is not None:
            _check_date_format(self.date_format)
        if self.date_unit is not None and self.date_format is not None:
            raise InputError("--date-unit reads numbers as time since 1970 and --date-format reads dates as "
                             "written (19490101 with %Y%m%d); give one of them")
        if self.tz is not None:
            _check_zone(self.tz)
        if self.fill is not None and self.fill not in FILLS:
            raise InputError(f"--fill must be one of {', '.join(FILLS)}; received {self.fill!r}")


def csv_format(args) -> CsvFormat:
    """The ``CsvFormat`` a CLI command's flags ask for (flags a command lacks: detected)."""
    named = {k: getattr(args, k, None) for k in ("sep", "decimal", "date_unit", "date_format", "tz", "fill")}
    return CsvFormat(**named, dayfirst=bool(getattr(args, "dayfirst", False)))


def _check_date_format(date_format: str) -> None:
    """A strftime format that strptime can parse (a date written with it reads back), or pandas'
    "ISO8601" / "mixed"."""
    from datetime import datetime, timezone

    if date_format in ("ISO8601", "mixed"):
        return
    problem = "it has no % directive" if "%" not in date_format else None
    try:
        sample = datetime(2001, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
        datetime.strptime(sample.strftime(date_format), date_format)
    except ValueError as error:
        problem = problem or str(error)
    if problem:
        raise InputError(f"--date-format must be a strftime format such as %d/%m/%Y (or ISO8601 or mixed); "
                         f"received {date_format!r}: {problem}")


def _check_zone(tz: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--tz must be a time-zone name such as UTC, Europe/Paris or America/New_York; "
                         f"received {tz!r}") from None


def parse_dates(column: pd.Series, flag: str = "--date-column",
                fmt: CsvFormat = CsvFormat()) -> pd.DatetimeIndex:
    """The dates of a CSV column, never misread: text dates as pandas reads them (or by
    ``fmt.date_format`` / ``fmt.dayfirst``); integers as years (1678..2261, read as each year's
    start) or, with ``fmt.date_unit``, as time since 1970 in that unit, any other number refused
    (nanoseconds since 1970 is never a guess); dates with time-zone offsets that differ (e.g.
    across a daylight-saving change) read as UTC instants; ``fmt.tz`` converts to one zone.
    A value that is not a date is a one-line error."""
    name = column.name
    if pd.api.types.is_bool_dtype(column):
        raise InputError(f"{flag} {name!r} holds true/false values, not dates")
    if fmt.date_unit and not pd.api.types.is_numeric_dtype(column):  # (integers too big for int64: text)
        numbers = pd.to_numeric(column, errors="coerce")
        column = numbers if numbers.notna().all() else column
    if pd.api.types.is_numeric_dtype(column) and fmt.date_format:  # (19490101 with %Y%m%d: digits)
        values = column.to_numpy(dtype=np.float64)
        if np.isfinite(values).all() and (values == np.round(values)).all():
            column = pd.Series(values.astype(np.int64).astype(str), index=column.index, name=name)
    if pd.api.types.is_numeric_dtype(column):
        dates = _number_dates(column, flag, fmt.date_unit)
        if fmt.date_unit and fmt.tz is not None:  # (time since 1970 counts UTC instants, not a zone's clock)
            dates = dates.tz_localize("UTC")
    elif fmt.date_unit:
        raise InputError(f"--date-unit {fmt.date_unit} reads numbers, and {flag} {name!r} holds text such as "
                         f"{column.iloc[0]!r}; leave --date-unit out")
    else:
        dates = _text_dates(column, flag, fmt)
    if fmt.tz is not None:
        dates = _in_zone(dates, column, flag, fmt.tz)
    return dates


def _number_dates(column: pd.Series, flag: str, unit: str | None) -> pd.DatetimeIndex:
    name, values = column.name, column.to_numpy(dtype=np.float64)
    integral = bool(np.isfinite(values).all() and (values == np.round(values)).all())
    if unit is not None:
        if not integral:
            raise InputError(f"{flag} {name!r} holds {_first_bad(column, values)}, which is not a whole "
                             f"number of {unit} (--date-unit {unit})")
        reach = (pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31"))  # (as nanoseconds reach)
        try:
            if np.abs(values).max() >= 2.0**62:  # (beyond int64: no date in any unit)
                raise ValueError
            dates = pd.DatetimeIndex(pd.to_datetime(values.astype(np.int64), unit=unit))
            if dates.min() >= reach[0] and dates.max() <= reach[1]:
                return dates
            raise ValueError
        except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
            far = int(values[np.argmax(np.abs(values))])
            raise InputError(f"{flag} {name!r} holds {far}, outside the dates {unit} since 1970 can reach "
                             "(years 1678-2261); check --date-unit") from None
    if not (integral and ((values >= 1678) & (values <= 2261)).all()):  # (the years pandas' dates reach)
        raise InputError(f"{flag} {name!r} holds numbers such as {str(column.iloc[0])}, which are not "
                         "years 1678-2261; pass --date-unit s (or ms, us, ns) for time since 1970-01-01, "
                         "--date-format for digits such as 20210131 (%Y%m%d), or write the dates as text "
                         "(2021-01-31, 2021-01-31 12:00)")
    return pd.DatetimeIndex(pd.to_datetime(values.astype(np.int64).astype(str), format="%Y"))


def _first_bad(column: pd.Series, values: np.ndarray) -> str:
    bad = ~np.isfinite(values) | (values != np.round(values))
    return str(column.iloc[int(np.flatnonzero(bad)[0])])


def _text_dates(column: pd.Series, flag: str, fmt: CsvFormat) -> pd.DatetimeIndex:
    year_first = column.astype(str).str.match(r"\s*\d{4}[-/.]").all()  # (ISO dates: --dayfirst is moot)
    options = {"format": fmt.date_format, "dayfirst": fmt.dayfirst and not year_first}
    try:
        with warnings.catch_warnings():  # (pandas' "could not infer format": the NaN check below speaks)
            warnings.simplefilter("ignore", UserWarning)
            dates = pd.to_datetime(column, errors="coerce", **options)
        mixed = not pd.api.types.is_datetime64_any_dtype(dates)  # (offsets that differ: read as objects)
    except (ValueError, TypeError):
        mixed = True
    if mixed:  # offsets that differ from row to row (a daylight-saving change): each instant, in UTC
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            dates = pd.to_datetime(column, errors="coerce", utc=True, **options)
    if not fmt.date_format and not fmt.dayfirst and not dates.isna().any():
        _check_unambiguous(column, dates, flag)
    if not fmt.date_format and not dates.isna().any():
        _check_years_written(column, dates, flag)
    if dates.isna().any():
        hint = (f"does not match --date-format {fmt.date_format!r}" if fmt.date_format else
                "is not a date (day-first dates such as 13/01/2022: --dayfirst or --date-format "
                "%d/%m/%Y in the CLI, pd.to_datetime(..., dayfirst=True) in Python)")
        row = int(np.flatnonzero(np.asarray(dates.isna()))[0])
        raise InputError(f"{flag} {column.name!r} holds {column.iloc[row]!r} (row {row + 2}), which {hint}")
    return pd.DatetimeIndex(dates)


def _check_unambiguous(column: pd.Series, dates: pd.DatetimeIndex, flag: str) -> None:
    """Refuse numeric dates such as 01/02/2018 that read as well day first as month first (every
    day <= 12): pandas would take them month first, a silent misreading of day-first files."""
    text = column.astype(str)
    if not text.str.fullmatch(r"\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(\s.*)?").all():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        other = pd.to_datetime(column, errors="coerce", dayfirst=True)
    if not other.isna().any() and not (pd.DatetimeIndex(other) == dates).all():
        raise InputError(f"{flag} {column.name!r} holds dates such as {column.iloc[-1]!r} that read both day "
                         "first and month first; pass --dayfirst, or --date-format (e.g. %m/%d/%Y), in the "
                         "CLI (in Python: convert them with pd.to_datetime(..., dayfirst=True) or format=)")


def _check_years_written(column: pd.Series, dates: pd.DatetimeIndex, flag: str) -> None:
    """Refuse dates whose text does not write the year they were read as: two-digit years
    (Jan-49 read as 2049) and dates without a year (01/02 read in the current year)."""
    index = pd.DatetimeIndex(dates)
    years, text = index.year.astype(str), column.astype(str).to_numpy()
    near = index.tz is not None  # (offsets read as UTC instants may cross New Year: a year either side)
    missing = next((i for i, (t, y) in enumerate(zip(text, years)) if y not in t and not (
        near and (str(int(y) - 1) in t or str(int(y) + 1) in t))), None)
    if missing is not None:
        raise InputError(f"{flag} {column.name!r} holds {text[missing]!r} (row {missing + 2}), read as the "
                         f"year {years[missing]}, which it does not write (a two-digit year, or none); write "
                         "four-digit years, or pass --date-format (e.g. %b-%y: 00-68 read as 2000-2068, "
                         "69-99 as 1969-1999)")


def _in_zone(dates: pd.DatetimeIndex, column: pd.Series, flag: str, tz: str) -> pd.DatetimeIndex:
    """``dates`` in zone ``tz``: converted when they carry a zone, read as its local times when not
    (a local time that a daylight-saving change skips or repeats is an error)."""
    if dates.tz is not None:
        return dates.tz_convert(tz)
    local = dates.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    if local.isna().any():
        raise InputError(f"{flag} {column.name!r} holds {column[local.isna()].iloc[0]!r}, a local time that "
                         f"is skipped or repeated in {tz} (a daylight-saving change); write the dates with "
                         "their offset (2021-03-28T02:30+01:00) or in UTC")
    return local
