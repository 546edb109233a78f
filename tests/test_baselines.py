import numpy as np
import pandas as pd
import pytest

from lstmkit import datasets
from lstmkit.baselines import Mean, Naive, SeasonalNaive
from lstmkit.metrics import rmse


def test_forecasts_by_hand():
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert Naive().fit(y).predict(2).tolist() == [6.0, 6.0]
    assert SeasonalNaive(season=3).fit(y).predict(4).tolist() == [4.0, 5.0, 6.0, 4.0]
    assert Mean().fit(y).predict(1).tolist() == [3.5]
    assert Naive().fit(y).backtest(y, start=3, h=2).tolist() == [2.0, 3.0, 4.0]


def test_airline_reference_figures():
    y = datasets.load_airpassengers()
    assert rmse(y[96:], Naive().fit(y[:96]).backtest(y, 96)) == pytest.approx(48.04, abs=0.01)
    seasonal = SeasonalNaive().fit(y[:96])
    assert seasonal.season_ == 12
    assert rmse(y[96:], seasonal.backtest(y, 96)) == pytest.approx(41.85, abs=0.01)
    assert rmse(y[96:], seasonal.predict(48)) == pytest.approx(97.80, abs=0.01)


def test_dates_continue_after_training():
    y = datasets.load_airpassengers()[:12]
    assert Naive().fit(y).predict(1).index[0] == pd.Timestamp("1950-01-01")
    assert np.isfinite(SeasonalNaive().fit(y).predict(30)).all()


def test_classification_baselines():
    from lstmkit.baselines import MajorityClass, NearestNeighbour

    X = np.array([[[0.0], [0.0]], [[1.0], [1.0]], [[1.1], [0.9]]])
    y = np.array(["low", "high", "high"])
    assert MajorityClass().fit(X, y).predict(X[:2]).tolist() == ["high", "high"]
    assert NearestNeighbour().fit(X, y).predict(np.array([[[0.1], [0.0]]])).tolist() == ["low"]
