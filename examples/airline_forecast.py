"""Forecast airline passengers: lstmkit next to a baseline, on months it never saw."""

from lstmkit import Forecaster, datasets
from lstmkit.baselines import SeasonalNaive
from lstmkit.metrics import rmse

y = datasets.load_airpassengers()  # 144 months, 1949-01 .. 1960-12
train, test = y[:96], y[96:]

model = Forecaster(random_state=0).fit(train)
baseline = SeasonalNaive().fit(train)

one_step = {name: rmse(test, m.backtest(y, start=96)) for name, m in
            [("lstmkit", model), ("seasonal naive", baseline)]}
multi_step = {name: rmse(test, m.predict(48)) for name, m in
              [("lstmkit", model), ("seasonal naive", baseline)]}
print("one-step RMSE:", {k: round(v, 1) for k, v in one_step.items()})
print("48-step RMSE: ", {k: round(v, 1) for k, v in multi_step.items()})
print(model.predict(6).round(1))
