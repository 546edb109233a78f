"""Baseline forecasters with the same fit / predict / backtest as ``Forecaster``.

Every lstmkit result is shown next to these, computed in the same run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from lstmkit.data.series import as_series, future_index, season_length
from lstmkit.errors import InputError, NotFittedError, check_positive_int


class _Baseline(BaseEstimator):
    def fit(self, y):
        self.y_ = as_series(y, "y")
        self.season_ = self._season(self.y_.index)
        if len(self.y_) < self.season_:
            raise InputError(
                f"y has {len(self.y_)} values; {type(self).__name__} needs at least one season "
                f"({self.season_})"
            )
        return self

    def _season(self, index) -> int:
        return 1

    def predict(self, h: int) -> pd.Series:
        if not hasattr(self, "y_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(y) first")
        h = check_positive_int("h", h)
        path = self._path(self.y_.to_numpy(), h)
        return pd.Series(path, index=future_index(self.y_.index, h), name="forecast")

    def backtest(self, y, start: int, h: int = 1) -> pd.Series:
        """Rolling h-step-ahead forecasts of y[start:], each from y[: t - h + 1] only."""
        if not hasattr(self, "y_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(y) first")
        h = check_positive_int("h", h)
        series = as_series(y, "y")
        values = series.to_numpy()
        if not self.season_ + h - 1 <= start < len(values):
            raise InputError(
                f"start must be in [{self.season_ + h - 1}, {len(values) - 1}]; received {start}"
            )
        preds = [self._path(values[: t - h + 1], h)[-1] for t in range(start, len(values))]
        return pd.Series(preds, index=series.index[start:], name=f"forecast_h{h}")

    def _path(self, history: np.ndarray, h: int) -> np.ndarray:
        raise NotImplementedError


class Naive(_Baseline):
    """Repeat the last value."""

    def _path(self, history, h):
        return np.full(h, history[-1])


class SeasonalNaive(_Baseline):
    """Repeat the last season; ``season=None`` infers it from the dates (12 for monthly)."""

    def __init__(self, season: int | None = None):
        self.season = season

    def _season(self, index) -> int:
        if self.season is not None:
            return check_positive_int("season", self.season)
        return season_length(index) or 1

    def _path(self, history, h):
        last = history[-self.season_ :]
        return np.resize(last, h)  # repeats the last season cyclically


class Mean(_Baseline):
    """Repeat the mean of the history."""

    def _path(self, history, h):
        return np.full(h, history.mean())


class MajorityClass(BaseEstimator):
    """Predict the most frequent training label for every sequence (the floor for classifiers)."""

    def fit(self, X, y):
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        self.classes_, self.majority_ = labels, labels[counts.argmax()]
        return self

    def predict(self, X) -> np.ndarray:
        if not hasattr(self, "majority_"):
            raise NotFittedError("this MajorityClass is not fitted yet; call fit(X, y) first")
        return np.full(len(X), self.majority_)


class NearestNeighbour(BaseEstimator):
    """1-NN with Euclidean distance on the raw (equal-length) sequences: UCR's classic baseline."""

    def fit(self, X, y):
        from sklearn.neighbors import KNeighborsClassifier

        self.model_ = KNeighborsClassifier(n_neighbors=1).fit(_flat(X), np.asarray(y))
        return self

    def predict(self, X) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise NotFittedError("this NearestNeighbour is not fitted yet; call fit(X, y) first")
        return self.model_.predict(_flat(X))


def _flat(X) -> np.ndarray:
    if isinstance(X, list) or np.asarray(X).ndim != 3:
        raise InputError("NearestNeighbour needs equal-length sequences as a 3-D array")
    X = np.asarray(X)
    return X.reshape(len(X), -1)


__all__ = ["Naive", "SeasonalNaive", "Mean", "MajorityClass", "NearestNeighbour"]
