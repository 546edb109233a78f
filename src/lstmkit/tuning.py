"""Hyperparameter search with Optuna (TPE sampler, median pruning), on training data only.

``tune(estimator, data)`` splits the training data once — a Forecaster's last
``validation_size`` values (one-step forecasts scored by RMSE), a classifier's stratified
``validation_size`` fraction (scored by error rate) — and lets Optuna's TPE sampler pick
parameters from ``space``. The estimator's own settings are trial 0, so the result says
how much the search improved on them. Trials report their early-stopping validation loss
after every epoch (a standardised MSE for forecasters, cross-entropy for classifiers) and
the median pruner stops the clearly worse ones. Test data never enters: evaluate the
returned ``best_estimator`` on it afterwards.

Space: parameter name -> list of choices, or ``(low, high)`` (ints if both are ints), or
``(low, high, "log")`` for a log scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from lstmkit.errors import InputError, check_positive_int
from lstmkit.training import count_interrupt, interrupted, one_fit

FORECASTER_SPACE = {
    "hidden_size": (8, 128, "log"),
    "lookback": [None, 6, 18, 24, 36],  # None: one season
    "lr": (1e-3, 2e-2, "log"),
    "arch": ["vanilla", "stacked"],
    "transform": ["none", "log"],
}
CLASSIFIER_SPACE = {
    "hidden_size": (16, 128, "log"),
    "lr": (5e-4, 1e-2, "log"),
    "weight_decay": [0.0, 1e-4, 1e-3],
}


@dataclass
class TuneResult:
    best_params: dict  # the parameters of the best trial (only those in the space)
    best_value: float  # its validation score (RMSE or error rate; lower is better)
    default_value: float  # the estimator's own settings, scored the same way (trial 0)
    best_estimator: object  # an unfitted clone of the estimator with best_params set
    trials: pd.DataFrame  # one row per trial: number, value, state, seconds, parameters
    study: object  # the optuna Study
    metric: str
    interrupted: bool = False  # Ctrl-C ended the search early (its trial is "INTERRUPTED")


@one_fit
def tune(estimator, data, space: dict | None = None, n_trials: int = 30, timeout: float | None = None,
         validation_size=None, random_state: int = 0, verbose: bool = False) -> TuneResult:
    """Search ``space`` for the estimator's best parameters on ``data`` (training data only).

    data: the training series for a Forecaster; ``(X, y)`` for a SequenceClassifier.
    validation_size: values held out at the end of the series (default: one season, at
    least 12) or the classifier's validation fraction (default 0.2).
    """
    import optuna

    kind = type(estimator).__name__
    if kind not in ("Forecaster", "SequenceClassifier", "TextClassifier"):
        raise InputError(f"estimator must be a Forecaster or a SequenceClassifier; received {kind}")
    check_positive_int("n_trials", n_trials)
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise InputError(f"timeout must be a positive number of seconds or None; received {timeout!r}")
    space = dict(space or (FORECASTER_SPACE if kind == "Forecaster" else CLASSIFIER_SPACE))
    _check_space(estimator, space)
    evaluate, metric = (_forecast_objective if kind == "Forecaster" else _classify_objective)(
        estimator, data, validation_size)

    def objective(trial) -> float:
        params = {name: _suggest(trial, name, spec) for name, spec in space.items()}
        model = clone(estimator).set_params(**params)
        try:
            value = evaluate(model, _reporter(trial))
        except optuna.TrialPruned:
            if not interrupted():
                raise
        if interrupted():  # Ctrl-C: this trial's model is half-trained, and no trial follows
            cut.append(trial.number)
            study.stop()
            raise optuna.TrialPruned()
        return value

    if not verbose:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=random_state),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=10))
    study.enqueue_trial({name: _default(estimator, name, spec) for name, spec in space.items()})
    cut = []  # the trial that Ctrl-C cut short
    try:
        study.optimize(objective, n_trials=n_trials, timeout=timeout)
    except KeyboardInterrupt:  # Ctrl-C outside training (data, scoring, the sampler): Optuna re-raises
        if not interrupted():
            count_interrupt()
        last = study.trials[-1] if study.trials else None
        if last is not None and last.state == optuna.trial.TrialState.FAIL:
            cut.append(last.number)
    complete = optuna.trial.TrialState.COMPLETE
    done = [t for t in study.trials if t.state == complete and math.isfinite(t.value)]
    if not done and interrupted():
        raise KeyboardInterrupt
    if not done:
        raise InputError("no trial finished: give more n_trials or a longer timeout")
    best = min(done, key=lambda t: t.value)
    best_params = {name: _decode(spec, best.params[name]) for name, spec in space.items()}
    trials = pd.DataFrame([{"number": t.number, "value": t.value if t.state == complete else math.nan,
                            "state": "INTERRUPTED" if t.number in cut else t.state.name,
                            "seconds": (t.datetime_complete - t.datetime_start).total_seconds()
                            if t.datetime_complete else math.nan,
                            **{k: _decode(space[k], v) for k, v in t.params.items()}}
                           for t in study.trials])
    return TuneResult(best_params, float(best.value), float(study.trials[0].value), clone(estimator)
                      .set_params(**best_params), trials, study, metric, interrupted=interrupted())


def _reporter(trial):
    """on_epoch callback: report the first network's validation loss; True asks to stop."""
    import optuna

    state = {"runs": 0}

    def on_epoch(record: dict) -> bool:
        if record["epoch"] == 1:
            state["runs"] += 1
        if state["runs"] > 1 or "val_loss" not in record or not math.isfinite(record["val_loss"]):
            return False
        trial.report(record["val_loss"], record["epoch"])
        if trial.should_prune():
            state["pruned"] = True
            return True
        return False

    def pruned() -> None:
        if state.get("pruned"):
            raise optuna.TrialPruned()

    on_epoch.check = pruned
    return on_epoch


def _forecast_objective(estimator, data, validation_size):
    from lstmkit.data.series import as_series, season_length
    from lstmkit.metrics import rmse

    y = as_series(data, "data")
    v = validation_size or max(season_length(y.index) or 1, 12)
    v = check_positive_int("validation_size", v)
    if v >= len(y) // 2:
        raise InputError(f"validation_size must be below half the series ({len(y) // 2}); received {v}")
    fit_part = y.iloc[:-v]

    def evaluate(model, on_epoch) -> float:
        try:
            model.fit(fit_part, on_epoch=on_epoch)
        except InputError:  # e.g. a lookback too long for the series: a failed trial
            return math.inf
        on_epoch.check()
        return rmse(y.iloc[-v:], model.backtest(y, start=len(y) - v, h=1))

    return evaluate, f"one-step RMSE on the last {v} training values"


def _classify_objective(estimator, data, validation_size):
    from sklearn.model_selection import train_test_split

    X, y = data
    fraction = validation_size or 0.2
    index = np.arange(len(y))
    fit_idx, val_idx = train_test_split(index, test_size=fraction, random_state=0, stratify=np.asarray(y))

    def take(items, idx):
        return items[idx] if isinstance(items, np.ndarray) else [items[i] for i in idx]

    def evaluate(model, on_epoch) -> float:
        model.fit(take(X, fit_idx), take(np.asarray(y), fit_idx), on_epoch=on_epoch)
        on_epoch.check()
        return 1.0 - model.score(take(X, val_idx), take(np.asarray(y), val_idx))

    return evaluate, f"error rate on a stratified {fraction:g} validation split"


def _check_space(estimator, space: dict) -> None:
    params = estimator.get_params()
    for name, spec in space.items():
        if name not in params:
            raise InputError(f"space has unknown parameter {name!r}; {type(estimator).__name__} takes "
                             f"{', '.join(params)}")
        ok = (isinstance(spec, list) and spec) or (isinstance(spec, tuple) and len(spec) in (2, 3))
        if not ok:
            raise InputError(f"space[{name!r}] must be a list of choices, (low, high) or (low, high, "
                             f"'log'); received {spec!r}")


def _suggest(trial, name: str, spec):
    if isinstance(spec, list):
        return _decode(spec, trial.suggest_categorical(name, [_encode(c) for c in spec]))
    low, high, *scale = spec
    log = bool(scale) and scale[0] == "log"
    if isinstance(low, int) and isinstance(high, int):
        return trial.suggest_int(name, low, high, log=log)
    return trial.suggest_float(name, float(low), float(high), log=log)


def _encode(choice):
    return "None" if choice is None else choice  # optuna's categorical choices are not None


def _decode(spec, value):
    return None if isinstance(spec, list) and value == "None" and None in spec else value


def _default(estimator, name: str, spec):
    value = estimator.get_params()[name]
    return _encode(value) if isinstance(spec, list) else value
