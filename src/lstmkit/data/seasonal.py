"""Classical seasonal adjustment, as the M3/M4 benchmarks (Naive2, Theta) do it.

A series is called seasonal when its autocorrelation at the season length is significant
at 90% (``|r_m| > 1.645 * sqrt((1 + 2 * sum_{k<m} r_k^2) / n)``, the M4 competition's test)
and it holds at least three seasons of positive values. Its seasonal indices come from a
classical multiplicative decomposition: each value divided by a centred moving average
over one season, averaged per position in the season, normalised to mean 1.
Seasonally adjusted values are ``y / index``; forecasts are multiplied back.
"""

from __future__ import annotations

import numpy as np


def acf(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelations r_1 .. r_max_lag."""
    x = np.asarray(x, dtype=np.float64)
    d = x - x.mean()
    denom = float(d @ d)
    if denom == 0.0:
        return np.zeros(max_lag)
    return np.array([float(d[k:] @ d[:-k]) / denom for k in range(1, max_lag + 1)])


def is_seasonal(x: np.ndarray, season: int) -> bool:
    """The M4 competition's 90% autocorrelation test at lag ``season``."""
    x = np.asarray(x, dtype=np.float64)
    if season <= 1 or len(x) < 3 * season or (x <= 0).any():
        return False
    r = acf(x, season)
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / len(x))
    return bool(abs(r[-1]) > limit)


def seasonal_indices(x: np.ndarray, season: int) -> np.ndarray:
    """Multiplicative seasonal indices (length ``season``, mean 1); position 0 is x[0]'s.

    All ones when the series is not seasonal by ``is_seasonal``.
    """
    x = np.asarray(x, dtype=np.float64)
    if not is_seasonal(x, season):
        return np.ones(max(season, 1))
    trend = _centred_moving_average(x, season)
    ratios = x / trend  # NaN where the moving average is undefined
    idx = np.array([np.nanmean(ratios[p::season]) for p in range(season)])
    return idx / idx.mean()


def _centred_moving_average(x: np.ndarray, season: int) -> np.ndarray:
    """2 x m moving average for even m, m moving average for odd m; NaN at the ends."""
    out = np.full(len(x), np.nan)
    if season % 2:
        half = season // 2
        kernel = np.ones(season) / season
    else:
        half = season // 2
        kernel = np.r_[0.5, np.ones(season - 1), 0.5] / season
    out[half : len(x) - half] = np.convolve(x, kernel, mode="valid")
    return out


def indices_at(indices: np.ndarray, start: int, n: int) -> np.ndarray:
    """The seasonal index of positions start .. start + n - 1 (position 0 = the series' first)."""
    return indices[(start + np.arange(n)) % len(indices)]


MAX_CELLS = 1_000_000  # padded values per vectorised block (~8 MB per temporary array)


def seasonal_indices_many(series: list[np.ndarray], season: int) -> np.ndarray:
    """``seasonal_indices`` of many series at once, (n, season): the same test and
    decomposition, vectorised over blocks of series of similar length padded to one length
    (what ingesting a million series needs; one series at a time costs ~170 us each).
    Blocks hold at most ``MAX_CELLS`` padded values, so memory does not grow with a chunk."""
    n = len(series)
    if season <= 1 or n == 0:
        return np.ones((n, max(season, 1)))
    lengths = np.array([len(s) for s in series])
    order = np.argsort(lengths, kind="stable")
    out = np.ones((n, season))
    start = 0
    while start < n:
        stop = start + 1
        while stop < n and (stop - start + 1) * max(int(lengths[order[stop]]), season) <= MAX_CELLS:
            stop += 1
        rows = order[start:stop]
        out[rows] = _indices_block([series[i] for i in rows], season)
        start = stop
    return out


def _indices_block(series: list[np.ndarray], season: int) -> np.ndarray:
    """``seasonal_indices_many`` of series padded to the longest of them."""
    n = len(series)
    lengths = np.array([len(s) for s in series])
    width = -(-max(lengths.max(), season) // season) * season  # padded to whole seasons
    x = np.zeros((n, width))
    mask = np.arange(width) < lengths[:, None]
    x[mask] = np.concatenate(series)
    # the M4 test: autocorrelations of the mean-removed values (padding contributes 0)
    d = (x - (x.sum(axis=1) / lengths)[:, None]) * mask
    denom = (d * d).sum(axis=1)
    r = np.stack([(d[:, k:] * d[:, :-k]).sum(axis=1) for k in range(1, season + 1)], axis=1)
    r = np.divide(r, denom[:, None], out=np.zeros_like(r), where=denom[:, None] > 0)
    limit = 1.645 * np.sqrt((1 + 2 * (r[:, :-1] ** 2).sum(axis=1)) / lengths)
    positive = ((x > 0) | ~mask).all(axis=1)
    seasonal = (lengths >= 3 * season) & positive & (np.abs(r[:, -1]) > limit)
    out = np.ones((n, season))
    if not seasonal.any():
        return out
    x, mask, lengths = x[seasonal], mask[seasonal], lengths[seasonal]
    half = season // 2
    kernel = np.ones(season) / season if season % 2 else np.r_[0.5, np.ones(season - 1), 0.5] / season
    trend = np.full(x.shape, np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(x, len(kernel), axis=1)
    trend[:, half : width - half] = windows @ kernel
    t = np.arange(width)
    valid = (t >= half) & (t < lengths[:, None] - half)
    ratios = np.where(valid, x / np.where(valid, trend, 1.0), 0.0)
    sums = ratios.reshape(len(x), -1, season).sum(axis=1)
    counts = valid.reshape(len(x), -1, season).sum(axis=1)
    idx = sums / counts
    out[seasonal] = idx / idx.mean(axis=1, keepdims=True)
    return out
