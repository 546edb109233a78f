"""The plain-words comparison with the baselines (comparison.py) in forecast and diagnose."""

import json

import numpy as np
import pandas as pd
import pytest

from lstmkit import Forecaster
from lstmkit.cli import main
from lstmkit.comparison import honest_diagnosis, verdicts


def test_a_baseline_that_wins_is_named_with_its_margin():
    metrics = {"lstmkit": {"multi_step": {"mase": 1.5, "smape": 9.0}},
               "naive": {"multi_step": {"mase": 1.0, "smape": 7.0}},
               "seasonal naive": {"multi_step": {"mase": 1.2, "smape": 8.0}}}
    (found,) = verdicts(metrics)
    assert found["loses"] and found["best_other"] == "naive" and found["worse_by"] == pytest.approx(0.5)
    fixed = honest_diagnosis({"verdict": "good fit", "advice": "...", "facts": {}}, [found])
    assert fixed["verdict"] == "loses to a baseline"
    assert "naive forecasts better (lstmkit's MASE 50% higher" in fixed["advice"]
    overfit = {"verdict": "overfit", "advice": "a", "facts": {}}
    assert honest_diagnosis(overfit, [found]) == overfit  # only "good fit" hides a loss


def test_sMAPE_speaks_where_MASE_is_undefined():
    metrics = {"lstmkit": {"one_step": {"mase": float("nan"), "smape": 5.0}},
               "naive": {"one_step": {"mase": float("nan"), "smape": 4.0}}}
    assert verdicts(metrics)[0]["metric"] == "sMAPE"


@pytest.fixture
def random_walk_csv(tmp_path):
    rng = np.random.default_rng(3)
    dates = pd.date_range("2000-01-01", periods=120, freq="MS")
    path = tmp_path / "walk.csv"
    pd.DataFrame({"month": dates.strftime("%Y-%m-%d"), "value": 100 + rng.normal(0, 1, 120).cumsum()}).to_csv(
        path, index=False)
    return path


def test_forecast_on_a_random_walk_says_that_naive_wins(random_walk_csv, capsys):
    assert main(["forecast", str(random_walk_csv), "--epochs", "20", "--no-plot", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    one_step = next(s for s in result["comparison"] if "one-step" in s)
    assert one_step.startswith("naive beats lstmkit on the rolling one-step forecasts")
    assert result["diagnosis"]["verdict"] != "good fit"


def test_diagnose_compares_on_the_series_own_last_values(random_walk_csv, tmp_path, capsys):
    y = pd.read_csv(random_walk_csv, index_col=0, parse_dates=True)["value"].asfreq("MS")
    model = Forecaster(epochs=20, random_state=0).fit(y)
    path = model.save(tmp_path / "m")
    assert main(["diagnose", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["metrics"]) == {"lstmkit", "naive", "seasonal naive"}
    (sentence,) = result["comparison"]
    assert sentence.startswith("on its last training values (validation): ")
    best = min(result["metrics"], key=lambda k: result["metrics"][k]["mase"])
    assert (best != "lstmkit") == ("beats lstmkit" in sentence)
