"""Training windows drawn lazily from many series, normalised per window.

Nothing holds every window of every series: the series sit in one flat array (in memory,
or a file read a window at a time, ``data/store.FileValues``), each epoch draws one cut point per series
(a random position within that series), and the windows themselves are made one batch at a
time, so memory grows with the batch, not with series count x length.

Per-window normalisation (as N-BEATS and Hewamalage et al. do): a window's inputs and
targets are shifted by its level (an exponentially weighted mean of its inputs) and
divided by its mean absolute input value, so every window looks level- and scale-free to
the network: ``z = (y - level) / scale``; forecasts are ``y = level + scale * z``. For
logged series (positive data) the scale is a constant and z are log-ratios.

``recent``: cut points only among the last ``recent`` of each series (N-BEATS's history
limit): windows near the forecast origin matter most.

Padding rule: a cut point may leave fewer than ``lookback`` values before it (short
series); missing input positions repeat the series' first value and carry 0 in a second
input channel (1 = observed), so the network can tell padding from data. A window needs at
least ``min_inputs`` observed inputs and all of its ``horizon`` targets.
"""

from __future__ import annotations

import numpy as np
import torch

LEVEL_ALPHA = 0.2  # smoothing weight of the exponentially weighted level windows are shifted by
LOG_SCALE = 0.1  # log-ratios are divided by this (0.1 ~ a 10% change becomes 1)


def normalise(inputs: np.ndarray, observed: np.ndarray, log: bool = False):
    """(m, lookback) inputs -> (z inputs, level (m, 1), scale (m, 1)).

    ``level``: exponentially weighted mean of the observed inputs (weight ``LEVEL_ALPHA``
    on the last), a smoother origin than the last value alone; ``scale``: mean absolute
    input, or ``LOG_SCALE`` when the inputs are logs (then z are scaled log-ratios).
    """
    weights = (1 - LEVEL_ALPHA) ** np.arange(inputs.shape[1])[::-1] * observed
    level = (inputs * weights).sum(axis=1, keepdims=True) / weights.sum(axis=1, keepdims=True)
    if log:
        scale = np.full_like(level, LOG_SCALE)
    else:
        count = np.maximum(observed.sum(axis=1, keepdims=True), 1)
        scale = (np.abs(inputs) * observed).sum(axis=1, keepdims=True) / count
        scale = np.where(scale > 0, scale, 1.0)
    return (inputs - level) / scale, level, scale


def network_inputs(z: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """(m, lookback) z values and observed flags -> (m, lookback, 2) float32."""
    return np.stack([z, observed], axis=-1).astype(np.float32)


def covariate_inputs(z, observed, past, future, static, relative=None) -> tuple[torch.Tensor, ...]:
    """The covariate network's inputs: (m, lookback, 2 + k) series channels and per-step
    covariates, (m, h, n_futr) future covariates, (m, s) static features; float32.
    ``relative`` (k flags): those covariates are read relative to their value at the last
    input step, as the target is read relative to its level (a trending indicator then
    looks the same at any date); the others (0/1 indicators) as they are."""
    if relative is not None and np.any(relative):
        flags = np.asarray(relative, dtype=bool)
        origin = past[:, -1:, :] * flags
        past = past - origin
        future = future - origin[..., past.shape[-1] - future.shape[-1] :]
    x = np.concatenate([network_inputs(z, observed), past.astype(np.float32)], axis=-1)
    return tuple(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in (x, future, static))


class WindowSampler:
    """Draws (inputs, targets) windows from many series, one window per series per draw.

    ``draw(generator)`` returns the epoch's ``Drawn`` windows, whose ``batch(rows)`` makes
    float32 tensors: inputs (m, lookback, 2) and targets (m, horizon + 1), whose column 0
    is ``level / scale`` (what a loss on the original scale, such as sMAPE, needs) and
    columns 1.. the normalised targets.
    """

    def __init__(self, series: list[np.ndarray], lookback: int, horizon: int, min_inputs: int = 1,
                 recent: int | None = None, log: bool = False, device: torch.device | str = "cpu"):
        lengths = np.array([len(s) for s in series], dtype=np.int64)
        values = np.concatenate([np.asarray(s, dtype=np.float64) for s in series])
        self._setup(values, np.r_[0, np.cumsum(lengths)[:-1]], lengths, lookback, horizon, min_inputs,
                    recent, log, device)

    @classmethod
    def from_flat(cls, values: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, lookback: int,
                  horizon: int, min_inputs: int = 1, recent: int | None = None, log: bool = False,
                  device: torch.device | str = "cpu") -> WindowSampler:
        """Series ``i`` is ``values[offsets[i] : offsets[i] + lengths[i]]``; ``values`` is an
        array or anything indexed like one by a 2-D index array (``store.FileValues``)."""
        sampler = cls.__new__(cls)
        sampler._setup(values, np.asarray(offsets, dtype=np.int64), np.asarray(lengths, dtype=np.int64),
                       lookback, horizon, min_inputs, recent, log, device)
        return sampler

    def with_covariates(self, steps: np.ndarray, n_futr: int, static: np.ndarray,
                        relative=None) -> WindowSampler:
        """Windows that also carry covariates: ``steps`` (rows aligned with the flat values,
        hist columns then ``n_futr`` futr columns) and ``static`` (a row per series). Inputs
        become (inputs (m, lookback, 2 + k), future (m, horizon, n_futr), static (m, s)):
        every covariate over the lookback, the futr ones over the horizon too, and never a
        hist value at a step being forecast."""
        self.steps, self.n_futr, self.static, self.relative = steps, n_futr, static, relative
        return self

    def still_loss(self, loss, n: int = 4096) -> float:
        """``loss`` of forecasting each window's level (a zero normalised output), on up to ``n``
        windows drawn with a fixed seed (the training's random numbers are not touched)."""
        _, target = self.draw(torch.Generator().manual_seed(0)).batch(slice(0, n))
        return float(loss(torch.zeros(len(target), self.horizon, device=target.device), target))

    def _setup(self, values, offsets, lengths, lookback, horizon, min_inputs, recent, log, device):
        self.steps, self.min_windows = None, 0
        self.lookback, self.horizon, self.log = lookback, horizon, log
        self.device = torch.device(device)
        self.values, self.offsets, self.lengths = values, offsets, lengths
        # first targets at positions min_inputs .. length - horizon (inclusive)
        last_cut = lengths - horizon
        self.first = np.full(len(lengths), min_inputs, dtype=np.int64)
        if recent is not None:
            self.first = np.maximum(self.first, last_cut - recent + 1)
        self.count = np.maximum(last_cut - self.first + 1, 0)
        self.usable = np.flatnonzero(self.count > 0)

    def at_least(self, n: int) -> WindowSampler:
        """Draw at least ``n`` windows however few the series: the series are
        then taken over again, each round in a fresh random order (a single series gives
        ``n`` windows an epoch, not one)."""
        self.min_windows = n
        return self

    def __len__(self) -> int:
        """Windows per draw: one per series long enough for a window, at least ``at_least``."""
        return max(len(self.usable), self.min_windows) if len(self.usable) else 0

    def draw(self, generator: torch.Generator) -> Drawn:
        """One random window from every usable series, in random order (made per batch)."""
        rounds = -(-len(self) // max(len(self.usable), 1))
        order = np.concatenate([self.usable[torch.randperm(len(self.usable), generator=generator).numpy()]
                                for _ in range(rounds)])[: len(self)]
        u = torch.rand(len(order), generator=generator, dtype=torch.float64).numpy()
        cuts = self.first[order] + np.minimum((u * self.count[order]).astype(np.int64), self.count[order] - 1)
        return Drawn(self, order, cuts)

    def windows(self, series: np.ndarray, cuts: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Windows of ``series`` (indices) whose first target is at position ``cuts``."""
        pos = cuts[:, None] + np.arange(-self.lookback, self.horizon)  # inputs, then targets
        observed = (pos[:, : self.lookback] >= 0).astype(np.float64)
        both = np.asarray(self.values[self.offsets[series, None] + np.maximum(pos, 0)], dtype=np.float64)
        inputs, targets = both[:, : self.lookback], both[:, self.lookback :]
        z, level, scale = normalise(inputs, observed, self.log)
        target = np.concatenate([level / scale, (targets - level) / scale], axis=1)
        target = torch.from_numpy(target.astype(np.float32)).to(self.device)
        if self.steps is None:
            return torch.from_numpy(network_inputs(z, observed)).to(self.device), target
        rows = self.offsets[series, None] + np.maximum(pos, 0)
        past = np.asarray(self.steps[rows[:, : self.lookback]])
        future = np.asarray(self.steps[rows[:, self.lookback :]][..., past.shape[-1] - self.n_futr :])
        x = covariate_inputs(z, observed, past, future, self.static[series], self.relative)
        return tuple(t.to(self.device) for t in x), target


class Drawn:
    """The windows of one draw (series indices and cut points), made a batch at a time."""

    def __init__(self, sampler: WindowSampler, series: np.ndarray, cuts: np.ndarray):
        self.sampler, self.series, self.cuts = sampler, series, cuts

    def __len__(self) -> int:
        return len(self.series)

    def batch(self, rows: slice) -> tuple[torch.Tensor, torch.Tensor]:
        """(inputs, targets) tensors of windows ``rows`` of this draw."""
        return self.sampler.windows(self.series[rows], self.cuts[rows])

    def all(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.batch(slice(None))


def last_windows(series: list[np.ndarray], lookback: int) -> tuple[np.ndarray, np.ndarray]:
    """The last ``lookback`` values of each series (padded by the padding rule) and flags."""
    inputs = np.empty((len(series), lookback))
    observed = np.zeros((len(series), lookback))
    for i, s in enumerate(series):
        n = min(len(s), lookback)
        inputs[i, lookback - n :] = s[len(s) - n :]
        inputs[i, : lookback - n] = s[0]
        observed[i, lookback - n :] = 1.0
    return inputs, observed


def window_loss(kind: str, log: bool = False):
    """Loss on normalised windows: ``loss(output (m, h), target (m, h + 1))``.

    "mse" / "mae": squared / absolute error of the normalised values. "smape": the
    symmetric percentage error of the values on the original scale (the shift and scale
    cancel except for ``level / scale``, carried in the target's column 0; for logged
    series the level cancels too: values are proportional to ``exp(LOG_SCALE * z)``).
    """
    def mse(out, target):
        return torch.mean((out - target[:, 1:]) ** 2)

    def mae(out, target):
        return torch.mean(torch.abs(out - target[:, 1:]))

    def smape(out, target):
        if log:
            out, true = torch.exp(LOG_SCALE * out), torch.exp(LOG_SCALE * target[:, 1:])
            return torch.mean(2 * torch.abs(out - true) / (out + true))
        level, true = target[:, :1], target[:, 1:]
        denom = torch.abs(level + out) + torch.abs(level + true)
        return torch.mean(2 * torch.abs(out - true) / torch.clamp(denom, min=1e-6))

    return {"mse": mse, "mae": mae, "smape": smape}[kind]
