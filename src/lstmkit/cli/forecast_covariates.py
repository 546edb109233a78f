"""``lstmkit forecast data.csv --column y --future COLS --past COLS``: a forecaster that reads
covariates, scored on the held-out end next to the same network without them and the
baselines, all forecasting ``--horizon`` steps from the end of training.

Future covariates (a promotion plan, a price list, a holiday) are known over the horizon:
the model sees their held-out values, as it will see the plan at forecast time. Past
covariates (a leading indicator) are read up to the forecast origin only. There is no
rolling one-step table here: a one-step forecast with covariates is a different model."""

from __future__ import annotations

import time

from lstmkit.cli.common import check_outputs, diagnosis, honest, progress, write_forecast_outputs
from lstmkit.errors import InputError


def covariate_forecast_command(args) -> dict:
    from lstmkit.baselines import Naive, SeasonalNaive
    from lstmkit.data.csv import read_covariates_csv
    from lstmkit.data.dates import csv_format
    from lstmkit.data.framing import split_train_test
    from lstmkit.data.series import season_length
    from lstmkit.evaluation import interval_coverage
    from lstmkit.metrics import forecast_metrics
    from lstmkit.tasks.forecaster import Forecaster

    start = time.perf_counter()
    if args.data is None:
        raise InputError("--future/--past/--calendar/--holidays need a CSV file holding the series (and its "
                         "covariate columns)")
    if args.level:
        from lstmkit.conformal import level_values

        level_values(args.level, "--level")
    check_outputs({"--report": args.report, "--out": args.out, "--plot": None if args.no_plot else args.plot},
                  args.save, inputs=[p for p in (args.data, args.future_file) if p])
    future, past = args.future or [], args.past or []
    y, X, X_next = read_covariates_csv(args.data, args.column, args.date_column, future, past,
                                       args.future_file, csv_format(args))
    name = f"{args.data}:{y.name}"
    n_train = split_train_test(len(y), args.test_size or 1 / 3)
    n_test = len(y) - n_train
    horizon = args.horizon or n_test
    if horizon > n_test:
        raise InputError(f"--horizon must be at most the {n_test} test values; received {horizon} (use a "
                         "larger --test-size or a smaller --horizon)")
    if args.out and future and len(X_next) < horizon:
        source = args.future_file or f"{args.data} (rows after the last value of {y.name!r})"
        raise InputError(f"--out needs the --future columns over the {horizon} steps after the last "
                         f"value; {source} has {len(X_next)} rows")
    # the table puts the series-alone model beside it, so the covariates named are always used
    settings = {"select_covariates": False, "arch": args.arch, "lookback": args.lookback,
                "transform": args.transform, "epochs": args.epochs, "random_state": args.seed,
                "verbose": progress(args)}
    train, test = y.iloc[:n_train], y.iloc[n_train:]
    season = season_length(y.index) or 1
    named = {"futr_exog": future, "hist_exog": past, "calendar": args.calendar or None,
             "holidays": args.holidays}
    intervals = {"conformal_windows": 3} if args.level else {}  # refits on the cut series and covariates
    fits = {"lstmkit": lambda: Forecaster(strategy="direct", horizon=horizon, **settings, **intervals).fit(
                train, X=X.iloc[:n_train], **named),
            "lstmkit (y only)": lambda: Forecaster(**settings).fit(train),
            "naive": lambda: Naive().fit(train), "seasonal naive": lambda: SeasonalNaive().fit(train)}
    metrics, timings, forecasts, fitted = {}, {}, {}, {}
    for label, fit in fits.items():
        begin = time.perf_counter()
        model = fitted[label] = fit()
        if label == "lstmkit":
            predicted = model.predict(horizon, X_future=X[future].iloc[n_train : n_train + horizon],
                                      level=args.level or None)
            if args.level:
                bands, predicted = predicted, predicted["forecast"]
        else:
            predicted = model.predict(horizon)
        timings[label] = time.perf_counter() - begin
        metrics[label] = {"multi_step": forecast_metrics(test.iloc[:horizon], predicted, train, season)}
        forecasts[label] = {"multi_step": predicted}
    model = fitted["lstmkit"]
    if args.level:
        forecasts["lstmkit"]["intervals"] = bands
        metrics["lstmkit"]["multi_step"].update(interval_coverage(test.iloc[:horizon].to_numpy(), bands,
                                                                  args.level))
    result = {"task": "forecast", "data": {"name": name, "n_train": n_train, "n_test": n_test,
                                           "future": future, "past": past},
              "metrics": metrics, "timings": timings, "forecasts": forecasts,
              "split": {"train": train, "test": test}, "diagnosis": diagnosis(model)}
    honest(result)
    saved = model
    if args.out:  # refit on the whole series (the model --save keeps), before any file is written
        saved = Forecaster(strategy="direct", horizon=horizon, **settings).fit(y, X=X, **named)
        ahead = saved.predict(horizon, X_future=X_next.iloc[:horizon] if future else None)
        ahead = ahead.rename("forecast")
    shown = {k: forecasts[k] for k in ("lstmkit", "lstmkit (y only)", "seasonal naive")}
    write_forecast_outputs(args, result, model, saved, ahead if args.out else None, shown, covariates=X)
    result["timings"]["total"] = time.perf_counter() - start
    return result
