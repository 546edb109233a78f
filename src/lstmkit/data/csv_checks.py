"""Checks on a CSV file's bytes and header before and after pandas reads it: what pandas would
otherwise read silently wrong (a NUL byte ends a field early, a repeated header name becomes
``name.1``, "1.120" in a decimal-comma file is 1.12) or slowly (one line of hundreds of MB)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.errors import LIMITS, InputError

CHUNK = 1 << 22  # bytes read at a time by the scan


def check_bytes(path: Path) -> None:
    """Refuse NUL bytes and lines longer than ``LIMITS["csv_line_bytes"]``, in one pass over the
    file in chunks (UTF-16 files, which hold NULs, are named as not UTF-8 text)."""
    line, row, limit = 0, 1, LIMITS["csv_line_bytes"]  # (bytes so far of line number ``row``)
    with open(path, "rb") as f:
        head = f.read(2)
        if head in (b"\xff\xfe", b"\xfe\xff"):
            raise InputError(f"{path} is UTF-16 text, not UTF-8; save it as UTF-8 CSV")
        f.seek(0)
        while chunk := f.read(CHUNK):
            nul = chunk.find(b"\0")
            if nul >= 0:
                at = row + chunk.count(b"\n", 0, nul)
                raise InputError(f"{path} holds a NUL byte (line {at}), which would end a field early; "
                                 "it is not a text CSV (or it is UTF-16: save it as UTF-8)")
            ends = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10)
            lengths = np.diff(ends, prepend=-1)
            if len(ends):
                lengths[0] += line
            longest = int(lengths.max()) if len(ends) else 0
            line = (len(chunk) - 1 - int(ends[-1])) if len(ends) else line + len(chunk)
            if longest > limit or line > limit:
                at = row + int(np.argmax(lengths)) if longest > limit else row + len(ends)
                raise InputError(f"{path} has a line of over {limit:,} bytes (line {at}), above the limit "
                                 "a CSV line may hold (raise lstmkit.errors.LIMITS['csv_line_bytes'] on "
                                 "purpose)")
            row += len(ends)


def check_header(path: Path, sep: str) -> None:
    """Refuse, before pandas reads the file, a header of more than ``LIMITS["csv_columns"]``
    fields, and one that names a column twice (pandas would rename the second ``name.1`` and a
    user's ``--column name`` would silently take the first)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        line = f.readline(64 * LIMITS["csv_columns"])
    if line.count(sep) >= LIMITS["csv_columns"]:
        raise InputError(f"{path} has over {LIMITS['csv_columns']:,} columns in its header (separator "
                         f"{sep!r}), above the limit a CSV may hold (raise "
                         "lstmkit.errors.LIMITS['csv_columns'] on purpose)")
    header = next(csv.reader([line], delimiter=sep), [])
    names = [name.strip() for name in header]
    seen = set()
    for i, name in enumerate(names):
        if name and name in seen:
            raise InputError(f"{path} names the column {name!r} twice in its header (columns "
                             f"{names.index(name) + 1} and {i + 1}); rename one")
        seen.add(name)


def check_decimal_commas(path: Path, frame: pd.DataFrame, options: dict, date_names=()) -> None:
    """In a file read with decimal commas, refuse numbers written with a '.' ("1.120": a thousands
    dot, or decimals with points): pandas would read them as 1.12, or keep them as text that
    float() then reads as 1.12. Columns named in ``date_names`` and columns not all numbers
    (dates such as 01.02.2020) are not judged."""
    if options.get("decimal") != ",":
        return
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    text = {c: frame[c] for c in frame.columns if c not in numeric and frame[c].dtype.kind in "OSU"
            or pd.api.types.is_string_dtype(frame[c])}
    if numeric:
        raw = pd.read_csv(path, encoding="utf-8", index_col=False, dtype=str, usecols=numeric,
                          sep=options.get("sep", ","))
        text.update({c: raw[c] for c in numeric})
    for column, values in text.items():
        if str(column).strip().lower() in date_names:
            continue
        values = values.dropna().astype(str)
        if not values.str.fullmatch(r"\s*[-+]?\d+([.,]\d+)*\s*").all():  # (text or dates, not numbers)
            continue
        dotted = values.str.fullmatch(r"\s*[-+]?(\d{1,3}(\.\d{3})+(,\d+)?|\d+\.\d+)\s*")
        if dotted.any():
            value = values[dotted].iloc[0]
            raise InputError(f"column {column!r} holds {value!r} in a file whose decimal mark is ','; is the "
                             "'.' a thousands separator? Remove it (1120, 2,5), or pass --decimal . if the "
                             "file writes decimals with points")
