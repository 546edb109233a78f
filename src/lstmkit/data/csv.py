"""Read one series from a user's CSV file, with one-line errors for every way it can go wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.data.series import as_series
from lstmkit.errors import InputError

DATE_NAMES = ("date", "ds", "datetime", "timestamp", "time", "month", "period")


def read_series_csv(path, column: str | None = None, date_column: str | None = None) -> pd.Series:
    """The series in ``column`` of the CSV at ``path``, indexed by ``date_column`` if given.

    Without ``column`` the file must hold exactly one numeric column besides the dates.
    Without ``date_column`` a column named like a date (date, ds, month, ...) is used.
    """
    frame = _read(Path(path))
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
        dates = pd.to_datetime(frame[date_column], errors="coerce")
        if dates.isna().any():
            bad = frame[date_column][dates.isna()].iloc[0]
            raise InputError(f"--date-column {date_column!r} holds {bad!r}, which is not a date")
        values = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(dates), name=column)
    return as_series(values, f"column {column!r}")


def _read(path: Path, **options) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"data file {str(path)!r} does not exist")
    try:
        frame = pd.read_csv(path, encoding="utf-8", **options)
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty; it needs a header row and values") from None
    except pd.errors.ParserError as e:
        raise InputError(f"{path} is not a readable CSV ({str(e).splitlines()[0]})") from None
    if frame.empty:
        raise InputError(f"{path} has a header but no rows")
    return frame


def _names(frame: pd.DataFrame) -> str:
    return ", ".join(repr(str(c)) for c in frame.columns)


def read_sequences_csv(path, labelled: bool | str = True):
    """Univariate sequences from a UCR-style CSV: ``(X, y)`` (y is None when not ``labelled``).

    Format: a header row; the first column holds the label (unless ``labelled`` is False;
    ``"auto"``: when its header is "label"), the others the values in time order (one
    sequence per row). Labels are read as text, exactly as written (spaces around them
    aside): "1" and "1.0" are different classes, and an empty label is an error. Shorter
    sequences leave their last cells empty. X is a 3-D (n, time, 1) array when every row is
    full, else a list of (time_i, 1) arrays.
    """
    frame = _read(Path(path), converters={0: str})  # the first column as text, never as numbers
    if labelled == "auto":
        labelled = str(frame.columns[0]).strip().lower() == "label"
    if not labelled:
        frame = _read(Path(path))
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
