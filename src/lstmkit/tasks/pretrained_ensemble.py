"""``Forecaster(pretrained="ensemble")``: the step-wise median of three forecasts of one series.

1. the series' own recurrent LSTM (what ``Forecaster()`` fits);
2. the pretrained checkpoint of its frequency, zero-shot (``tasks/pretrained.py``), iterated in
   blocks of its horizon past that horizon (each block's forecasts appended to the history);
3. a damped trend on the seasonally adjusted series (``baselines.DampedTrend``, M4's "Damped").

Why a fixed median and not a choice per series: on validation windows (the last h values of
the training parts of every 5th M1/M3 series, checkpoints pretrained on the *other*
competition only, so that none saw the windows), geometric-mean MASE relative to seasonal
naive was: M3 own LSTM 0.824, checkpoint 0.818, damped 0.734, median 0.712, choosing between
the own LSTM and the median on the window before 0.734; M1 0.901, 0.759, 0.781, median 0.769,
choice 0.786 (statsforecast AutoARIMA on the same windows: M3 0.745, M1 0.755).

Where a member cannot answer, the median is of the other two (their mean), and
``ensemble_members_`` says which answered: the checkpoint is left out for frequencies
without one (daily, weekly with a season, ...) and for series with a non-positive value (the
checkpoints forecast logs); the damped trend needs 4 values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmkit.data.series import future_index, infer_freq
from lstmkit.errors import InputError

ENSEMBLE = "ensemble"
OWN, CHECKPOINT, DAMPED = "own LSTM", "pretrained checkpoint", "damped trend"


def checkpoint_for(series: pd.Series, season: int) -> str | None:
    """The checkpoint that can forecast ``series`` of season ``season`` (None: none can): by
    its dates when it has some, else by the season (12 monthly, 4 quarterly, 1 "other")."""
    from lstmkit.tasks.pretrained import CHECKPOINTS, checkpoint_name

    if series.min() <= 0:
        return None
    if infer_freq(series.index) is None:
        return {12: "monthly", 4: "quarterly", 1: "other"}.get(season)
    try:
        name = checkpoint_name(True, series)
    except InputError:  # a frequency no checkpoint covers
        return None
    return name if CHECKPOINTS[name][0] == season else None


def members(series: pd.Series, season: int) -> list[str]:
    """The members that answer for ``series`` (the own LSTM always does)."""
    return [OWN] + ([CHECKPOINT] if checkpoint_for(series, season) else []) + \
        ([DAMPED] if len(series) >= 4 else [])


def _checkpoint_path(name: str, history: pd.Series, h: int) -> np.ndarray:
    from lstmkit.tasks.pretrained import CHECKPOINTS, hold, load_checkpoint

    model, block, out = load_checkpoint(name), CHECKPOINTS[name][1], []  # (read once, held anew per block)
    while len(out) < h:
        step = hold(model, name, history).predict(min(block, h - len(out))).to_numpy()
        out += list(step)
        history = pd.Series(np.r_[history.to_numpy(dtype=np.float64), step],
                            index=history.index.append(future_index(history.index, len(step))))
    return np.asarray(out[:h], dtype=np.float64)


def median(own: np.ndarray, history: pd.Series, h: int, season: int) -> np.ndarray:
    """The step-wise median of ``own`` (the own LSTM's forecast of the h values after
    ``history``) and the other members' forecasts from ``history``."""
    from lstmkit.baselines import DampedTrend

    paths, answering = [np.asarray(own, dtype=np.float64)], members(history, season)
    if CHECKPOINT in answering:
        paths.append(_checkpoint_path(checkpoint_for(history, season), history, h))
    if DAMPED in answering:
        paths.append(DampedTrend(season=season).fit(history).predict(h).to_numpy())
    return np.median(np.vstack(paths), axis=0)
