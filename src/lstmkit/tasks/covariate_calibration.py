"""Conformal calibration of a model with covariates (``conformal_windows`` with ``futr_exog``,
``hist_exog``, ``static_df``, ``calendar``, ``holidays``).

As ``conformal.calibration_scores`` does for series alone, but the refits get the long
frame cut ``k * horizon`` rows before each series' end *with its covariate columns*, and
forecast the next ``horizon`` values given the future covariates' values there (as
``predict`` is given ``futr_df``). Each absolute error is divided by its series' scale
(``conformal.series_scale`` of the cut series), so the scores pool with those of any
series. Series too short to lose ``k * horizon`` values and keep ``horizon + 1`` sit that
window out. Only the training frame is read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstmkit.errors import InputError
from lstmkit.tasks.covariate_selection import cut, scaled_errors


def covariate_scores(est, frame: pd.DataFrame, columns: tuple[str, str, str], covariates: dict,
                     derived: list[str], horizon: int, season: int) -> np.ndarray:
    """Scaled absolute errors (windows * usable series, horizon) of refits of ``est``'s
    settings on ``frame`` (with its covariate columns; ``derived`` ones, such as calendar
    features, are derived again from the dates) cut before its end."""
    from lstmkit.interrupts import interrupted

    id_col, time_col, value_col = columns
    covariates = {k: v for k, v in covariates.items() if v is not None}
    frame = frame[[c for c in frame.columns if c not in derived]].sort_values([id_col, time_col],
                                                                             kind="stable")
    settings = {**est.get_params(), "conformal_windows": 0, "select_covariates": False, "verbose": False,
                "season": season}
    known = [c for c in (covariates.get("futr_exog") or []) if c in frame.columns]
    lengths = frame.groupby(id_col, sort=False)[value_col].transform("size")
    scores = []
    for k in range(1, est.conformal_windows + 1):
        if interrupted():  # Ctrl-C: the caller drops the calibration
            break
        usable = frame[lengths > k * horizon + horizon]
        if usable.empty:
            break
        train, rest = cut(usable, id_col, k * horizon)
        held = rest.groupby(id_col, sort=False).head(horizon)
        model = type(est)(**settings).fit(train, id_col=id_col, time_col=time_col, value_col=value_col,
                                          **covariates)
        out = model.predict(horizon, futr_df=held[[id_col, time_col, *known]] if known else None)
        scores += scaled_errors(train, held, out, columns, season)
    if not scores and interrupted():
        return np.empty((0, horizon))
    if not scores:
        raise InputError(f"conformal calibration needs series longer than 2 * horizon ({2 * horizon}); "
                         "none is")
    return np.stack(scores)
