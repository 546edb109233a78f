"""Read one series from a user's CSV file, with one-line errors for every way it can go wrong."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.data.csv_checks import check_bytes, check_decimal_commas, check_header
from lstmkit.data.dates import CsvFormat, parse_dates
from lstmkit.data.gaps import fill_gaps
from lstmkit.data.series import as_series
from lstmkit.errors import LIMITS, InputError

DATE_NAMES = ("date", "ds", "datetime", "timestamp", "time", "month", "period", "week", "ts", "dt", "year")

logger = logging.getLogger("lstmkit")


def read_series_csv(path, column: str | None = None, date_column: str | None = None,
                    fmt: CsvFormat = CsvFormat()) -> pd.Series:
    """The series in ``column`` of the CSV at ``path``, indexed by ``date_column`` if given.

    Without ``column`` the file must hold exactly one numeric column besides the dates.
    Without ``date_column`` a column named like a date (date, ds, month, week, ...) is used,
    else the one column whose every value reads as a date. What was chosen without being
    named, and any column left unread, is said in one line (logger ``lstmkit``).
    ``fmt``: separator, decimal mark, date reading and gap filling, where detection is not enough.
    """
    frame = _read(Path(path), fmt)
    guessed = []
    if date_column is None:
        date_column = _date_column(frame, path, column, fmt)
        named = date_column is not None and str(date_column).strip().lower() in DATE_NAMES
        guessed += [f"dates from {date_column!r}"] if date_column is not None and not named else []
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
        unread = [c for c in candidates if c != column]
        if unread:
            guessed += [f"the series from {column!r}",
                        f"column(s) {', '.join(map(repr, unread[:12]))} not read"]
    elif column not in frame.columns:
        raise InputError(f"--column {column!r} is not in {path}; its columns are {_names(frame)}")
    values = frame[column]
    if date_column is not None:
        values = pd.Series(values.to_numpy(), index=parse_dates(frame[date_column], fmt=fmt), name=column)
    elif fmt.date_unit or fmt.date_format or fmt.dayfirst or fmt.tz or fmt.fill:
        given = [f"--{k.replace('_', '-')}" for k in ("date_unit", "date_format", "dayfirst", "tz", "fill")
                 if getattr(fmt, k)]
        raise InputError(f"{' and '.join(given)} read{'s' if len(given) == 1 else ''} a date column, and "
                         f"{path} has none among {_names(frame)}; name it with --date-column")
    if fmt.fill is not None:
        as_series(values.dropna().reset_index(drop=True), f"column {column!r}")  # (numbers, or its error)
        values = fill_gaps(pd.to_numeric(values), fmt.fill, f"column {column!r}")  # (empty cells too)
    series = as_series(values, f"column {column!r}")
    if guessed:  # (once the file has been read: an error stays the only line)
        logger.info(f"lstmkit: read {path}: {'; '.join(guessed)} (--column and --date-column choose others)")
    return series


def _date_column(frame: pd.DataFrame, path, column: str | None, fmt: CsvFormat):
    """The column of dates: the first named like one, else the only text column whose every
    value reads as a date (None when there is none)."""
    named = [c for c in frame.columns if str(c).strip().lower() in DATE_NAMES and c != column]
    if len(named) > 1:  # (week = 1..144 beside month = dates: the one that holds dates)
        named = [c for c in named if _holds_dates(frame[c], fmt) or _holds_years(frame[c])] or named
    if named:
        return named[0]
    found = [c for c in frame.columns if c != column and _holds_dates(frame[c], fmt)]
    if len(found) > 1:
        raise InputError(f"{path} has several columns of dates ({', '.join(map(repr, found[:12]))}); name "
                         "one with --date-column")
    return found[0] if found else None


def _holds_years(values: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    numbers = values.to_numpy(dtype=np.float64)
    return bool(np.isfinite(numbers).all() and ((numbers >= 1678) & (numbers <= 2261)).all())


def _holds_dates(values: pd.Series, fmt: CsvFormat) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or not len(values):
        return False
    if pd.to_numeric(values, errors="coerce").notna().all():  # (numbers written as text)
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            dates = pd.to_datetime(values, errors="coerce", format=fmt.date_format, dayfirst=fmt.dayfirst,
                                   utc=True)
        except (ValueError, TypeError):
            return False
    return bool(dates.notna().all())


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
    if path.is_dir():
        raise InputError(f"data file {str(path)!r} is a folder; name a CSV file")
    if not path.is_file():
        raise InputError(f"data file {str(path)!r} does not exist")
    size = path.stat().st_size
    if size > LIMITS["csv_bytes"]:
        raise InputError(f"{path} holds {size:,} bytes, above the {LIMITS['csv_bytes']:,} a CSV may hold "
                         "(a limit against exhausting memory: raise lstmkit.errors.LIMITS['csv_bytes'] on "
                         "purpose, or use a Parquet file with lstmkit train)")
    try:
        check_bytes(path)  # (first: a huge line must not be read whole to find the layout)
        layout = _layout(path)
        layout.update({k: v for k, v in (("sep", fmt.sep), ("decimal", fmt.decimal)) if v is not None})
        check_header(path, layout.get("sep", ","))
        options = {**layout, **options}
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # rows longer than the header
            frame = pd.read_csv(path, encoding="utf-8", index_col=False, **options)
        check_decimal_commas(path, frame, options, DATE_NAMES)
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
    if fmt.fill is not None:
        raise InputError("--fill does not apply with covariates (--future, --past, --calendar, --holidays): "
                         "fill the gaps in the file first, or leave the covariates out")
    if column is None and not named:  # (--calendar or --holidays alone: the one numeric column)
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
                   and c != date_column and str(c).strip().lower() not in DATE_NAMES]
        column = numeric[0] if len(numeric) == 1 else None
    if column is None:
        raise InputError("covariates need --column: the series to forecast among "
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
