"""``lstmkit forecast``: train a forecaster, score it next to baselines, write what was asked."""

from __future__ import annotations

import time

from lstmkit.cli.common import check_outputs, diagnosis, honest, load_series, progress, write_forecast_outputs
from lstmkit.errors import InputError


def forecast_command(args) -> dict:
    import pandas as pd

    from lstmkit.baselines import Naive, SeasonalNaive
    from lstmkit.data.framing import split_train_test
    from lstmkit.evaluation import evaluate_forecasters, interval_coverage, refit
    from lstmkit.tasks.forecaster import Forecaster

    if args.future or args.past or args.calendar or args.holidays:
        from lstmkit.cli.forecast_covariates import covariate_forecast_command

        return covariate_forecast_command(args)
    if args.future_file:
        raise InputError(f"--future-file {args.future_file} needs --future (the columns it holds)")
    start = time.perf_counter()
    check_outputs({"--report": args.report, "--out": args.out,
                   "--plot": None if args.no_plot else args.plot}, args.save, inputs=[args.data])
    y, name, test_size = load_series(args)
    n_train = split_train_test(len(y), test_size)
    if args.level:
        from lstmkit.conformal import level_values

        level_values(args.level, "--level")  # percentages: 80, not 0.8
    intervals = {"conformal_windows": 3, "conformal_horizon": args.horizon or len(y) - n_train} \
        if args.level else {}
    chosen = {None: False, "true": True}.get(args.pretrained, args.pretrained)
    model = Forecaster(arch=args.arch, lookback=args.lookback, transform=args.transform, pretrained=chosen,
                       epochs=args.epochs, random_state=args.seed, verbose=progress(args), **intervals)
    models = {"lstmkit": model, "naive": Naive(), "seasonal naive": SeasonalNaive()}
    result = evaluate_forecasters(models, y, n_train, horizon=args.horizon)
    result.update(task="forecast", data={"name": name, "n_train": n_train,
                                          "n_test": len(y) - n_train})
    model = result["fitted"]["lstmkit"]
    result["diagnosis"] = diagnosis(model)
    honest(result)
    if args.level:
        horizon = len(result["forecasts"]["lstmkit"]["multi_step"])
        bands = model.predict(horizon, level=args.level)
        result["forecasts"]["lstmkit"]["intervals"] = bands
        actual = y.iloc[n_train : n_train + horizon].to_numpy()
        result["metrics"]["lstmkit"]["multi_step"].update(interval_coverage(actual, bands, args.level))
    saved = model
    if args.out:  # refit on the whole series (the model --save keeps), before any file is written
        saved = refit(model, y)
        future = saved.predict(args.horizon or len(y) - n_train, level=args.level or None)
        future = future.rename("forecast") if isinstance(future, pd.Series) else future  # (+ lo-80, hi-80...)
    shown = {k: result["forecasts"][k] for k in ("lstmkit", "seasonal naive")}
    write_forecast_outputs(args, result, model, saved, future if args.out else None, shown)
    result["timings"]["total"] = time.perf_counter() - start
    return result
