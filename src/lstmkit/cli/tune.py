"""``lstmkit tune``: search a forecaster's settings with Optuna, then test defaults and choice."""

from __future__ import annotations

import time

from lstmkit.cli.common import check_outputs, load_series
from lstmkit.errors import InputError


def tune_command(args) -> dict:
    from lstmkit.data.framing import split_train_test
    from lstmkit.metrics import rmse
    from lstmkit.tasks.forecaster import Forecaster
    from lstmkit.training import interrupts
    from lstmkit.tuning import tune

    if args.timeout <= 0:
        raise InputError(f"--timeout must be a positive number of seconds; received {args.timeout}")
    check_outputs({"--plot": None if args.no_plot else args.plot})
    start = time.perf_counter()
    y, name, test_size = load_series(args)
    n_train = split_train_test(len(y), test_size)
    train = y.iloc[:n_train]
    default = Forecaster(epochs=args.epochs, random_state=args.seed)
    found = tune(default, train, n_trials=args.n_trials, timeout=args.timeout, random_state=args.seed)
    searched = time.perf_counter() - start
    metrics, before = {}, interrupts()
    for label, model in (("defaults", default), ("tuned", found.best_estimator)):  # after the choice
        forecast = model.fit(train).backtest(y, start=n_train, h=1)
        if interrupts() != before:  # Ctrl-C: no test score for a half-trained model
            raise KeyboardInterrupt
        value = found.default_value if label == "defaults" else found.best_value
        metrics[label] = {"validation_rmse": value, "test_rmse": rmse(y.iloc[n_train:], forecast)}
    table = found.trials.sort_values("value").head(10)
    result = {"task": "tune", "data": {"name": name, "n_train": n_train, "n_test": len(y) - n_train},
              "config": {"validation": found.metric, "best_params": found.best_params,
                         "n_trials": len(found.trials),
                         "n_pruned": int((found.trials["state"] == "PRUNED").sum()),
                         "interrupted": found.interrupted},
              "metrics": metrics, "trials": table,
              "timings": {"search": searched, "total": time.perf_counter() - start}}
    if not args.no_plot:
        from lstmkit.plots import plot_tuning

        path = plot_tuning(found.trials, args.plot, found.default_value, title=f"Tuning on {name}")
        result["files"] = {"plot": str(path)}
    return result
