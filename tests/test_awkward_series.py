"""Awkward real series never crash a default fit: very short, zeros, negatives, constant
stretches, outliers (issue 22)."""

import numpy as np
import pandas as pd
import pytest

from lstmkit import Forecaster, GlobalForecaster, InputError

QUICK = dict(epochs=15, random_state=0)


@pytest.mark.parametrize("n, lookback", [(5, 2), (9, 3), (12, 6), (40, 8)])
def test_a_short_series_gets_a_shorter_default_lookback(n, lookback):
    y = 10 + np.arange(n, dtype=float)
    model = Forecaster(**QUICK).fit(y)
    assert model.lookback_ == lookback
    assert np.isfinite(model.predict(6)).all()


def test_a_series_too_short_for_any_window_is_a_one_line_error_and_a_set_lookback_is_kept():
    with pytest.raises(InputError, match="y has 4 values, too short for lookback 2"):
        Forecaster(**QUICK).fit(np.arange(4.0))
    with pytest.raises(InputError, match="too short for lookback 8"):
        Forecaster(lookback=8, **QUICK).fit(np.arange(9.0))


@pytest.mark.parametrize("values", [
    np.r_[np.zeros(20), np.arange(1.0, 41.0)],                      # zeros, then growth
    np.sin(np.arange(60) / 3) * 5 - 2,                              # negative values
    np.r_[np.full(30, 7.0), 7 + np.arange(30.0)],                   # a constant stretch
    np.r_[np.ones(29), 1e4, np.ones(30)] + np.arange(60) * 0.1,     # one huge outlier
    np.where(np.arange(60) % 5 == 0, 3.0, 0.0),                     # intermittent counts
])
def test_awkward_series_fit_and_forecast_finite_values_with_transform_auto(values):
    series = pd.Series(values, index=pd.date_range("2000-01-01", periods=len(values), freq="MS"))
    assert np.isfinite(Forecaster(transform="auto", **QUICK).fit(series).predict(12)).all()
    panel = [values, values[::-1] + 1]
    model = GlobalForecaster(strategy="direct", horizon=6, transform="auto", epochs=5, random_state=0,
                             val_size=0).fit(panel)
    assert np.isfinite(np.stack(model.predict(6))).all()
