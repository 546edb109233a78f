"""Long-format Parquet read in chunks of whole series, with bounded memory.

``read_chunks`` reads a long-format Parquet file, or a directory of them (files in name
order), with pyarrow a record batch at a time and yields ``Chunk``s of whole series. Each
series' rows must be contiguous and in time order, as in a file sorted by (id, time);
a series whose rows come in two places is refused once the file has been read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.data.series import dates_after, infer_freq, step_kind
from lstmkit.errors import InputError

CHUNK_ROWS = 1_000_000  # rows per record batch read


def is_parquet_source(y) -> bool:
    """Whether ``y`` names a Parquet file or a directory (of Parquet files)."""
    if not isinstance(y, (str, Path)):
        return False
    path = Path(y)
    return path.suffix in (".parquet", ".pq") or path.is_dir()


@dataclass
class Chunk:
    """Whole series read from a long-format file: ids, lengths, values and times, flat."""

    ids: np.ndarray  # (n,) series names
    lengths: np.ndarray  # (n,) values per series
    values: np.ndarray  # (sum lengths,) float64
    times: np.ndarray  # (sum lengths,) datetime64 or int64
    freq: str  # pandas frequency of the dates, or "integer"

    def series(self, values: np.ndarray | None = None) -> list[np.ndarray]:
        """Each series' values (of ``values``, flat like the chunk's, e.g. adjusted ones)."""
        return np.split(self.values if values is None else values, np.cumsum(self.lengths)[:-1])

    def future_times(self, h: int) -> np.ndarray:
        """(n, h) times of the h steps after each series' last."""
        last = self.times[np.cumsum(self.lengths) - 1]
        if self.freq == "integer":
            return last[:, None] + np.arange(1, h + 1)
        return dates_after(pd.DatetimeIndex(last), h, self.freq)


def read_chunks(source, columns: tuple[str, str, str], chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Chunks of whole series from a long-format Parquet file or directory (see the module)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    carry, freq, seen, pending = None, None, [], []  # pending: chunks read before the frequency is known
    for batch in _batches(source, columns, chunk_rows):
        table = pa.Table.from_batches([batch])
        if carry is not None:
            try:
                table = pa.concat_tables([carry, table])
            except pa.ArrowInvalid:
                raise InputError(f"data {str(source)!r}: its files give the columns {list(columns)} "
                                 f"different types ({carry.schema.types} vs {table.schema.types})") from None
        ids = table.column(0).combine_chunks()
        if len(ids) == 0:
            continue
        starts = np.r_[0, np.flatnonzero(pc.not_equal(ids[1:], ids[:-1]).to_numpy(zero_copy_only=False)) + 1]
        done = int(starts[-1])  # the last series may go on in the next batch
        carry = table.slice(done)
        if done:
            chunk, freq = _chunk(table.slice(0, done), starts[:-1], freq, columns)
            seen.append(ids.take(pa.array(starts[:-1])))
            yield from _ready(pending, chunk, freq, columns)
    if carry is not None and carry.num_rows:
        chunk, freq = _chunk(carry, np.array([0]), freq, columns)
        seen.append(carry.column(0).slice(0, 1).combine_chunks())
        yield from _ready(pending, chunk, freq, columns)
    if not seen:
        raise InputError(f"data {str(source)!r} has no rows")
    if pending:
        raise InputError(f"data {str(source)!r}: no series has 3 dates or more, so its frequency is unknown")
    _check_unique(pa.concat_arrays(seen), columns)


def _ready(pending: list[Chunk], chunk: Chunk, freq: str | None, columns) -> list[Chunk]:
    """The chunks that can be yielded: none until the frequency is known, then the pending
    ones (checked at that frequency) and this one."""
    pending.append(chunk)
    if freq is None:
        return []
    ready = pending[:]
    pending.clear()
    for early in ready[:-1]:
        check_steps(early, freq, columns)
    return ready


def check_columns(source, columns: tuple[str, str, str]) -> list[Path]:
    """The Parquet files of ``source`` (in name order), each checked for ``columns``."""
    import pyarrow.parquet as pq

    path = Path(source)
    if not path.exists():
        raise InputError(f"data {str(source)!r} does not exist")
    files = [path]
    if path.is_dir():  # hidden files (".x", "_x": temporary or metadata files) are not data
        files = sorted(p for p in path.rglob("*") if p.suffix in (".parquet", ".pq")
                       and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
    if not files:
        raise InputError(f"data {str(source)!r} is a directory without .parquet files")
    for file in files:
        try:
            names = pq.read_schema(file).names
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            first = (str(error).splitlines() or ["empty"])[0]
            raise InputError(f"data {str(file)!r} is not a Parquet file: {first}") from None
        missing = [c for c in columns if c not in names]
        if missing:
            raise InputError(f"data {str(file)!r} lacks the columns {missing}; it has {names[:8]} "
                             "(name them with columns: {id: ..., time: ..., value: ...})")
    return files


def _batches(source, columns, chunk_rows):
    """Record batches of at most ``chunk_rows`` rows, normalised. Memory stays near one batch
    even for a file written as one huge row group: no pre-buffering, a buffered stream, and
    a fresh batch iterator per row group (one iterator over all groups holds on to more)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for file in check_columns(source, columns):
        reader = pq.ParquetFile(file, pre_buffer=False, buffer_size=1 << 20)
        for group in range(reader.metadata.num_row_groups):
            for batch in reader.iter_batches(chunk_rows, row_groups=[group], columns=list(columns)):
                yield from _normalise(pa.Table.from_batches([batch]), columns).to_batches()


def _normalise(table, columns):
    """One batch with one schema whatever the file wrote: ids decoded (strings or int64),
    times as timestamp[ns] or int64 (date strings parsed), values float64."""
    import pyarrow as pa

    id_col, time_col, value_col = columns
    ids, times, values = (_decoded(table.column(c)) for c in columns)
    if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
        ids = ids.cast(pa.string())
    elif pa.types.is_integer(ids.type):
        ids = ids.cast(pa.int64())
    if pa.types.is_timestamp(times.type) and times.type.tz is not None:
        raise InputError(f"column {time_col!r} holds times with time zone {times.type.tz}; convert them to "
                         "naive local times (e.g. tz_localize(None))")
    if pa.types.is_timestamp(times.type) or pa.types.is_date(times.type):
        times = times.cast(pa.timestamp("ns"))
    elif pa.types.is_string(times.type) or pa.types.is_large_string(times.type):
        try:
            parsed = pd.to_datetime(times.to_numpy(zero_copy_only=False))
        except (ValueError, TypeError) as error:
            raise InputError(f"column {time_col!r} holds text that is not dates: "
                             f"{str(error).splitlines()[0]}") from None
        times = pa.chunked_array([pa.array(parsed.to_numpy(), type=pa.timestamp("ns"))])
    elif pa.types.is_integer(times.type):
        times = times.cast(pa.int64())
    else:
        raise InputError(f"column {time_col!r} must hold dates or integers; received {times.type}")
    if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
            or pa.types.is_decimal(values.type)):
        raise InputError(f"column {value_col!r} must hold numbers; received {values.type}")
    return pa.table({id_col: ids, time_col: times, value_col: values.cast(pa.float64())})


def _decoded(column):
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column


def _chunk(table, starts: np.ndarray, freq: str | None, columns) -> tuple[Chunk, str]:
    id_col, time_col, value_col = columns
    for name in (id_col, time_col):
        if table.column(name).null_count:
            raise InputError(f"column {name!r} has missing values")
    ids = table.column(id_col).take(starts).to_pylist()
    n_rows = table.num_rows
    lengths = np.diff(np.r_[starts, n_rows])
    values = table.column(value_col).to_numpy(zero_copy_only=False).astype(np.float64)  # nulls: NaN
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.searchsorted(starts, np.flatnonzero(bad)[0], side="right") - 1)
        raise InputError(f"series {ids[row]!r} has NaN or infinite values in {value_col!r}")
    times = table.column(time_col).to_numpy()
    chunk = Chunk(np.array(ids, dtype=object), lengths, values, times, freq)
    if freq is None:  # from the first series with 3 values or more (integers: any)
        longer = np.flatnonzero((lengths >= 3) | np.issubdtype(times.dtype, np.integer))
        if not len(longer):
            return chunk, None  # only series of 1-2 dates so far: checked once the frequency is known
        first = int(longer[0])
        freq = _frequency(times[starts[first] : starts[first] + lengths[first]], ids[first], time_col)
    check_steps(chunk, freq, columns)
    return chunk, freq


def check_steps(chunk: Chunk, freq: str, columns) -> None:
    """Every series of ``chunk`` one step of ``freq`` apart at every row; sets ``chunk.freq``."""
    id_col, time_col, _ = columns
    ids, times = chunk.ids, chunk.times
    starts = np.cumsum(chunk.lengths) - chunk.lengths
    step_ok = _steps_ok(times, freq)
    step_ok[starts[1:] - 1] = True  # a new series may start anywhere
    if not step_ok.all():
        row = int(np.searchsorted(starts, np.flatnonzero(~step_ok)[0], side="right") - 1)
        raise InputError(f"series {ids[row]!r} is not in time order at frequency {freq!r} (gaps, repeats "
                         f"or another frequency); sort the data by ({id_col}, {time_col}) and fill gaps")
    chunk.freq = freq


def _frequency(times: np.ndarray, uid, time_col: str) -> str:
    if np.issubdtype(times.dtype, np.integer):
        return "integer"
    if (times[1:] <= times[:-1]).any():
        raise InputError(f"series {uid!r} is not in time order; sort the data by (id, {time_col})")
    freq = infer_freq(pd.DatetimeIndex(times))
    if freq is None:
        raise InputError(f"series {uid!r} (the first with 3 dates or more) has irregular dates; its "
                         "frequency sets the data's")
    return freq


def _steps_ok(times: np.ndarray, freq: str) -> np.ndarray:
    """(rows - 1,) whether each time is one step after the previous row's (padded to rows)."""
    if freq == "integer":
        if not np.issubdtype(times.dtype, np.integer):
            return np.zeros(len(times), dtype=bool)
        ok = np.diff(times) == 1
    else:
        if not np.issubdtype(times.dtype, np.datetime64):
            return np.zeros(len(times), dtype=bool)
        kind, step = step_kind(freq)
        stamps = pd.DatetimeIndex(times)
        if kind == "week":
            ok = np.diff(times) == np.timedelta64(7 * step, "D")
        elif kind == "month":
            months = stamps.year.to_numpy() * 12 + stamps.month.to_numpy()
            ok = np.diff(months) == step
        else:
            ok = np.asarray(stamps[:-1] + pd.tseries.frequencies.to_offset(freq) == stamps[1:])
    return np.r_[ok, True]


def _check_unique(ids, columns) -> None:
    import pyarrow.compute as pc

    if pc.count_distinct(ids).as_py() == len(ids):
        return
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))[0]["values"].as_py()
    raise InputError(f"series {repeated!r} has rows in more than one place; sort the data by "
                     f"({columns[0]}, {columns[1]})")
