"""The global recipe's steps as plain functions (``GlobalForecaster`` composes them).

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

from lstmkit.data.covariates import Covariates
from lstmkit.data.panel import Panel, panel_freq
from lstmkit.data.seasonal import indices_at, seasonal_indices
from lstmkit.data.series import same_frequency
from lstmkit.data.windows import covariate_inputs, network_inputs, normalise
from lstmkit.errors import InputError
from lstmkit.training import predict_batches


class GlobalState:
    """What a fitted global model keeps besides its networks: the training panel (None when
    trained from a Parquet file) and its seasonal indices, season, lookback and horizon."""

    def __init__(self, panel: Panel | None, indices: list[np.ndarray] | None, season: int, lookback: int,
                 horizon: int, columns: tuple[str, str, str] | None = None, n_series: int | None = None,
                 freq: str | None = None, covariates: Covariates | None = None,
                 steps: list[np.ndarray] | None = None, log: bool = False):
        self.log = bool(log)  # the series are logged (transform "log", or "auto" on positive series)
        self.panel, self.indices, self.freq = panel, indices, freq  # freq: of the training data
        self.covariates = covariates or None  # the schema; steps: each series' standardised covariates
        self.steps = steps
        self.season, self.lookback, self.horizon = season, lookback, horizon
        self.columns = tuple(columns) if columns is not None else panel.columns
        self.n_series = n_series if n_series is not None else len(panel.ids)

    def adjusted(self) -> list[np.ndarray]:
        return adjust(self.panel.values, self.indices)

    def to_dict(self) -> dict:
        out = {"season": self.season, "lookback": self.lookback, "horizon": self.horizon,
               "columns": list(self.columns), "n_series": self.n_series, "freq": self.freq, "log": self.log}
        if self.covariates is not None:
            out["covariates"] = self.covariates.to_dict()
            out["steps"] = [s.tolist() for s in self.steps]
        if self.panel is None:
            return out
        return {"panel": self.panel.to_dict(), "values": [v.tolist() for v in self.panel.values],
                "indices": [i.tolist() for i in self.indices], **out}

    @classmethod
    def from_dict(cls, data: dict, log: bool = False) -> GlobalState:
        """(``log``: for models saved before the state kept it, the transform parameter's.)"""
        panel = indices = None
        if "panel" in data:
            values = [np.asarray(v, dtype=np.float64) for v in data["values"]]
            indices = [np.asarray(i, dtype=np.float64) for i in data["indices"]]
            panel = Panel.from_dict(data["panel"], values)
        freq = data["freq"] if "freq" in data else (panel_freq(panel) if panel is not None else None)
        covariates = Covariates.from_dict(data["covariates"]) if "covariates" in data else None
        steps = [np.asarray(v, dtype=np.float64).reshape(len(v), -1) for v in data.get("steps", [])]
        return cls(panel, indices, int(data["season"]), int(data["lookback"]), int(data["horizon"]),
                   data.get("columns"), data.get("n_series"), freq, covariates, steps,  # freq: since 11-29
                   data.get("log", log))


def adjust(values: list[np.ndarray], indices: list[np.ndarray]) -> list[np.ndarray]:
    """Seasonally adjusted series: each value divided by its seasonal index."""
    return [v / indices_at(idx, 0, len(v)) for v, idx in zip(values, indices)]


def uses_log(transform: str, values: list[np.ndarray]) -> bool:
    """Whether ``transform`` logs these series: "log" always, "auto" when every value of every
    series is positive (one network shares one transform), "none" never."""
    return transform == "log" or (transform == "auto" and all(len(v) and v.min() > 0 for v in values))


def transformed(series: list[np.ndarray], ids: list, log: bool) -> list[np.ndarray]:
    """Logs of the series when ``log`` (each must be positive; ``ids`` name them in errors)."""
    if not log:
        return series
    for uid, s in zip(ids, series):
        if (s <= 0).any():
            raise InputError(f"transform='log' needs positive values; series {uid!r} has minimum "
                             f"{s.min():g} (use transform='none', or 'auto': log only if all are positive)")
    return [np.log(s) for s in series]


def season_indices(values: list[np.ndarray], season: int, seasonal: bool) -> list[np.ndarray]:
    """Each series' seasonal indices (ones where ``seasonal`` is False or there is no season)."""
    if not seasonal or season <= 1:
        return [np.ones(1) for _ in values]
    return [seasonal_indices(v, season) for v in values]


def check_freq(state: GlobalState, freq: str | None, what: str) -> None:
    """Dated series to forecast must step as the training series did (anchors aside)."""
    if state.freq in (None, "integer") or freq in (None, "integer") or same_frequency(state.freq, freq):
        return
    raise InputError(f"{what} has dates of frequency {freq!r}, but the model was trained on series of "
                     f"frequency {state.freq!r}; forecast series of that frequency, or fit a model on these")


@torch.inference_mode()
def forecast(networks: list, device, strategy: str, log: bool, inputs: np.ndarray, observed: np.ndarray,
             indices: np.ndarray, lengths: np.ndarray, h: int, covariates: tuple | None = None) -> np.ndarray:
    """(n, h) forecasts after the last windows ``inputs`` (with their ``observed`` masks) of
    seasonally adjusted (and, with ``log``, logged) series whose seasonal indices are the rows
    of ``indices`` (position 0 = each series' first value) and whose lengths are ``lengths``.
    ``covariates``: (past (n, lookback, k), future (n, horizon, n_futr), static (n, s)),
    standardised, for a network fitted with covariates (recursive: future over the h steps)."""
    if strategy == "recursive":
        path = _recursive(networks, device, log, inputs, observed, h, covariates)
    else:
        path = _step(networks, device, log, inputs, observed, covariates)[:, :h]
    if log:
        path = np.exp(path)
    width = indices.shape[1]
    return path * indices[np.arange(len(lengths))[:, None], (lengths[:, None] + np.arange(h)) % width]


def _step(networks: list, device, log: bool, inputs: np.ndarray, observed: np.ndarray,
          covariates: tuple | None = None) -> np.ndarray:
    """Raw-scale outputs (m, outputs) of the networks for windows, median over the ensemble."""
    z, level, scale = normalise(inputs, observed, log)
    if covariates is None:
        x = torch.from_numpy(network_inputs(z, observed)).to(device)
    else:
        x = tuple(t.to(device) for t in covariate_inputs(z, observed, *covariates))
    outs = np.stack([predict_batches(m, x).double().cpu().numpy() for m in networks])
    return level + scale * np.median(outs, axis=0)


def _recursive(networks: list, device, log: bool, inputs: np.ndarray, observed: np.ndarray,
               h: int, covariates: tuple | None = None) -> np.ndarray:
    """One step at a time, each forecast fed back; with (future and static) covariates, the
    window's covariates move on by the future row of the step just forecast."""
    steps = []
    for j in range(h):
        now = None if covariates is None else (covariates[0], covariates[1][:, j : j + 1], *covariates[2:])
        nxt = _step(networks, device, log, inputs, observed, now)[:, :1]
        steps.append(nxt)
        inputs = np.concatenate([inputs[:, 1:], nxt], axis=1)
        observed = np.concatenate([observed[:, 1:], np.ones_like(nxt)], axis=1)
        if covariates is not None:  # (no hist columns here: the past columns are the future ones)
            covariates = (np.concatenate([covariates[0][:, 1:], covariates[1][:, j : j + 1]], axis=1),
                          *covariates[1:])
    return np.concatenate(steps, axis=1)
