"""Forecaster(pretrained="ensemble") (tasks/pretrained_ensemble.py) and baselines.DampedTrend."""

import numpy as np
import pandas as pd
import pytest

import lstmkit
from lstmkit import Forecaster, InputError, datasets
from lstmkit.baselines import DampedTrend
from lstmkit.onnx import export_onnx

TINY = dict(epochs=3, hidden_size=8, random_state=0)


@pytest.fixture(scope="module")
def air():
    return datasets.load_airpassengers()[:96]


def test_the_ensemble_is_the_step_wise_median_of_its_three_members(air):
    model = Forecaster(pretrained="ensemble", **TINY).fit(air)
    assert model.ensemble_members_ == ["own LSTM", "pretrained checkpoint", "damped trend"]
    own = Forecaster(**TINY).fit(air).predict(12).to_numpy()
    zero_shot = Forecaster(pretrained="monthly").fit(air).predict(12).to_numpy()
    damped = DampedTrend().fit(air).predict(12).to_numpy()
    out = model.predict(12)
    pd.testing.assert_index_equal(out.index, datasets.load_airpassengers().index[96:108], check_names=False)
    np.testing.assert_allclose(out.to_numpy(), np.median([own, zero_shot, damped], axis=0))
    assert len({tuple(np.round(p, 6)) for p in (own, zero_shot, damped)}) == 3  # three different members


def test_past_the_checkpoint_horizon_its_forecasts_are_fed_back(air):
    model = Forecaster(pretrained="ensemble", **TINY).fit(air)
    long = model.predict(40).to_numpy()  # the monthly checkpoint forecasts 18 steps at a time
    np.testing.assert_allclose(long[:18], model.predict(18).to_numpy())
    assert np.isfinite(long).all() and long.std() > 0


def test_same_seed_same_forecast_and_a_saved_ensemble_answers_the_same(air, tmp_path):
    a = Forecaster(pretrained="ensemble", **TINY).fit(air).predict(6)
    model = Forecaster(pretrained="ensemble", **TINY).fit(air)
    pd.testing.assert_series_equal(model.predict(6), a)
    loaded = lstmkit.load(model.save(tmp_path / "ens"))
    assert loaded.ensemble_members_ == model.ensemble_members_
    pd.testing.assert_series_equal(loaded.predict(6), a)
    with pytest.raises(InputError, match="export a Forecaster\\(pretrained=False\\)"):
        export_onnx(model, tmp_path / "m.onnx")


def test_backtest_forecasts_each_value_from_the_values_before_it():
    y = datasets.load_airpassengers()[:110]
    model = Forecaster(pretrained="ensemble", **TINY).fit(y[:96])
    rolled = model.backtest(y, start=104)
    by_hand = [model.predict(1, y=y[:t]).iloc[0] for t in range(104, 110)]
    np.testing.assert_allclose(rolled.to_numpy(), by_hand)


def test_a_series_with_zeros_leaves_the_checkpoint_out_and_says_so():
    rng = np.random.default_rng(0)
    y = pd.Series(np.maximum(0, rng.normal(3, 2, 60)).round(),
                  index=pd.date_range("2020-01-01", periods=60, freq="MS"))
    model = Forecaster(pretrained="ensemble", **TINY).fit(y)
    assert model.ensemble_members_ == ["own LSTM", "damped trend"]
    own = Forecaster(**TINY).fit(y).predict(6).to_numpy()
    damped = DampedTrend().fit(y).predict(6).to_numpy()
    np.testing.assert_allclose(model.predict(6).to_numpy(), (own + damped) / 2)


def test_a_daily_series_has_no_checkpoint_and_many_series_are_refused():
    y = pd.Series(np.sin(np.arange(80) / 3) + 5, index=pd.date_range("2024-01-01", periods=80, freq="D"))
    assert Forecaster(pretrained="ensemble", **TINY).fit(y).ensemble_members_ == ["own LSTM", "damped trend"]
    with pytest.raises(InputError, match="pretrained checkpoints forecast one series"):
        Forecaster(pretrained="ensemble", **TINY).fit([y, y])


def test_damped_trend_damps_a_trend_and_keeps_a_season():
    trend = DampedTrend().fit(np.arange(1.0, 41.0)).predict(30).to_numpy()
    steps = np.diff(np.r_[40.0, trend])
    assert steps[0] > 0.5 and (np.diff(steps) <= 1e-9).all()  # rising, by ever smaller steps
    assert DampedTrend().fit(np.full(10, 7.0)).predict(3).tolist() == [7.0, 7.0, 7.0]
    t = np.arange(72)
    seasonal = pd.Series(100 * (1 + 0.3 * np.sin(2 * np.pi * t / 12)),
                         index=pd.date_range("2000-01-01", periods=72, freq="MS"))
    out = DampedTrend().fit(seasonal).predict(12).to_numpy()
    np.testing.assert_allclose(out, seasonal.to_numpy()[-12:], rtol=0.02)
