"""Pretrained global LSTMs for one series the project has never seen (``Forecaster(pretrained=...)``).

A single user series has no crowd to learn from; these checkpoints bring one. Each is a
``GlobalForecaster`` trained on the training parts (``x``) of every M1 and M3 series of one
frequency (``scripts/pretrain.py`` rebuilds them bit-identically on the CPU; ``weights/CARD.md``
says what each was trained on), saved without those series. ``Forecaster(pretrained=True)``
picks the checkpoint by the series' frequency and forecasts it zero-shot: ``fit`` trains
nothing, it keeps the series (seasonal indices, logs and per-window normalisation come from
the series itself, as for any series a global model forecasts).

- yearly (season 1, yearly dates), h <= 6; quarterly (season 4), h <= 8; monthly (season 12),
  h <= 18; other (no season: weekly, daily or undated series treated as non-seasonal), h <= 8.
- ``pretrained="monthly"`` names one; a series whose dates say another frequency is an error
  that names what the checkpoint was trained on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstmkit.data.panel import Panel
from lstmkit.data.series import as_series, infer_freq, season_length
from lstmkit.errors import InputError

VERSION = "m1m3-v1"
WEIGHTS = Path(__file__).resolve().parent.parent / "weights"
# name -> (season, horizon, what it saw)
CHECKPOINTS = {
    "yearly": (1, 6, "M1 and M3 yearly training parts (826 series)"),
    "quarterly": (4, 8, "M1 and M3 quarterly training parts (959 series)"),
    "monthly": (12, 18, "M1 and M3 monthly training parts (2,045 series)"),
    "other": (1, 8, "M3 'other' training parts (174 series: weekly, daily and undated)"),
}


def checkpoint_name(pretrained, series) -> str:
    """The checkpoint for ``series``: by its frequency (``pretrained=True``) or as named."""
    season = season_length(series.index)
    freq = infer_freq(series.index) or ""
    yearly = freq.startswith(("Y", "A", "BY", "BA"))
    if pretrained is True:
        found = {12: "monthly", 4: "quarterly"}.get(season) or ("yearly" if yearly else None)
        if found is None and season in (None, 1):
            found = "other"
        if found is None:
            raise InputError(f"pretrained=True covers yearly, quarterly, monthly and non-seasonal series; "
                             f"this series has frequency {freq!r} (season {season}): fit without pretrained")
        return found
    if not isinstance(pretrained, str) or pretrained not in CHECKPOINTS:
        raise InputError(f"pretrained must be True, False or one of {', '.join(map(repr, CHECKPOINTS))}; "
                         f"received {pretrained!r}")
    trained_season = CHECKPOINTS[pretrained][0]
    if season is not None and season != trained_season:
        raise InputError(f"the pretrained {pretrained!r} checkpoint was trained on "
                         f"{CHECKPOINTS[pretrained][2]} (season {trained_season}); this series has frequency "
                         f"{freq!r} (season {season}): use pretrained=True, or its frequency's checkpoint")
    return pretrained


def load_checkpoint(name: str, folder: Path | None = None):
    """The pretrained ``GlobalForecaster`` ``name`` (keeping no training series)."""
    from lstmkit.persistence import load

    return load((folder or WEIGHTS) / f"{VERSION}-{name}")


def zero_shot(est, y, covariates=(), folder: Path | None = None):
    """The checkpoint for ``y``, holding ``y`` as the one series it forecasts after
    (``covariates``: the covariate arguments of ``fit``, which a checkpoint cannot take)."""
    from lstmkit.data.panel import is_panel

    if is_panel(y) or any(c is not None for c in covariates):
        raise InputError("pretrained checkpoints forecast one series from its own past: pass one series, "
                         "without covariates (many series or covariates: fit without pretrained)")
    series = as_series(y, "y")
    name = checkpoint_name(est.pretrained, series)
    return hold(load_checkpoint(name, folder), name, series)


def hold(model, name: str, series):
    """The checkpoint ``model`` (named ``name``) holding ``series`` as the one series it forecasts."""
    from lstmkit.tasks.global_recipe import season_indices

    values = series.to_numpy(dtype=np.float64)
    if model.state_.log and values.min() <= 0:
        raise InputError(f"the pretrained {name!r} checkpoint forecasts logs of positive series; this one "
                         f"has minimum {values.min():g}: fit it without pretrained")
    state = model.state_
    state.panel = Panel(["y"], [values], [series.index], "series")
    state.indices = season_indices([values], state.season, model.difference != "none")
    state.n_series = 1
    model.pretrained_ = name
    return model
