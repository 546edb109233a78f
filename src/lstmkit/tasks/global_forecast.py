"""One global network for many series: what ``Forecaster.fit`` does with a panel.

Recipe (Hewamalage et al. 2021; N-BEATS; every step fit on each series' training values):
1. seasonal adjustment: series that pass the M4 90% autocorrelation test are divided by
   their classical multiplicative seasonal indices (``data/seasonal.py``);
2. optionally logs (``transform="log"``, positive series), then windows drawn lazily, one
   per series per epoch (from the last ``recent_windows`` cut points of each series),
   normalised per window by their level and scale (``data/windows.py``);
3. one network for all series, trained with a loss on the normalised windows;
4. forecasts by a strategy: "direct" (one output per step of the horizon), "recursive"
   (one step, fed back) or "seq2seq" (an encoder-decoder LSTM writing the horizon);
   the seed ensemble is combined by the median; forecasts are multiplied back by the
   seasonal indices.
"""

from __future__ import annotations

import tempfile

import numpy as np
import torch

from lstmkit.checkpoints import checkpoint_path, fingerprint
from lstmkit.conformal import (
    calibration_scores,
    check_calibration_length,
    check_levels,
    interval_columns,
    series_scale,
)
from lstmkit.data.panel import Panel, forecasts_out, panel_freq
from lstmkit.data.parquet import CHUNK_ROWS, read_chunks
from lstmkit.data.seasonal import indices_at, seasonal_indices
from lstmkit.data.series import same_frequency
from lstmkit.data.store import SeriesStore, adjusted, store_parent
from lstmkit.data.windows import Drawn, WindowSampler, last_windows, network_inputs, normalise, window_loss
from lstmkit.errors import InputError
from lstmkit.seeding import network_seed, resolve_seed, seeded
from lstmkit.training import TrainConfig, interrupted, predict_batches, resolve_device, train


class GlobalState:
    """What a fitted global model keeps besides its networks: the training panel (None when
    trained from a Parquet file) and its seasonal indices, season, lookback and horizon."""

    def __init__(self, panel: Panel | None, indices: list[np.ndarray] | None, season: int, lookback: int,
                 horizon: int, columns: tuple[str, str, str] | None = None, n_series: int | None = None,
                 freq: str | None = None):
        self.panel, self.indices, self.freq = panel, indices, freq  # freq: of the training data
        self.season, self.lookback, self.horizon = season, lookback, horizon
        self.columns = tuple(columns) if columns is not None else panel.columns
        self.n_series = n_series if n_series is not None else len(panel.ids)

    def adjusted(self) -> list[np.ndarray]:
        return adjust(self.panel.values, self.indices)

    def to_dict(self) -> dict:
        out = {"season": self.season, "lookback": self.lookback, "horizon": self.horizon,
               "columns": list(self.columns), "n_series": self.n_series, "freq": self.freq}
        if self.panel is None:
            return out
        return {"panel": self.panel.to_dict(), "values": [v.tolist() for v in self.panel.values],
                "indices": [i.tolist() for i in self.indices], **out}

    @classmethod
    def from_dict(cls, data: dict) -> GlobalState:
        panel = indices = None
        if "panel" in data:
            values = [np.asarray(v, dtype=np.float64) for v in data["values"]]
            indices = [np.asarray(i, dtype=np.float64) for i in data["indices"]]
            panel = Panel.from_dict(data["panel"], values)
        freq = data["freq"] if "freq" in data else (panel_freq(panel) if panel is not None else None)
        return cls(panel, indices, int(data["season"]), int(data["lookback"]), int(data["horizon"]),
                   data.get("columns"), data.get("n_series"), freq)  # models saved before freq


def adjust(values: list[np.ndarray], indices: list[np.ndarray]) -> list[np.ndarray]:
    """Seasonally adjusted series: each value divided by its seasonal index."""
    return [v / indices_at(idx, 0, len(v)) for v, idx in zip(values, indices)]


def transformed(est, series: list[np.ndarray], panel: Panel) -> list[np.ndarray]:
    """Logs of the series for ``transform="log"`` (each must be positive), else the series."""
    if est.transform != "log":
        return series
    for uid, s in zip(panel.ids, series):
        if (s <= 0).any():
            raise InputError(f"transform='log' needs positive values; series {uid!r} has minimum "
                             f"{s.min():g} (use transform='none')")
    return [np.log(s) for s in series]


def season_indices(est, values: list[np.ndarray], season: int) -> list[np.ndarray]:
    if est.difference == "none" or season <= 1:
        return [np.ones(1) for _ in values]
    return [seasonal_indices(v, season) for v in values]


def horizon_of(est) -> int:
    if est.strategy == "recursive":
        return 1
    if est.horizon is None:
        raise InputError(f"strategy={est.strategy!r} needs horizon= (the steps each forecast covers, "
                         "e.g. horizon=18 for M3 monthly)")
    return int(est.horizon)


def fit_global(est, panel: Panel, checkpoint_dir=None, resume: bool = False, on_epoch=None) -> GlobalState:
    """Train ``est``'s networks on every series of ``panel``; sets ``est.modules_``/``history_``."""
    _check_difference(est)
    season = est.season or panel.season() or 1
    horizon = horizon_of(est)
    lookback = est.lookback or max(season, 2 * horizon, 8)
    state = GlobalState(panel, season_indices(est, panel.values, season), season, lookback, horizon,
                        freq=panel_freq(panel))
    series = transformed(est, state.adjusted(), panel)
    lengths = np.array([len(s) for s in series], dtype=np.int64)
    values = np.concatenate(series)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    data = (torch.from_numpy(values), torch.from_numpy(offsets))
    _train_networks(est, values, offsets, lengths, lambda i: panel.ids[i], lookback, horizon, data,
                    checkpoint_dir, resume, on_epoch)
    return state


def fit_store(est, source, columns: tuple[str, str, str], checkpoint_dir=None, resume: bool = False,
              on_epoch=None, store_dir=None) -> GlobalState:
    """``fit_global`` for a long-format Parquet file or directory, read in chunks into a
    store on disk (``data/store.py``, in a temporary directory removed afterwards):
    memory does not grow with the number of series. The model keeps no training values,
    so ``predict`` needs the series to forecast after (``predict(h, y=...)``). The store goes
    under ``store_dir``, else the system's temporary folder (a warning says when that is in RAM)."""
    _check_difference(est)
    if est.conformal_windows:
        raise InputError("conformal_windows needs the series in memory (a long DataFrame or a list); "
                         f"received a Parquet source {str(source)!r}: use conformal_windows=0")
    horizon = horizon_of(est)
    with tempfile.TemporaryDirectory(prefix="lstmkit-store-", dir=store_parent(store_dir)) as directory:
        store = SeriesStore.write(source, directory, columns, season=est.season,
                                  seasonal=est.difference == "auto", log=est.transform == "log")
        lookback = est.lookback or max(store.season, 2 * horizon, 8)
        _train_networks(est, store.values, store.offsets, store.lengths, store.id_of, lookback, horizon,
                        store.digest, checkpoint_dir, resume, on_epoch)
        state = GlobalState(None, None, store.season, lookback, horizon, columns, n_series=len(store),
                            freq=store.freq)
        store.values.close()
    return state


def _check_difference(est) -> None:
    if est.difference not in ("auto", "none"):
        raise InputError(f"difference must be 'auto' (seasonal adjustment where the series is seasonal) "
                         f"or 'none' for many series; received {est.difference!r}")


def _train_networks(est, values, offsets, lengths, name_of, lookback: int, horizon: int, data,
                    checkpoint_dir, resume, on_epoch) -> None:
    """Train ``est.n_models`` networks on windows of the series ``values[offsets[i]:][:lengths[i]]``
    (the last ``val_size`` values of each validate); ``data`` identifies them in checkpoints."""
    held = int(est.val_size or 0)
    if held and held < horizon:
        raise InputError(f"val_size must be 0 or at least horizon ({horizon}) for many series (the last "
                         f"val_size values of each series validate); received {held}")
    log = est.transform == "log"
    sampler = WindowSampler.from_flat(values, offsets, np.maximum(lengths - held, 0), lookback, horizon,
                                      recent=est.recent_windows, log=log, device=est.device_)
    if len(sampler) == 0:
        longest = int(np.argmax(lengths))
        raise InputError(f"no series is long enough to train on: each needs at least horizon + 1 = "
                         f"{horizon + 1 + held} values (with val_size {held}); the longest, series "
                         f"{name_of(longest)!r}, has {lengths[longest]}")
    validation = None
    if held:  # one window per series: inputs end ``held`` values before its end, targets follow
        whole = WindowSampler.from_flat(values, offsets, lengths, lookback, horizon, log=log,
                                        device=est.device_)
        rows = np.flatnonzero(lengths - held >= 1)
        validation = Drawn(whole, rows, lengths[rows] - held)
    config = TrainConfig(epochs=est.epochs, batch_size=est.batch_size, lr=est.lr, lr_schedule=est.lr_schedule,
                         weight_decay=est.weight_decay, patience=est.patience if held else None,
                         n_threads=est.n_threads)
    seed = resolve_seed(est.random_state)
    est.modules_, histories = [], []
    for k in range(est.n_models):
        if histories and interrupted():  # Ctrl-C: keep the networks trained so far
            break
        own = network_seed(seed, k)
        with seeded(own, est.device_):
            module = est._build_global(lookback, horizon).to(est.device_)
            history = train(
                module, window_loss(est.loss, log), sampler, None, config, validation=validation,
                seed=own, progress=est.verbose, description=f"model {k + 1}/{est.n_models}",
                checkpoint=checkpoint_path(checkpoint_dir, k), resume=resume,
                fingerprint=fingerprint(est._fit_params(), own, data, len(sampler)),
                on_epoch=on_epoch,
            )
        if histories and not history:  # stopped before its first epoch ended
            break
        est.modules_.append(module)
        histories.append(history)
    est.history_ = histories[0] if len(histories) == 1 else histories


def calibration_horizon(est, horizon: int, season: int) -> int:
    """The steps each conformal window forecasts."""
    return horizon if est.strategy != "recursive" else (est.conformal_horizon or max(2 * season, 12))


def check_calibration(est, panel: Panel) -> None:
    """Raise before any training when no series is long enough for one conformal window."""
    if not est.conformal_windows:
        return
    check_calibration_length(panel.values, calibration_horizon(est, horizon_of(est),
                                                               est.season or panel.season() or 1))


def calibrate_global(est, state: GlobalState) -> np.ndarray:
    """Conformal scores from refits on the series cut before their ends (``conformal.py``)."""
    horizon = calibration_horizon(est, state.horizon, state.season)

    def fit_predict(train: list[np.ndarray], h: int) -> np.ndarray:
        model = est.__class__(**est.get_params()).set_params(
            conformal_windows=0, season=state.season, verbose=False)
        return np.stack(model.fit(train).predict(h))

    return calibration_scores(fit_predict, state.panel.values, horizon, state.season, est.conformal_windows)


def predict_global(est, state: GlobalState, h: int, panel: Panel | None = None, level=None):
    """Forecasts of the ``h`` values after every series (of ``panel``, else the training panel);
    with ``level`` also conformal interval bounds."""
    levels = _check_h(est, state, h, level)
    if panel is None:
        if state.panel is None:
            raise InputError("this model was trained from a Parquet file and keeps no series: pass the "
                             "series to forecast after, predict(h, y=...)")
        panel, indices = state.panel, state.indices
    else:
        check_freq(state, panel_freq(panel), "y")
        indices = season_indices(est, panel.values, state.season)
    adjusted_values = transformed(est, adjust(panel.values, indices), panel)
    lengths = np.array([len(v) for v in panel.values])
    forecasts = _forecast(est, state, adjusted_values, np.stack([indices_at(i, 0, state.season or 1)
                                                                 for i in indices]), lengths, h)
    return forecasts_out(panel, forecasts, _intervals(est, state, panel.values, forecasts, levels))


def predict_parquet(est, state: GlobalState, h: int, source, out, level=None,
                    chunk_rows: int | None = None) -> int:
    """Forecasts for every series of a long-format Parquet file or directory, read and
    written chunk by chunk (memory does not grow with the number of series), to the
    Parquet file ``out`` (written atomically: nothing is left on an error). Returns the
    number of series forecast."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from lstmkit.files import atomic_write

    levels = _check_h(est, state, h, level)
    id_col, time_col, _ = state.columns
    seasonal = est.difference == "auto" and state.season > 1
    count = 0

    def write(tmp: str) -> None:
        nonlocal count
        writer = None
        try:
            for chunk in read_chunks(source, state.columns, chunk_rows or CHUNK_ROWS):
                check_freq(state, chunk.freq, f"data {str(source)!r}")
                values, indices = adjusted(chunk, state.season, seasonal, est.transform == "log")
                forecasts = _forecast(est, state, chunk.series(values), indices, chunk.lengths, h)
                extra = _intervals(est, state, chunk.series(), forecasts, levels) or {}
                table = pa.table({id_col: np.repeat(chunk.ids, h),
                                  time_col: chunk.future_times(h).reshape(-1),
                                  "forecast": forecasts.reshape(-1),
                                  **{k: v.reshape(-1) for k, v in extra.items()}})
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                count += len(chunk.ids)
        finally:
            if writer is not None:
                writer.close()

    atomic_write(out, write)
    return count


def check_freq(state: GlobalState, freq: str | None, what: str) -> None:
    """Dated series to forecast must step as the training series did (anchors aside)."""
    if state.freq in (None, "integer") or freq in (None, "integer") or same_frequency(state.freq, freq):
        return
    raise InputError(f"{what} has dates of frequency {freq!r}, but the model was trained on series of "
                     f"frequency {state.freq!r}; forecast series of that frequency, or fit a model on these")


def _check_h(est, state: GlobalState, h: int, level):
    levels = check_levels(level, est.conformal_scores_, h)
    if est.strategy != "recursive" and h > state.horizon:
        raise InputError(f"h must be at most horizon ({state.horizon}) for strategy={est.strategy!r}; "
                         f"received {h} (fit with a larger horizon, or strategy='recursive')")
    return levels


@torch.inference_mode()
def _forecast(est, state: GlobalState, series: list[np.ndarray], indices: np.ndarray, lengths: np.ndarray,
              h: int) -> np.ndarray:
    """(n, h) forecasts after seasonally adjusted (and logged) ``series``, whose seasonal
    indices are the rows of ``indices`` (position 0 = each series' first value)."""
    inputs, observed = last_windows(series, state.lookback)
    if est.strategy == "recursive":
        path = _recursive(est, inputs, observed, h)
    else:
        path = _step(est, inputs, observed)[:, :h]
    if est.transform == "log":
        path = np.exp(path)
    width = indices.shape[1]
    return path * indices[np.arange(len(lengths))[:, None], (lengths[:, None] + np.arange(h)) % width]


def _intervals(est, state: GlobalState, values: list[np.ndarray], forecasts: np.ndarray, levels):
    if levels is None:
        return None
    scales = np.array([series_scale(v, state.season) for v in values])
    return interval_columns(forecasts, scales, est.conformal_scores_, levels)


def _step(est, inputs: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Raw-scale outputs (m, outputs) of the networks for windows, median over the ensemble."""
    z, level, scale = normalise(inputs, observed, est.transform == "log")
    x = torch.from_numpy(network_inputs(z, observed)).to(resolve_device(est.device_))
    outs = np.stack([predict_batches(m, x).double().cpu().numpy() for m in est.modules_])
    return level + scale * np.median(outs, axis=0)


def _recursive(est, inputs: np.ndarray, observed: np.ndarray, h: int) -> np.ndarray:
    steps = []
    for _ in range(h):
        nxt = _step(est, inputs, observed)[:, :1]
        steps.append(nxt)
        inputs = np.concatenate([inputs[:, 1:], nxt], axis=1)
        observed = np.concatenate([observed[:, 1:], np.ones_like(nxt)], axis=1)
    return np.concatenate(steps, axis=1)
