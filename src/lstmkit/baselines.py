"""Baseline forecasters with the same fit / predict / backtest as ``Forecaster``.

Every lstmkit result is shown next to these, computed in the same run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from lstmkit.data.series import as_series, future_index, season_length
from lstmkit.errors import InputError, check_fitted, check_positive_int
from lstmkit.training import one_fit


class _Baseline(BaseEstimator):
    @one_fit
    def fit(self, y):
        self.y_ = as_series(y, "y")
        self.season_ = self._season(self.y_.index)
        if len(self.y_) < self.season_:
            raise InputError(
                f"y has {len(self.y_)} values; {type(self).__name__} needs at least one season "
                f"({self.season_}): give it more training values (the CLI: a smaller --test-size)"
            )
        return self

    def _season(self, index) -> int:
        return 1

    def predict(self, h: int) -> pd.Series:
        check_fitted(self, "y_", "fit(y)")
        h = check_positive_int("h", h)
        path = self._path(self.y_.to_numpy(), h)
        return pd.Series(path, index=future_index(self.y_.index, h), name="forecast")

    def backtest(self, y, start: int, h: int = 1) -> pd.Series:
        """Rolling h-step-ahead forecasts of y[start:], each from y[: t - h + 1] only."""
        check_fitted(self, "y_", "fit(y)")
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


class Naive2(SeasonalNaive):
    """The M competitions' Naive2: the last value of the seasonally adjusted series,
    re-seasonalised (series failing the 90% autocorrelation test are not adjusted)."""

    def _season(self, index) -> int:
        return 1 if self.season is None and season_length(index) is None else super()._season(index)

    def _path(self, history, h):
        from lstmkit.data.seasonal import indices_at, seasonal_indices

        idx = seasonal_indices(history, self.season_)
        return history[-1] / indices_at(idx, len(history) - 1, 1) * indices_at(idx, len(history), h)


class DampedTrend(Naive2):
    """The M4 competition's "Damped" benchmark: Holt's linear trend with a damped trend
    (statsmodels' ``Holt(damped_trend=True)``, parameters by least squares) on the seasonally
    adjusted series, forecasts re-seasonalised as for ``Naive2`` (series with a non-positive
    value, or failing the 90% autocorrelation test, are not adjusted). Needs 4 values."""

    def _path(self, history, h):
        import warnings

        from statsmodels.tools.sm_exceptions import ConvergenceWarning
        from statsmodels.tsa.holtwinters import Holt

        from lstmkit.data.seasonal import indices_at, seasonal_indices

        if len(history) < 4 or np.ptp(history) == 0:  # too short or flat: no trend to estimate
            return np.full(h, history[-1], dtype=np.float64)
        idx = seasonal_indices(history, self.season_)
        adjusted = history / indices_at(idx, 0, len(history))
        with warnings.catch_warnings():  # (a non-converged optimum is still a least-squares fit)
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = Holt(adjusted, damped_trend=True, initialization_method="estimated").fit()
        return np.asarray(fit.forecast(h), dtype=np.float64) * indices_at(idx, len(history), h)


class Mean(_Baseline):
    """Repeat the mean of the history."""

    def _path(self, history, h):
        return np.full(h, history.mean())


class MajorityClass(BaseEstimator):
    """Predict the most frequent training label for every sequence (the floor for classifiers)."""

    @one_fit
    def fit(self, X, y):
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        self.classes_, self.majority_ = labels, labels[counts.argmax()]
        return self

    def predict(self, X) -> np.ndarray:
        check_fitted(self, "majority_", "fit(X, y)")
        return np.full(len(X), self.majority_)


class NearestNeighbour(BaseEstimator):
    """1-NN with Euclidean distance on the raw (equal-length) sequences: UCR's classic baseline."""

    @one_fit
    def fit(self, X, y):
        from sklearn.neighbors import KNeighborsClassifier

        self.model_ = KNeighborsClassifier(n_neighbors=1).fit(_flat(X), np.asarray(y))
        return self

    def predict(self, X) -> np.ndarray:
        check_fitted(self, "model_", "fit(X, y)")
        return self.model_.predict(_flat(X))


def _flat(X) -> np.ndarray:
    if isinstance(X, list) or np.asarray(X).ndim != 3:
        raise InputError("NearestNeighbour needs equal-length sequences as a 3-D array")
    X = np.asarray(X)
    return X.reshape(len(X), -1)


__all__ = ["Naive", "SeasonalNaive", "Naive2", "DampedTrend", "Mean", "MajorityClass", "NearestNeighbour"]


class CharNGram(BaseEstimator):
    """Interpolated Kneser-Ney character n-gram model (Chen & Goodman 1998), the floor for
    language models: ``fit(texts)``, ``bits_per_char(texts)`` (``score`` is minus it).

    Each text starts after ``order - 1`` start symbols. The highest order uses raw counts, the
    lower ones continuation counts (how many different characters precede an n-gram); each
    order subtracts one discount ``D = n1 / (n1 + 2 n2)`` and passes the mass to the order
    below, down to a uniform distribution, so unseen characters get a small probability and
    never an infinite loss. Counting and lookups are numpy sorts and binary searches: about
    4 million characters fit in seconds. ``order``: the longest n-gram (5: four characters of
    history).
    """

    def __init__(self, order: int = 5):
        self.order = order

    @one_fit
    def fit(self, texts) -> CharNGram:
        from lstmkit.data.tokens import as_texts

        order = check_positive_int("order", self.order)
        texts = as_texts(texts, "texts")
        if not any(texts):
            raise InputError("texts holds only empty strings; pass some text to learn from")
        self.chars_ = sorted(set("".join(texts)))
        self.index_ = {c: i + 2 for i, c in enumerate(self.chars_)}  # 0: start, 1: unknown
        self.base_ = len(self.chars_) + 2
        if self.base_ ** order >= 2**63:
            raise InputError(f"order {order} is too high for {len(self.chars_)} distinct characters "
                             "(n-gram codes would overflow 64 bits); lower order")
        codes = self._codes(texts)
        top = np.unique(codes[-1], return_counts=True)
        self.tables_, self.discounts_ = [], []
        for k in range(order, 0, -1):  # k-grams: raw counts at the top, continuation counts below
            if k < order:
                above = self.tables_[0][0]
                top = np.unique(above % self.base_ ** k, return_counts=True)  # distinct left contexts
            self.tables_.insert(0, (*top, *_histories(*top, self.base_)))
            n1, n2 = np.sum(top[1] == 1), np.sum(top[1] == 2)
            self.discounts_.insert(0, float(n1 / (n1 + 2 * n2)) if n1 else 0.5)
        return self

    def _codes(self, texts: list[str]) -> list[np.ndarray]:
        """For k = 1..order, the code of the k-gram ending at each character of ``texts``
        (base ``base_`` digits, the newest character last)."""
        pad = [0] * (self.order - 1)
        ids = np.array([i for t in texts for i in (*pad, *(self.index_.get(c, 1) for c in t))])
        real = np.concatenate([np.r_[np.zeros(len(pad), bool), np.ones(len(t), bool)] for t in texts])
        codes, code = [], np.zeros(len(ids), dtype=np.int64)
        for _ in range(self.order):
            code = np.r_[0, code[:-1]] * self.base_ + ids
            codes.append(code[real])
        return codes

    def score(self, texts) -> float:
        """Minus ``bits_per_char(texts)`` (greater is better)."""
        return -self.bits_per_char(texts)

    def bits_per_char(self, texts) -> float:
        """Bits per character of ``texts`` (the mean of -log2 p over every character)."""
        from lstmkit.data.tokens import as_texts

        check_fitted(self, "tables_", "fit(texts)")
        texts = [t for t in as_texts(texts, "texts") if t]
        if not texts:
            raise InputError("texts holds only empty strings; there is nothing to score")
        codes = self._codes(texts)
        p = np.full(len(codes[0]), 1.0 / self.base_)
        for (keys, counts, hist, totals, types), discount, code in zip(self.tables_, self.discounts_, codes):
            count = _lookup(keys, counts, code)  # this k-gram's count
            history = code // self.base_  # its history's total count and number of distinct next
            total, n_types = _lookup(hist, totals, history), _lookup(hist, types, history)
            mixed = (np.maximum(count - discount, 0) + discount * n_types * p) / np.maximum(total, 1)
            p = np.where(total > 0, mixed, p)  # an unseen history passes the lower order on unchanged
        return float(-np.log2(p).mean())


def _histories(keys: np.ndarray, counts: np.ndarray, base: int):
    """Per history (the code without its last character): its keys, total count, distinct next."""
    history = keys // base  # keys are sorted, so equal histories are adjacent
    starts = np.flatnonzero(np.r_[True, history[1:] != history[:-1]])
    return history[starts], np.add.reduceat(counts, starts), np.diff(np.r_[starts, len(keys)])


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """values[keys == q] for each query, 0 where the key is absent (keys sorted)."""
    at = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[at] == queries, values[at], 0)


__all__.append("CharNGram")
