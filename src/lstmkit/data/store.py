"""Millions of series in bounded memory: series from Parquet (``data/parquet.py``) kept on disk.

``SeriesStore.write`` turns a long-format Parquet file into what global training reads:
every series seasonally adjusted (and logged, if asked) as ``tasks/global_recipe.py``
does in memory, in one flat float64 file. Training draws windows from it a batch at a time
(``WindowSampler.from_flat``), each window's values read with one ``pread``: nothing of the
file is mapped into the process, so the resident memory is a few arrays of one number per
series, whatever the number of values. (A memory map was tried first: every page fault
mapped about 1.4 MB of the file, 330 MB for one batch of 256 windows at 1M series.)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.data.parquet import CHUNK_ROWS, Chunk, read_chunks
from lstmkit.data.seasonal import seasonal_indices_many
from lstmkit.data.series import season_length
from lstmkit.errors import InputError

IN_MEMORY = ("tmpfs", "ramfs")  # file systems whose files live in RAM


def store_parent(store_dir=None) -> str:
    """The folder that receives the store's temporary directory: ``store_dir`` (created if
    needed), else the system's temporary folder, with a warning when that lives in RAM."""
    if store_dir is not None:
        if not isinstance(store_dir, (str, os.PathLike)):
            raise InputError(f"store_dir must be a folder path; received {store_dir!r}")
        try:
            Path(store_dir).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"store_dir {str(store_dir)!r} cannot hold the series store: "
                             f"{error.strerror or error}") from None
        return str(store_dir)
    parent = tempfile.gettempdir()
    kind = filesystem_type(parent)
    if kind in IN_MEMORY:
        warnings.warn(f"the temporary folder {parent!r} is in memory ({kind}), so the series store will "
                      "take RAM; pass store_dir=... to fit (config key store_dir) or set TMPDIR to a folder "
                      "on disk", UserWarning, stacklevel=4)
    return parent


def filesystem_type(path) -> str | None:
    """The type of the file system that holds ``path`` (from /proc/mounts), None where unknown."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    path, best, kind = os.path.realpath(path), "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def adjusted(chunk: Chunk, season: int, seasonal: bool, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """A chunk's values divided by their seasonal indices (then logged): (flat values, (n, season))."""
    indices = seasonal_indices_many(chunk.series(), season) if seasonal else np.ones((len(chunk.ids), 1))
    row = np.repeat(np.arange(len(chunk.ids)), chunk.lengths)
    position = np.arange(len(row)) - np.repeat(np.cumsum(chunk.lengths) - chunk.lengths, chunk.lengths)
    values = chunk.values / indices[row, position % indices.shape[1]]
    if log:
        if (values <= 0).any():
            uid = chunk.ids[row[int(np.flatnonzero(values <= 0)[0])]]
            raise InputError(f"transform='log' needs positive values; series {uid!r} has a value <= 0 "
                             "(use transform='none')")
        values = np.log(values)
    return values, indices


class FileValues:
    """A flat float64 file seen as an array that is read, never mapped: ``values[index]``
    for a (m, k) index array reads each row's span with one ``pread``."""

    def __init__(self, path):
        self._file = open(path, "rb")
        self._size = os.path.getsize(path) // 8

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index, dtype=np.int64)
        rows = index.reshape(len(index), -1)
        low, high = rows.min(axis=1), rows.max(axis=1)
        out = np.empty(rows.shape)
        fd = self._file.fileno()
        for i, (a, b) in enumerate(zip(low.tolist(), high.tolist())):
            span = np.frombuffer(os.pread(fd, (b - a + 1) * 8, a * 8), dtype=np.float64)
            out[i] = span[rows[i] - a]
        return out.reshape(index.shape)

    def __array__(self, dtype=None, copy=None):  # the whole file (tests, small stores)
        return self[np.arange(self._size)[None, :]][0].astype(dtype or np.float64)

    def close(self) -> None:
        self._file.close()


class SeriesStore:
    """Series on disk as global training reads them (see the module docstring)."""

    def __init__(self, directory):
        self.directory = Path(directory)
        meta = json.loads((self.directory / "meta.json").read_text())
        self.season, self.freq, self.digest = meta["season"], meta["freq"], meta["digest"]
        self.columns = tuple(meta["columns"])
        self.lengths = np.load(self.directory / "lengths.npy")
        self.offsets = np.r_[0, np.cumsum(self.lengths)[:-1]]
        self.values = FileValues(self.directory / "values.f64")

    def __len__(self) -> int:
        return len(self.lengths)

    def id_of(self, i: int):
        """The name of series ``i``."""
        import pyarrow.parquet as pq

        return pq.read_table(self.directory / "ids.parquet").column(0)[int(i)].as_py()

    @classmethod
    def write(cls, source, directory, columns: tuple[str, str, str], season: int | None = None,
              seasonal: bool = True, log: bool = False, chunk_rows: int = CHUNK_ROWS) -> SeriesStore:
        """Read ``source`` in chunks into a new store in ``directory``; returns it opened."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        digest, lengths, ids, freq = hashlib.sha256(), [], [], None
        with open(directory / "values.f64", "wb") as out:
            for chunk in read_chunks(source, columns, chunk_rows):
                if freq is None:
                    freq = chunk.freq
                    first = (pd.date_range(chunk.times[0], periods=3, freq=freq) if freq != "integer"
                             else pd.RangeIndex(3))
                    season = season or season_length(first) or 1
                values, _ = adjusted(chunk, season, seasonal and season > 1, log)
                data = values.astype(np.float64).tobytes()
                out.write(data)
                digest.update(data)
                lengths.append(chunk.lengths)
                ids.append(pa.array(chunk.ids.tolist()))
        lengths = np.concatenate(lengths).astype(np.int64)
        digest.update(lengths.tobytes())
        np.save(directory / "lengths.npy", lengths)
        pq.write_table(pa.table({"id": pa.concat_arrays(ids)}), directory / "ids.parquet")
        meta = {"season": int(season), "freq": freq, "columns": list(columns), "digest": digest.hexdigest()}
        (directory / "meta.json").write_text(json.dumps(meta))
        return cls(directory)
