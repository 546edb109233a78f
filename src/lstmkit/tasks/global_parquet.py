"""``GlobalForecaster.predict_parquet``: forecasts for every series of a long-format Parquet file
or folder, read and written chunk by chunk (memory does not grow with the number of series).

Columns as ``predict`` answers a long frame (Nixtla's names): the id and time columns, the
model's ``alias`` (default ``lstmkit``) and, with ``level``, ``lstmkit-lo-80``, ``lstmkit-hi-80``...
"""

from __future__ import annotations

import numpy as np

from lstmkit.data.parquet import CHUNK_ROWS, read_chunks
from lstmkit.data.store import adjusted
from lstmkit.tasks.global_recipe import check_freq


def predict_parquet(model, h: int, source, out, level=None, chunk_rows: int | None = None) -> int:
    """Write ``model``'s forecasts for every series of ``source`` to the Parquet file ``out``
    (atomically: nothing is left on an error); returns the number of series."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from lstmkit.files import atomic_write

    state = model.state_
    levels = model._check_h(h, level)
    id_col, time_col, _ = state.columns
    seasonal = model.difference == "auto" and state.season > 1
    alias = model.alias
    count = 0

    def write(tmp: str) -> None:
        nonlocal count
        writer = None
        try:
            for chunk in read_chunks(source, state.columns, chunk_rows or CHUNK_ROWS):
                check_freq(state, chunk.freq, f"data {str(source)!r}")
                values, indices = adjusted(chunk, state.season, seasonal, state.log)
                forecasts = model._forecast(chunk.series(values), indices, chunk.lengths, h)
                extra = model._intervals(chunk.series(), forecasts, levels) or {}
                table = pa.table({id_col: np.repeat(chunk.ids, h),
                                  time_col: chunk.future_times(h).reshape(-1),
                                  alias: forecasts.reshape(-1),
                                  **{f"{alias}-{k}": v.reshape(-1) for k, v in extra.items()}})
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                count += len(chunk.ids)
        finally:
            if writer is not None:
                writer.close()

    atomic_write(out, write)
    return count
