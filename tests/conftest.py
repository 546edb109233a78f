import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def seasonal_series() -> pd.Series:
    """A monthly series with trend, multiplicative-ish seasonality and noise: 120 values."""
    rng = np.random.default_rng(0)
    t = np.arange(120)
    values = (100 + 1.5 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 2, 120)
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=120, freq="MS"), name="y")
