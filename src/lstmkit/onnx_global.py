"""The ONNX graph of a global model (many series, one series with covariates, several
targets): strategies "direct" and "seq2seq", with or without covariates.

Inputs (float64; batch is a dynamic axis; L = lookback, H = horizon):

- ``values`` (B, L): each series' last L raw values, oldest first. A series shorter than L
  is padded on the left with its first value, and those positions carry 0 in ``observed``.
- ``observed`` (B, L): 1 for a real value, 0 for padding.
- ``seasonal`` (B, L + H): the seasonal index of each window step and each forecast step
  (all ones for a model or series without seasonal adjustment). The metadata key
  ``seasonal_indices`` holds each training series' indices: the index of position p (0 =
  the series' first value) is ``indices[p % len(indices)]``.
- with covariates, ``past_covariates`` (B, L, k): the metadata's ``past_columns`` (hist, then
  futr) over the window; ``future_covariates`` (B, H, f): the ``future_columns`` over the
  horizon; ``static`` (B, s): the ``static_columns``. Raw values: the graph standardises
  them. Calendar and holiday columns are inputs too (``lstmkit.data.covariates.add_calendar``
  computes them from dates).

Output ``forecast`` (B, H) float64: what ``predict(H)`` gives (seasonal adjustment, logs,
per-window normalisation, covariate standardisation, the median of the networks, undone).
"""

from __future__ import annotations

import json

import torch
from torch import nn

from lstmkit.data.windows import LEVEL_ALPHA, LOG_SCALE
from lstmkit.errors import InputError


def global_graph(model, nets: list[nn.Module], meta: dict) -> tuple[nn.Module, tuple, list, list, dict]:
    """(graph, example inputs, input names, output names, dynamic axes) of a fitted
    ``GlobalForecaster`` (``meta`` gets the schema)."""
    state = model.state_
    if model.strategy == "recursive":
        raise InputError("model must use strategy 'direct' or 'seq2seq' for ONNX export of many series (a "
                         "recursive global forecast feeds back normalised windows); received 'recursive'")
    cov = state.covariates
    L, H = state.lookback, state.horizon
    meta.update(lookback=L, horizon=H, season=state.season, log=state.log,
                strategy=model.strategy)
    if state.panel is not None:
        meta["seasonal_indices"] = json.dumps({str(i): idx.tolist() for i, idx in
                                               zip(state.panel.ids, state.indices)})
    names = ["values", "observed", "seasonal"]
    example = [torch.ones(2, L, dtype=torch.float64), torch.ones(2, L, dtype=torch.float64),
               torch.ones(2, L + H, dtype=torch.float64)]
    if cov is not None:
        if cov.static and cov.static_mean is None:
            raise InputError("this model was saved before static features' scaling was kept; refit it to "
                             "export it to ONNX")
        meta.update(past_columns=json.dumps(cov.columns), future_columns=json.dumps(cov.futr),
                    static_columns=json.dumps(cov.static), calendar=json.dumps(cov.calendar))
        names += ["past_covariates", "future_covariates", "static"]
        example += [torch.zeros(2, L, len(cov.columns), dtype=torch.float64),
                    torch.zeros(2, H, len(cov.futr), dtype=torch.float64),
                    torch.zeros(2, len(cov.static), dtype=torch.float64)]
    axes = {name: {0: "batch"} for name in [*names, "forecast"]}
    return _WindowForecast(nets, L, state.log, cov), tuple(example), names, ["forecast"], axes


class _WindowForecast(nn.Module):
    """Raw windows (and covariates) -> forecasts (B, H): the global recipe around the nets."""

    def __init__(self, nets: list[nn.Module], lookback: int, log: bool, cov):
        super().__init__()
        self.nets, self.lookback, self.log = nn.ModuleList(nets), lookback, log
        self.cov = cov is not None
        weights = (1 - LEVEL_ALPHA) ** torch.arange(lookback, dtype=torch.float64).flip(0)
        self.register_buffer("weights", weights)
        if cov is not None:
            k, f = len(cov.columns), len(cov.futr)
            f64 = dict(dtype=torch.float64)
            self.register_buffer("mean", torch.as_tensor(cov.mean, **f64).reshape(k))
            self.register_buffer("std", torch.as_tensor(cov.std, **f64).reshape(k))
            self.register_buffer("relative", torch.as_tensor(cov.relative, **f64).reshape(k))
            self.n_futr = f
            s = len(cov.static)
            for name in ("static_mean", "static_std"):
                self.register_buffer(name, torch.as_tensor(getattr(cov, name) if s else [], **f64).reshape(s))

    def forward(self, values, observed, seasonal, past=None, future=None, static=None):
        L = self.lookback
        x = values / seasonal[:, :L]
        if self.log:
            x = torch.log(x)
        w = self.weights * observed
        level = (x * w).sum(1, keepdim=True) / w.sum(1, keepdim=True)
        if self.log:
            scale = torch.full_like(level, LOG_SCALE)
        else:
            scale = (x.abs() * observed).sum(1, keepdim=True) / observed.sum(1, keepdim=True).clamp(min=1)
            scale = torch.where(scale > 0, scale, torch.ones_like(scale))
        z = torch.stack([(x - level) / scale, observed], dim=-1).float()
        if self.cov:
            past = (past - self.mean) / self.std
            origin = past[:, -1:, :] * self.relative
            past = past - origin
            first = past.shape[-1] - self.n_futr  # the futr columns come last
            future = (future - self.mean[first:]) / self.std[first:] - origin[..., first:]
            static = (static - self.static_mean) / self.static_std
            args = (torch.cat([z, past.float()], dim=-1), future.float(), static.float())
        else:
            args = (z,)
        outs = torch.stack([net(*args) for net in self.nets]).double()
        ordered = torch.sort(outs, dim=0).values
        m = len(self.nets)
        median = ordered[m // 2] if m % 2 else (ordered[m // 2 - 1] + ordered[m // 2]) / 2
        path = level + scale * median
        if self.log:
            path = torch.exp(path)
        return path * seasonal[:, L:]
