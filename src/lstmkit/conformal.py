"""Split-conformal prediction intervals for models of many series.

Calibration (training data only): the model is refit on every series cut ``horizon``
values before its end (``k * horizon`` for the k-th window) and forecasts the cut values.
Each error is divided by its series' scale (the in-sample mean absolute seasonal
difference, as MASE), so errors of series of any size are comparable and pool across
series. At prediction time the half-width of step ``j`` at level ``L`` is the split-conformal
quantile of the pooled step-``j`` scores (the ceil((n + 1) L)-th smallest of n) times the
series' own scale.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from lstmkit.errors import InputError


def series_scale(values: np.ndarray, season: int) -> float:
    """Mean absolute seasonal difference (lag 1 for short series); mean |y| if that is 0."""
    lag = season if len(values) > season else 1
    if len(values) <= lag:
        return float(np.mean(np.abs(values))) or 1.0
    scale = float(np.mean(np.abs(values[lag:] - values[:-lag])))
    return scale or float(np.mean(np.abs(values))) or 1.0


def check_calibration_length(series: list[np.ndarray], horizon: int) -> None:
    """Raise before any training unless some series is long enough for one calibration window."""
    longest = max(len(s) for s in series)
    if longest <= 2 * horizon:
        raise InputError(f"conformal calibration needs series longer than 2 * horizon ({2 * horizon}); "
                         f"the longest has {longest} values (use conformal_windows=0)")


def calibration_scores(fit_predict, series: list[np.ndarray], horizon: int, season: int,
                       windows: int = 1) -> np.ndarray:
    """Scaled absolute errors (n_windows * usable series, horizon).

    ``fit_predict(list_of_arrays, horizon) -> (n, horizon) forecasts`` trains a fresh model.
    Series too short to lose ``k * horizon`` values and keep ``horizon + 1`` are skipped.
    """
    from lstmkit.training import interrupted

    scores = []
    for k in range(1, windows + 1):
        if interrupted():  # Ctrl-C: the caller drops the calibration
            break
        cut = k * horizon
        keep = [i for i, s in enumerate(series) if len(s) > cut + horizon]
        if not keep:
            break
        train = [series[i][: len(series[i]) - cut] for i in keep]
        preds = np.asarray(fit_predict(train, horizon))
        actual = np.stack([series[i][len(series[i]) - cut : len(series[i]) - cut + horizon] for i in keep])
        scales = np.array([series_scale(t, season) for t in train])[:, None]
        scores.append(np.abs(actual - preds) / scales)
    if not scores and interrupted():
        return np.empty((0, horizon))  # the caller drops it
    if not scores:
        raise InputError(f"conformal calibration needs series longer than 2 * horizon ({2 * horizon}); "
                         "none is")
    return np.concatenate(scores)


def one_series_scores(fit_predict, series, horizon: int, windows: int) -> np.ndarray:
    """Absolute errors (windows, horizon) of ``fit_predict(train, horizon)`` forecasts from one
    series (a pandas Series) cut ``k * horizon`` values before its end, k = 1..``windows``.
    A cut too short to train on (``fit_predict`` raises InputError) ends the windows; when
    even the first is, that is the error. Ctrl-C (``interrupted()``) ends them too."""
    from lstmkit.interrupts import interrupted

    scores = []
    for k in range(1, windows + 1):
        if interrupted():
            break
        end = len(series) - k * horizon
        try:
            forecast = fit_predict(series.iloc[:max(end, 0)], horizon)
        except InputError:
            if scores:
                break
            raise InputError(f"conformal_horizon {horizon} leaves {end} of the {len(series)} values to train "
                             "on, too few for even one calibration window; use a shorter horizon") from None
        scores.append(np.abs(series.to_numpy()[end : end + horizon] - forecast))
    return np.array(scores)


def half_widths(scores: np.ndarray, level: float, h: int) -> np.ndarray:
    """Per-step scaled half-widths (h,) at ``level`` percent."""
    n = len(scores)
    rank = min(int(np.ceil((n + 1) * level / 100)), n)
    _warn_if_short(n, level)
    return np.sort(scores[:, :h], axis=0)[rank - 1]


def _warn_if_short(n: int, level: float) -> None:
    """Warn when ``n`` calibration scores are too few for ``level``: its band is then the widest."""
    if np.ceil((n + 1) * level / 100) > n:
        needed = int(np.ceil(level / (100 - level) - 1e-9))  # (ceil((n + 1) level / 100) <= n)
        warnings.warn(f"level {level:g} needs at least {needed} calibration "
                      f"scores and this model has {n}: its band is the widest score, as wide as any higher "
                      "level's; fit with more conformal_windows (or more series)", UserWarning, stacklevel=4)


MAX_LEVELS = 50  # interval levels in one call (each costs a quantile per step and two columns)


def level_values(level, name: str = "level") -> list[float]:
    """``level`` (a number or a list) as a list of percentages in (1, 100), as Nixtla's ``level``;
    a fraction such as 0.8 (an 80% interval meant, a 0.8% one given) is refused, naming 80."""
    levels = [level] if isinstance(level, numbers.Real) else list(np.ravel(level))
    if not levels or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not 0 < v < 100
                         for v in levels):
        raise InputError(f"{name} must be percentages in (0, 100), e.g. [80, 95]; received {level!r}")
    if len(levels) > MAX_LEVELS:
        raise InputError(f"{name} may hold at most {MAX_LEVELS} levels; received {len(levels)}")
    fraction = next((v for v in levels if v <= 1), None)
    if fraction is not None:
        example = f"{100 * fraction:g}, not {fraction:g}" if 0.01 <= fraction < 1 else "80, not 0.8"
        raise InputError(f"{name} must be percentages in (1, 100), not fractions: pass {example}; "
                         f"received {level!r}")
    return [float(v) for v in levels]


def check_levels(level, scores, h: int) -> list[float] | None:
    if level is None:
        return None
    levels = level_values(level)
    if scores is None:
        raise InputError("level needs prediction intervals: fit with conformal_windows >= 1 "
                         "(e.g. Forecaster(conformal_windows=3)) and let the fit end (after Ctrl-C "
                         "it has none)")
    if h > scores.shape[1]:
        raise InputError(f"h must be at most conformal_horizon ({scores.shape[1]}) when level is given; "
                         f"received {h}")
    return levels


def interval_columns(forecasts: np.ndarray, scales: np.ndarray, scores: np.ndarray,
                     levels: list[float]) -> dict[str, np.ndarray]:
    """{"lo-80": (n, h), "hi-80": ...} around (n, h) forecasts of series with ``scales`` (n,)."""
    h = forecasts.shape[1]
    out = {}
    for lv in levels:
        half = half_widths(scores, lv, h)[None, :] * scales[:, None]
        out[f"lo-{lv:g}"], out[f"hi-{lv:g}"] = forecasts - half, forecasts + half
    return out


def pooled_half_widths(errors: np.ndarray, level: float) -> np.ndarray:
    """Per-step half-widths at ``level`` percent from one series' ``errors`` (windows, horizon).

    A few windows give only a few errors per step, too few for a quantile. So each step's
    errors are divided by that step's typical error (the mean over windows, smoothed over
    neighbouring steps), the scaled errors of all windows and steps are pooled, and the
    split-conformal quantile of the pool (the ceil((n + 1) * level)-th smallest of n)
    is scaled back per step: intervals widen with the horizon as the errors did.
    """
    width = min(5, errors.shape[1] - (1 - errors.shape[1] % 2))  # odd, at most the horizon
    typical = np.convolve(errors.mean(axis=0), np.ones(width), mode="same")
    typical /= np.convolve(np.ones(errors.shape[1]), np.ones(width), mode="same")
    typical = np.maximum(typical, 1e-9 * (1.0 + errors.mean()))
    pooled = np.sort((errors / typical).ravel())
    _warn_if_short(len(pooled), level)
    rank = min(int(np.ceil((len(pooled) + 1) * level / 100)), len(pooled))
    return pooled[rank - 1] * typical
