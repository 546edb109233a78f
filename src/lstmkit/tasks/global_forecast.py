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

import numpy as np
import torch

from lstmkit.checkpoints import checkpoint_path, fingerprint
from lstmkit.conformal import calibration_scores, check_levels, interval_columns, series_scale
from lstmkit.data.panel import Panel, forecasts_out
from lstmkit.data.seasonal import indices_at, seasonal_indices
from lstmkit.data.windows import WindowSampler, last_windows, network_inputs, normalise, window_loss
from lstmkit.errors import InputError
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, predict_batches, resolve_device, train


class GlobalState:
    """What a fitted global model keeps besides its networks."""

    def __init__(self, panel: Panel, indices: list[np.ndarray], season: int, lookback: int, horizon: int):
        self.panel, self.indices = panel, indices
        self.season, self.lookback, self.horizon = season, lookback, horizon

    def adjusted(self) -> list[np.ndarray]:
        return adjust(self.panel.values, self.indices)

    def to_dict(self) -> dict:
        return {"panel": self.panel.to_dict(), "values": [v.tolist() for v in self.panel.values],
                "indices": [i.tolist() for i in self.indices], "season": self.season,
                "lookback": self.lookback, "horizon": self.horizon}

    @classmethod
    def from_dict(cls, data: dict) -> GlobalState:
        values = [np.asarray(v, dtype=np.float64) for v in data["values"]]
        indices = [np.asarray(i, dtype=np.float64) for i in data["indices"]]
        return cls(Panel.from_dict(data["panel"], values), indices, int(data["season"]),
                   int(data["lookback"]), int(data["horizon"]))


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
    if est.difference not in ("auto", "none"):
        raise InputError(f"difference must be 'auto' (seasonal adjustment where the series is seasonal) "
                         f"or 'none' for many series; received {est.difference!r}")
    season = est.season or panel.season() or 1
    horizon = horizon_of(est)
    lookback = est.lookback or max(season, 2 * horizon, 8)
    state = GlobalState(panel, season_indices(est, panel.values, season), season, lookback, horizon)
    series = transformed(est, state.adjusted(), panel)
    held = int(est.val_size or 0)
    if held and held < horizon:
        raise InputError(f"val_size must be 0 or at least horizon ({horizon}) for many series (the last "
                         f"val_size values of each series validate); received {held}")
    train_series = [s[: len(s) - held] if held else s for s in series]
    log = est.transform == "log"
    sampler = WindowSampler(train_series, lookback, horizon, recent=est.recent_windows, log=log,
                            device=est.device_)
    if len(sampler) == 0:
        shortest = int(np.argmax([len(s) for s in panel.values]))
        raise InputError(f"no series is long enough to train on: each needs at least horizon + 1 = "
                         f"{horizon + 1 + held} values (with val_size {held}); the longest, series "
                         f"{panel.ids[shortest]!r}, has {len(panel.values[shortest])}")
    validation = _validation(sampler, series, held, horizon) if held else None
    config = TrainConfig(epochs=est.epochs, batch_size=est.batch_size, lr=est.lr, lr_schedule=est.lr_schedule,
                         weight_decay=est.weight_decay, patience=est.patience if held else None,
                         n_threads=est.n_threads)
    seed = resolve_seed(est.random_state)
    est.modules_, histories = [], []
    for k in range(est.n_models):
        with seeded(seed + k, est.device_):
            module = est._build_global(lookback, horizon).to(est.device_)
            history = train(
                module, window_loss(est.loss, log), sampler, None, config, validation=validation,
                seed=seed + k, progress=est.verbose, description=f"model {k + 1}/{est.n_models}",
                checkpoint=checkpoint_path(checkpoint_dir, k), resume=resume,
                fingerprint=fingerprint(est._fit_params(), seed + k, torch.from_numpy(sampler.values),
                                        torch.from_numpy(sampler.offsets), len(sampler)),
                on_epoch=on_epoch,
            )
        est.modules_.append(module)
        histories.append(history)
    est.history_ = histories[0] if est.n_models == 1 else histories
    return state


def _validation(sampler: WindowSampler, series: list[np.ndarray], held: int, horizon: int):
    """One window per series: inputs end ``held`` values before its end, targets follow."""
    lengths = np.array([len(s) for s in series])
    rows = np.flatnonzero(lengths - held >= 1)
    whole = WindowSampler(series, sampler.lookback, horizon, log=sampler.log, device=sampler.device)
    return whole.windows(rows, lengths[rows] - held)


def calibrate_global(est, state: GlobalState) -> np.ndarray:
    """Conformal scores from refits on the series cut before their ends (``conformal.py``)."""
    horizon = state.horizon if est.strategy != "recursive" else (
        est.conformal_horizon or max(2 * state.season, 12))

    def fit_predict(train: list[np.ndarray], h: int) -> np.ndarray:
        model = est.__class__(**est.get_params()).set_params(
            conformal_windows=0, season=state.season, verbose=False)
        return np.stack(model.fit(train).predict(h))

    return calibration_scores(fit_predict, state.panel.values, horizon, state.season, est.conformal_windows)


@torch.inference_mode()
def predict_global(est, state: GlobalState, h: int, panel: Panel | None = None, level=None):
    """Forecasts of the ``h`` values after every series (of ``panel``, else the training panel);
    with ``level`` also conformal interval bounds."""
    levels = check_levels(level, est.conformal_scores_, h)
    if est.strategy != "recursive" and h > state.horizon:
        raise InputError(f"h must be at most horizon ({state.horizon}) for strategy={est.strategy!r}; "
                         f"received {h} (fit with a larger horizon, or strategy='recursive')")
    if panel is None:
        panel, indices = state.panel, state.indices
    else:
        indices = season_indices(est, panel.values, state.season)
    inputs, observed = last_windows(transformed(est, adjust(panel.values, indices), panel), state.lookback)
    if est.strategy == "recursive":
        path = _recursive(est, inputs, observed, h)
    else:
        path = _step(est, inputs, observed)[:, :h]
    if est.transform == "log":
        path = np.exp(path)
    lengths = [len(v) for v in panel.values]
    season = np.stack([indices_at(idx, n, h) for idx, n in zip(indices, lengths)])
    forecasts = path * season
    extra = None
    if levels is not None:
        scales = np.array([series_scale(v, state.season) for v in panel.values])
        extra = interval_columns(forecasts, scales, est.conformal_scores_, levels)
    return forecasts_out(panel, forecasts, extra)


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
