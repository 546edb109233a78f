"""Say plainly whether lstmkit beats the baselines (``lstmkit forecast`` and ``diagnose``).

``verdicts(metrics)``: from the CLI's tables (metrics[model][kind][metric]), one line per
evaluation saying which model scored best by MASE (sMAPE where MASE is undefined: NaN, for a
training series that repeats exactly at lag season) and, when a baseline beats lstmkit, by
how much (or that it is exact). ``validation_comparison(model)``: for a saved
one-series Forecaster, which has no test data, the same question on the series' own last
training values (one-step forecasts of the last ``val_size`` values against naive and
seasonal naive). A "good fit" diagnosis never stands beside a model that loses:
``honest_diagnosis`` rewrites it.
"""

from __future__ import annotations

import math

import numpy as np

from lstmkit.conformal import series_scale

KINDS = {"one_step": "rolling one-step forecasts", "multi_step": "multi-step forecast"}


def _score(values: dict) -> tuple[str, float]:
    mase = values.get("mase", float("nan"))
    return ("MASE", mase) if math.isfinite(mase) else ("sMAPE", values.get("smape", float("nan")))


def verdicts(metrics: dict, model: str = "lstmkit") -> list[dict]:
    """For every evaluation of ``model``: the best other model, both scores, and whether it
    beats ``model`` (``loses``) and by what share (``worse_by``, of the winner's score)."""
    out = []
    for kind, mine in metrics.get(model, {}).items():
        name, ours = _score(mine)
        others = {k: _score(v[kind])[1] for k, v in metrics.items() if k != model and kind in v}
        others = {k: v for k, v in others.items() if math.isfinite(v)}
        if not others or not math.isfinite(ours):
            continue
        best = min(others, key=others.get)
        theirs = others[best]
        out.append({"kind": kind, "metric": name, "model": model, "score": ours, "best_other": best,
                    "other_score": theirs, "loses": bool(theirs < ours),
                    "worse_by": (ours / theirs - 1) if theirs > 0 else float("inf")})
    return out


def line(v: dict) -> str:
    what, other, ours = KINDS.get(v["kind"], v["kind"]), v["best_other"], v["model"]
    if v["loses"]:
        share = 100 * v["worse_by"]
        gap = (f"{ours} {share:{'.0f' if share >= 1 else '.1g'}}% worse" if math.isfinite(share) else
               f"{other} forecasts them exactly")  # (e.g. seasonal naive on a series that repeats exactly)
        return (f"{other} beats {ours} on the {what}: {v['metric']} {v['other_score']:.3f} vs "
                f"{v['score']:.3f} ({gap}); use {other} here")
    return (f"{v['model']} beats every baseline on the {what}: {v['metric']} {v['score']:.3f} vs "
            f"{v['other_score']:.3f} ({v['best_other']})")


def honest_diagnosis(diagnosis: dict, found: list[dict]) -> dict:
    """``diagnosis`` (the CLI's dict), with "good fit" replaced when a baseline wins."""
    losses = [v for v in found if v["loses"]]
    if not losses or diagnosis["verdict"] != "good fit":
        return diagnosis
    worst = max(losses, key=lambda v: v["worse_by"])
    what = KINDS.get(worst["kind"], worst["kind"])
    gap = f"lstmkit's {worst['metric']} {100 * worst['worse_by']:.0f}% higher on the {what}" \
        if math.isfinite(worst["worse_by"]) else f"exactly right on the {what}, where lstmkit's " \
        f"{worst['metric']} is {worst['score']:.3g}"
    return {**diagnosis, "verdict": "loses to a baseline",
            "advice": f"training converged, but {worst['best_other']} forecasts better ({gap}): use it, or "
                      "try another lookback, transform or difference"}


def validation_comparison(model) -> dict | None:
    """metrics[model]["one_step"]["mase"] of a one-series Forecaster's one-step forecasts of
    its last validation values, beside naive and seasonal naive (None for other models)."""
    y = getattr(model, "y_", None)
    if y is None or not hasattr(model, "backtest") or getattr(model, "global_", None) is not None:
        return None
    n = len(y)
    season = model.season_ if model.season_ > 1 else 1
    held = model._val_size(n - model._width)  # the windows early stopping held out
    start = max(n - held, model._width, season + 1)
    if start >= n:
        return None
    actual = y.to_numpy()[start:]
    forecasts = {"lstmkit": model.backtest(y, start=start).to_numpy(), "naive": y.to_numpy()[start - 1 : -1]}
    if season > 1:
        forecasts["seasonal naive"] = y.to_numpy()[start - season : n - season]
    scale = series_scale(y.to_numpy()[:start], season)  # (MASE's scale)
    return {k: {"one_step": {"mase": float(np.mean(np.abs(actual - f)) / scale)}}
            for k, f in forecasts.items()}
