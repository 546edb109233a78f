"""Read one series from a user's CSV file, with one-line errors for every way it can go wrong."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.data.series import as_series
from lstmkit.errors import LIMITS, InputError

DATE_NAMES = ("date", "ds", "datetime", "timestamp", "time", "month", "period")
DATE_UNITS = ("s", "ms", "us", "ns")


@dataclass(frozen=True)
class CsvFormat:
    """How to read a CSV where detection cannot know (the CLI's --sep, --decimal, --date-unit,
    --date-format, --dayfirst and --tz). None: detected (separator and decimal mark from the
    first lines; integer dates as years, text dates as pandas reads them, zones kept)."""

    sep: str | None = None  # field separator: one character ("\t" is a tab)
    decimal: str | None = None  # "." or ","
    date_unit: str | None = None  # integer dates as time since 1970-01-01 in s, ms, us or ns
    date_format: str | None = None  # strftime format of text dates, e.g. "%d/%m/%Y"
    dayfirst: bool = False  # 01/02/2022 is the 1st of February
    tz: str | None = None  # dates with a zone converted to it; dates without one read as its local time

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
        if self.date_format is not None and "%" not in self.date_format:
            raise InputError(f"--date-format must be a strftime format such as %d/%m/%Y; received "
                             f"{self.date_format!r}")
        if self.tz is not None:
            _check_zone(self.tz)


def csv_format(args) -> CsvFormat:
    """The ``CsvFormat`` a CLI command's flags ask for (flags a command lacks: detected)."""
    named = {k: getattr(args, k, None) for k in ("sep", "decimal", "date_unit", "date_format", "tz")}
    return CsvFormat(**named, dayfirst=bool(getattr(args, "dayfirst", False)))


def _check_zone(tz: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--tz must be a time-zone name such as UTC, Europe/Paris or America/New_York; "
                         f"received {tz!r}") from None


def read_series_csv(path, column: str | None = None, date_column: str | None = None,
                    fmt: CsvFormat = CsvFormat()) -> pd.Series:
    """The series in ``column`` of the CSV at ``path``, indexed by ``date_column`` if given.

    Without ``column`` the file must hold exactly one numeric column besides the dates.
    Without ``date_column`` a column named like a date (date, ds, month, ...) is used.
    ``fmt``: separator, decimal mark and date reading, where detection is not enough.
    """
    frame = _read(Path(path), fmt)
    if date_column is None:
        date_column = next((c for c in frame.columns if str(c).strip().lower() in DATE_NAMES
                            and c != column), None)
    elif date_column not in frame.columns:
        raise InputError(f"--date-column {date_column!r} is not in {path}; its columns are "
                         f"{_names(frame)}")
    if column is None:
        candidates = [c for c in frame.columns if c != date_column]
        numeric = [c for c in candidates if pd.api.types.is_numeric_dtype(frame[c])]
        if len(candidates) == 1:  # the only column: use it, and report any bad value in it
            numeric = candidates
        if len(numeric) != 1:
            raise InputError(f"{path} has columns {_names(frame)}; choose the series with --column")
        column = numeric[0]
    elif column not in frame.columns:
        raise InputError(f"--column {column!r} is not in {path}; its columns are {_names(frame)}")
    values = frame[column]
    if date_column is not None:
        values = pd.Series(values.to_numpy(), index=parse_dates(frame[date_column], fmt=fmt), name=column)
    elif fmt.date_unit or fmt.date_format or fmt.dayfirst or fmt.tz:
        raise InputError(f"--date-unit, --date-format, --dayfirst and --tz read a date column, and {path} "
                         f"has none among {_names(frame)}; name it with --date-column")
    return as_series(values, f"column {column!r}")


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
    if pd.api.types.is_numeric_dtype(column):
        dates = _number_dates(column, flag, fmt.date_unit)
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
                         "years 1678-2261; pass --date-unit s (or ms, us, ns) for time since 1970-01-01, or "
                         "write the dates as text (2021-01-31, 2021-01-31 12:00)")
    return pd.DatetimeIndex(pd.to_datetime(values.astype(np.int64).astype(str), format="%Y"))


def _first_bad(column: pd.Series, values: np.ndarray) -> str:
    bad = ~np.isfinite(values) | (values != np.round(values))
    return str(column.iloc[int(np.flatnonzero(bad)[0])])


def _text_dates(column: pd.Series, flag: str, fmt: CsvFormat) -> pd.DatetimeIndex:
    options = {"format": fmt.date_format, "dayfirst": fmt.dayfirst}
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
    if dates.isna().any():
        hint = (f"does not match --date-format {fmt.date_format!r}" if fmt.date_format else
                "is not a date (for day-first dates such as 13/01/2022 pass --dayfirst or --date-format "
                "%d/%m/%Y)")
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
                         "first and month first; pass --dayfirst, or --date-format (e.g. %m/%d/%Y)")


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


def _layout(path: Path) -> dict:
    """The separator (",", ";", tab or "|") and decimal mark of a CSV, from its first lines: a
    ";"-separated file with digits around commas ("1,5") writes decimals with commas."""
    import csv
    import re

    with open(path, encoding="utf-8", errors="replace") as f:
        sample = "".join(f.readline() for _ in range(50))
    lines = [line for line in sample.splitlines() if line.strip()]
    counts = {sep: [line.count(sep) for line in lines] for sep in (",", ";", "\t", "|")}
    steady = {sep: c[0] for sep, c in counts.items() if c and c[0] > 0 and len(set(c)) == 1}
    if not steady:
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            return {}
    else:
        sep = max(steady, key=steady.get) if "," not in steady else ","
    if sep == ",":
        return {}
    decimal = "," if sep == ";" and re.search(r"\d,\d", sample) else "."
    return {"sep": sep, "decimal": decimal}


def _read(path: Path, fmt: CsvFormat = CsvFormat(), **options) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"data file {str(path)!r} does not exist")
    size = path.stat().st_size
    if size > LIMITS["csv_bytes"]:
        raise InputError(f"{path} holds {size:,} bytes, above the {LIMITS['csv_bytes']:,} a CSV may hold "
                         "(a limit against exhausting memory: raise lstmkit.errors.LIMITS['csv_bytes'] on "
                         "purpose, or use a Parquet file with lstmkit train)")
    try:
        layout = _layout(path)
        layout.update({k: v for k, v in (("sep", fmt.sep), ("decimal", fmt.decimal)) if v is not None})
        _check_width(path, layout.get("sep", ","))
        options = {**layout, **options}
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # rows longer than the header
            frame = pd.read_csv(path, encoding="utf-8", index_col=False, **options)
    except pd.errors.ParserWarning:
        raise InputError(f"{path} has rows with more fields than its header (decimal commas in a "
                         "comma-separated file?); quote such values, or separate fields with ';'") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty; it needs a header row and values") from None
    except pd.errors.ParserError as e:
        raise InputError(f"{path} is not a readable CSV ({str(e).splitlines()[0]})") from None
    if frame.empty:
        raise InputError(f"{path} has a header but no rows")
    return frame


def _check_width(path: Path, sep: str) -> None:
    """Refuse a header of more than ``LIMITS["csv_columns"]`` fields before pandas reads the file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline(64 * LIMITS["csv_columns"])
    if header.count(sep) >= LIMITS["csv_columns"]:
        raise InputError(f"{path} has over {LIMITS['csv_columns']:,} columns in its header (separator "
                         f"{sep!r}), above the limit a CSV may hold (raise "
                         "lstmkit.errors.LIMITS['csv_columns'] on purpose)")


def _names(frame: pd.DataFrame, shown: int = 12) -> str:
    """The frame's column names for a message: the first ``shown`` and how many more."""
    names = ", ".join(repr(str(c)) for c in frame.columns[:shown])
    more = len(frame.columns) - shown
    return names + (f" and {more:,} more" if more > 0 else "")


def read_sequences_csv(path, labelled: bool | str = True, fmt: CsvFormat = CsvFormat()):
    """Univariate sequences from a UCR-style CSV: ``(X, y)`` (y is None when not ``labelled``).

    Format: a header row; the first column holds the label (unless ``labelled`` is False;
    ``"auto"``: when its header is "label"), the others the values in time order (one
    sequence per row). Labels are read as text, exactly as written (spaces around them
    aside): "1" and "1.0" are different classes, and an empty label is an error. Shorter
    sequences leave their last cells empty. X is a 3-D (n, time, 1) array when every row is
    full, else a list of (time_i, 1) arrays.
    """
    frame = _read(Path(path), fmt, converters={0: str})  # the first column as text, never as numbers
    if labelled == "auto":
        labelled = str(frame.columns[0]).strip().lower() == "label"
    if not labelled:
        frame = _read(Path(path), fmt)
    first = 1 if labelled else 0
    if frame.shape[1] < first + 1:
        raise InputError(f"{path} needs a label column and at least one value column")
    labels = None
    if labelled:
        labels = frame.iloc[:, 0].astype(str).str.strip().to_numpy()
        empty = np.flatnonzero(labels == "")
        if len(empty):
            raise InputError(f"{path} row {empty[0] + 2} has an empty label (column "
                             f"{str(frame.columns[0])!r}); every sequence needs one")
    values = frame.iloc[:, first:].apply(pd.to_numeric, errors="coerce")
    raw = frame.iloc[:, first:]
    bad = values.isna() & raw.notna()
    if bad.any().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise InputError(f"{path} row {row + 2}, column {frame.columns[col + first]!r} holds "
                         f"{raw.iat[row, col]!r}, which is not a number")
    sequences = []
    for i, row in enumerate(values.to_numpy(dtype=np.float64)):
        present = np.flatnonzero(~np.isnan(row))
        if len(present) == 0:
            raise InputError(f"{path} row {i + 2} holds no values")
        if present[-1] != len(present) - 1:
            raise InputError(f"{path} row {i + 2} has an empty cell inside the sequence; only "
                             "trailing cells may be empty")
        sequences.append(row[: len(present), None].astype(np.float32))
    if len({len(s) for s in sequences}) == 1:
        return np.stack(sequences), labels
    return sequences, labels


def check_test_labels(y_train, y_test, train_path, test_path) -> None:
    """Raise when the test file's labels share no class with the training file's (a model
    could then score nothing but 0; often the same classes written differently, "1" / "1.0")."""
    train, test = set(map(str, y_train)), set(map(str, y_test))
    if not train & test:
        def some(labels: set) -> str:
            shown = sorted(labels)
            return ", ".join(map(repr, shown[:5])) + (", ..." if len(shown) > 5 else "")

        raise InputError(f"--test {str(test_path)!r} has labels {some(test)}, none of them a class of "
                         f"--train {str(train_path)!r} ({some(train)}); both files must name the "
                         "classes the same way")


def read_covariates_csv(path, column: str | None, date_column: str | None, future: list[str],
                        past: list[str], future_file=None,
                        fmt: CsvFormat = CsvFormat()) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """The series ``column`` of a CSV with its covariates: ``(y, X, X_future)``.

    ``X`` holds the ``future`` and ``past`` columns on y's dates. ``X_future`` holds the
    ``future`` columns over the dates after y's last value: the file's rows whose ``column``
    is empty after that value (a planned promotion, next month's price), or the rows of
    ``future_file`` (the same date column and the ``future`` columns). Columns named in
    neither list are not read (``--column`` chose the series)."""
    frame = _read(Path(path), fmt)
    named = [*future, *past]
    both = sorted(set(future) & set(past))
    if both:
        raise InputError(f"column {both[0]!r} is named both in --future and --past; a covariate is known "
                         "either over the horizon (--future) or only up to today (--past)")
    if column is None:
        raise InputError("--future/--past need --column: the series to forecast among "
                         f"{_names(frame)}")
    for flag, names in (("--future", future), ("--past", past)):
        for c in names:
            if c not in frame.columns or c == column:
                raise InputError(f"{flag} column {c!r} is not a covariate column of {path}; its columns are "
                                 f"{_names(frame)}")
    if date_column is None:
        date_column = next((c for c in frame.columns if str(c).strip().lower() in DATE_NAMES
                            and c not in (column, *named)), None)
    if date_column is None or date_column not in frame.columns:
        raise InputError(f"--future/--past need dates: name the date column with --date-column (received "
                         f"{date_column!r}); {path} has columns {_names(frame)}")
    frame = frame.set_index(parse_dates(frame[date_column], fmt=fmt).rename(None))
    target = pd.to_numeric(frame[column], errors="coerce")
    bad = frame[column][target.isna() & frame[column].notna()]
    if len(bad):
        raise InputError(f"--column {column!r} holds {bad.iloc[0]!r} at {bad.index[0].date()}, which is not "
                         "a number")
    filled = np.flatnonzero(target.notna().to_numpy())
    if not len(filled):
        raise InputError(f"--column {column!r} has no values")
    end = filled[-1] + 1
    y = as_series(target.iloc[:end].rename(column), f"column {column!r}")
    X = frame[named].iloc[:end]
    rest = frame[future].iloc[end:]
    if future_file is not None:
        if len(rest):
            raise InputError(f"{path} has rows after the last value of {column!r} and --future-file was "
                             "given too; give the future covariates in one place")
        extra = _read(Path(future_file), fmt)
        if date_column not in extra.columns:
            raise InputError(f"--future-file {future_file} lacks the date column {date_column!r}; its "
                             f"columns are {_names(extra)}")
        missing = [c for c in future if c not in extra.columns]
        if missing:
            raise InputError(f"--future-file {future_file} lacks the --future column {missing[0]!r}; its "
                             f"columns are {_names(extra)}")
        rest = extra.set_index(parse_dates(extra[date_column], f"--future-file {future_file}: column",
                                           fmt).rename(None))[future]
    return y, X, rest
