"""Anomaly scores for one series from an LSTM's one-step forecast errors.

``AnomalyDetector`` follows Malhotra et al. (2015), "Long Short Term Memory Networks for
Anomaly Detection in Time Series": an LSTM learns to forecast the normal start of the series,
and a point is anomalous when its forecast misses by much more than the forecasts missed on
held-out normal data. Here:

1. a ``Forecaster`` trains on ``y[:train_size]`` (at most its last ``max_train`` values);
   by default the last quarter of those is held out for early stopping;
2. the one-step errors on that held-out quarter give a mean ``mu`` and spread ``sigma``
   (Malhotra fits a Gaussian to validation errors the same way);
3. every point of a series gets ``|y[t] - forecast[t] - mu| / sigma``, its forecast made
   from the values before ``t`` only (``Forecaster.backtest(y, start, h=1)``), optionally
   averaged over the last ``window`` points. Higher means more anomalous.

``RollingZScore`` is the baseline: ``|y[t] - mean| / std`` of the ``window`` values before t.
Both flag points whose score exceeds ``threshold`` (default ``DEFAULT_THRESHOLD`` = 5, in
units of the normal spread), and neither ever looks ahead: a score at ``t`` depends on
``y[: t + 1]`` only.

With first differences (the default) the forecast after a lone spike starts from the spiked
value, so the point after a spike scores about as high as the spike itself.

Note: higher scores mean more anomalous, the opposite of scikit-learn's outlier detectors,
whose ``score_samples`` is lower for outliers.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator

from lstmkit.data.series import as_series
from lstmkit.errors import InputError, check_fitted, check_positive_int
from lstmkit.persistence import Persistable, jsonable, on_this_machine
from lstmkit.tasks._base import FLAG, Int, check_params
from lstmkit.tasks.forecaster import Forecaster
from lstmkit.training import one_fit, threads_for, torch_threads

DEFAULT_THRESHOLD = 5.0
# Settings for long series on a small CPU: a few seconds of training on thousands of values.
FORECASTER_DEFAULTS = {
    "lookback": 32,
    "hidden_size": 32,
    "difference": "first",
    "epochs": 40,
    "batch_size": 64,
    "patience": 5,
}
MIN_ERRORS = 10  # forecast errors that measure sigma, at least (in-sample if val_size is smaller)
_CHUNK = 8192  # forecasts per backtest call, so memory stays flat on long series


class AnomalyDetector(Persistable, BaseEstimator):
    """Scores every point of a series by its standardised one-step LSTM forecast error.

    >>> from lstmkit.datasets.anomaly_series import load_anomaly
    >>> y, labels, train_size = load_anomaly("KDD-TSAD_135")
    >>> detector = AnomalyDetector(random_state=0).fit(y, train_size=train_size)
    >>> scores = detector.score_samples(y)     # one score per value, higher = more anomalous
    >>> flags = detector.predict(y)            # 1 where the score exceeds 5

    Parameters
    ----------
    train_size: leading values of ``y`` that are normal (anomaly-free) and used for training;
        None uses all of ``y`` (``fit`` may override it).
    forecaster_params: ``Forecaster`` settings, over ``FORECASTER_DEFAULTS`` (lookback 32,
        first differences, 40 epochs at batch 64, patience 5). ``val_size`` defaults to a
        quarter of the training values; those held-out values also measure ``sigma`` (at
        least the last 10 training values do, even when ``val_size`` is smaller).
    window: scores are averaged over this many trailing points (1: no smoothing).
    max_train: train on at most the last ``max_train`` values of the normal start (None: all).
    random_state: seed; the same int gives identical scores on CPU.
    verbose: show training progress.

    Attributes after fit: ``forecaster_``, ``train_size_``, ``width_`` (values of history a
    forecast needs; the first ``width_`` points of a scored series get score 0),
    ``error_mean_`` and ``error_scale_`` (``mu`` and ``sigma`` above).
    """

    _parameter_constraints = {"train_size": Int(none=True),
                              "window": Int(), "max_train": Int(minimum=2, none=True), "verbose": FLAG}

    def __init__(
        self,
        train_size: int | None = None,
        forecaster_params: dict | None = None,
        window: int = 1,
        max_train: int | None = 5000,
        random_state: int | None = None,
        verbose: bool = False,
    ):
        self.train_size = train_size
        self.forecaster_params = forecaster_params
        self.window = window
        self.max_train = max_train
        self.random_state = random_state
        self.verbose = verbose

    @one_fit
    def fit(self, y, train_size: int | None = None) -> AnomalyDetector:
        """Train on the normal start ``y[:train_size]``; returns self."""
        check_params(self)
        values = as_series(y, "y").to_numpy()
        n = self._train_size(train_size, len(values))
        train = values[:n]
        if self.max_train is not None:
            train = train[-int(self.max_train) :]
        forecaster = Forecaster(**self._forecaster_params(len(train)))
        forecaster._check_params()  # a bad setting is the settings' fault, not the data's
        try:
            forecaster.fit(train)
        except InputError as error:
            raise type(error)(f"training on y[:{n}] (train_size {n}) failed: {error}") from None
        self.forecaster_ = forecaster
        self.train_size_ = n
        self.width_ = forecaster.lookback_ + forecaster.scaler_.lag
        held_out = forecaster.val_size if forecaster.val_size is not None else len(train) // 4
        start = max(self.width_, len(train) - max(MIN_ERRORS, held_out))  # a few errors at least
        if len(train) - start < 2:
            raise InputError(f"train_size {n} leaves {len(train) - start} forecast errors to measure "
                             f"sigma; give at least {self.width_ + 2} normal values")
        errors = train[start:] - forecaster.backtest(train, start=start).to_numpy()
        self.error_mean_ = float(errors.mean())
        self.error_scale_ = max(float(errors.std()), 1e-12 * (1.0 + float(np.abs(train).max())))
        return self

    def _train_size(self, train_size, n_values: int) -> int:
        chosen = train_size if train_size is not None else self.train_size
        if chosen is None:
            return n_values
        chosen = check_positive_int("train_size", chosen)
        if chosen > n_values:
            raise InputError(
                f"train_size must be in [1, {n_values}] (the length of y); received {chosen}"
            )
        return chosen

    def _forecaster_params(self, n_train: int) -> dict:
        given = self.forecaster_params or {}
        if not isinstance(given, dict):
            raise InputError(f"forecaster_params must be a dict or None; received {given!r}")
        allowed = Forecaster().get_params()
        unknown = sorted(set(given) - set(allowed))
        if unknown:
            raise InputError(
                f"forecaster_params has unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}"
            )
        base = {"val_size": max(1, n_train // 4), "random_state": self.random_state,
                "verbose": self.verbose}
        return {**FORECASTER_DEFAULTS, **base, **given}

    def score_samples(self, y) -> np.ndarray:
        """One score per value of ``y`` (float array, same length); the first ``width_`` get 0."""
        check_fitted(self, "forecaster_", "fit(y)")
        values = as_series(y, "y").to_numpy()
        w, f = self.width_, self.forecaster_
        if len(values) <= w:
            raise InputError(
                f"y must have more than {w} values (lookback {f.lookback_} + lag {f.scaler_.lag}) "
                f"to be scored; received {len(values)}"
            )
        scores = np.zeros(len(values))
        module = f.modules_[0]
        threads = f.n_threads or (threads_for(module, _CHUNK) if f.device_.type == "cpu" else None)
        with torch_threads(threads):
            for s in range(w, len(values), _CHUNK):
                part = values[s - w : s + _CHUNK]
                forecast = f.backtest(part, start=w).to_numpy()
                scores[s : s + len(forecast)] = np.abs(part[w:] - forecast - self.error_mean_)
        scores[w:] /= self.error_scale_
        return _trailing_mean(scores, w, self.window)

    def predict(self, y, threshold: float | None = None) -> np.ndarray:
        """0/1 flags: 1 where the score exceeds ``threshold`` (default ``DEFAULT_THRESHOLD``)."""
        return _flags(self.score_samples(y), threshold)

    def fit_score(self, y, train_size: int | None = None) -> np.ndarray:
        """``fit(y, train_size)`` then ``score_samples(y)``."""
        return self.fit(y, train_size).score_samples(y)


    # persistence hooks: the forecaster's networks and state, plus the error statistics
    def _fitted_modules(self):
        return self.forecaster_.modules_

    def _get_state(self) -> dict:
        return {"forecaster_params": jsonable(self.forecaster_.get_params()),
                "forecaster": self.forecaster_._get_state(), "train_size": self.train_size_,
                "width": self.width_, "error_mean": self.error_mean_, "error_scale": self.error_scale_}

    def _set_state(self, state: dict) -> None:
        self.forecaster_ = Forecaster(**on_this_machine(state["forecaster_params"]))
        self.forecaster_._set_state(state["forecaster"])
        self.train_size_, self.width_ = int(state["train_size"]), int(state["width"])
        self.error_mean_, self.error_scale_ = float(state["error_mean"]), float(state["error_scale"])

    def _fresh_modules(self):
        return self.forecaster_._fresh_modules()

    def _set_modules(self, modules) -> None:
        self.forecaster_._set_modules(modules)


class RollingZScore(BaseEstimator):
    """Baseline: ``|y[t] - mean| / std`` of the ``window`` values before ``t``.

    Nothing is learned (``fit`` only exists for the same API); the first ``window`` points
    get score 0. A constant window gives any change a huge but finite score.
    """

    def __init__(self, window: int = 100):
        self.window = window

    @one_fit
    def fit(self, y=None, train_size: int | None = None) -> RollingZScore:
        check_positive_int("window", self.window, minimum=2)
        return self

    def score_samples(self, y) -> np.ndarray:
        """One score per value of ``y`` (float array, same length)."""
        w = check_positive_int("window", self.window, minimum=2)
        values = as_series(y, "y").to_numpy()
        if len(values) <= w:
            raise InputError(f"y must have more than window={w} values; received {len(values)}")
        past = sliding_window_view(values[:-1], w)  # past[i] = values[i : i + w], before i + w
        mean, std = past.mean(axis=1), past.std(axis=1)
        scores = np.zeros(len(values))
        scores[w:] = np.abs(values[w:] - mean) / np.maximum(std, 1e-12 * (1.0 + np.abs(mean)))
        return scores

    def predict(self, y, threshold: float | None = None) -> np.ndarray:
        """0/1 flags: 1 where the score exceeds ``threshold`` (default ``DEFAULT_THRESHOLD``)."""
        return _flags(self.score_samples(y), threshold)


def _trailing_mean(scores: np.ndarray, first: int, window) -> np.ndarray:
    """Mean of each score and the ``window - 1`` before it (from ``first`` on; no look-ahead)."""
    window = check_positive_int("window", window)
    if window == 1:
        return scores
    tail = np.concatenate([[0.0], np.cumsum(scores[first:])])
    k = np.arange(1, len(tail))
    lo = np.maximum(k - window, 0)
    out = scores.copy()
    out[first:] = (tail[k] - tail[lo]) / (k - lo)
    return out


def _flags(scores: np.ndarray, threshold) -> np.ndarray:
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
        raise InputError(f"threshold must be a number or None; received {threshold!r}")
    return (scores > threshold).astype(np.int64)
