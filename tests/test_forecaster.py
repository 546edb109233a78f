import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from lstmkit import Forecaster, InputError, NotFittedError, datasets
from lstmkit.baselines import SeasonalNaive
from lstmkit.metrics import rmse

FAST = dict(epochs=30, hidden_size=8, random_state=0)


def test_predict_returns_future_dates_and_backtest_aligns(seasonal_series):
    y = seasonal_series
    model = Forecaster(**FAST).fit(y[:96])
    assert model.fit(y[:96]) is model
    forecast = model.predict(h=24)
    assert isinstance(forecast, pd.Series) and len(forecast) == 24
    assert forecast.index[0] == pd.Timestamp("2008-01-01") and forecast.index.freqstr == "MS"
    one_step = model.backtest(y, start=96, h=1)
    assert one_step.index.equals(y.index[96:]) and np.isfinite(one_step).all()
    three = model.backtest(y, start=100, h=3)
    assert three.index.equals(y.index[100:])


def test_backtest_with_h_equal_to_length_matches_predict(seasonal_series):
    y = seasonal_series
    model = Forecaster(**FAST).fit(y[:96])
    path = model.predict(h=5)
    last = model.backtest(y[:101], start=100, h=5)
    assert last.iloc[0] == pytest.approx(path.iloc[-1])


def test_backtest_uses_only_the_past(seasonal_series):
    y = seasonal_series
    model = Forecaster(**FAST).fit(y[:96])
    before = model.backtest(y, start=96, h=1)
    changed = y.copy()
    changed.iloc[110:] *= 10  # the future of every forecast before position 110
    after = model.backtest(changed, start=96, h=1)
    assert np.allclose(before.iloc[:14], after.iloc[:14])


def test_plain_arrays_work_and_return_integer_positions():
    y = np.sin(np.arange(80) / 3) + np.arange(80) / 40
    model = Forecaster(**FAST).fit(y)
    forecast = model.predict(5)
    assert forecast.index.tolist() == [80, 81, 82, 83, 84]
    assert model.lookback_ == 8 and model.scaler_.lag == 1


def test_same_seed_same_forecast_and_other_seed_differs(seasonal_series):
    a = Forecaster(**FAST).fit(seasonal_series).predict(6)
    b = Forecaster(**FAST).fit(seasonal_series).predict(6)
    c = Forecaster(**{**FAST, "random_state": 1}).fit(seasonal_series).predict(6)
    assert a.equals(b) and not a.equals(c)


def test_sklearn_clone_and_params():
    model = Forecaster(arch="stacked", arch_options={"n_layers": 3}, lookback=6)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    model.set_params(lookback=4)
    assert model.lookback == 4


def test_stacked_arch_with_options_and_ensembles(seasonal_series):
    model = Forecaster(arch="stacked", arch_options={"n_layers": 3, "dropout": 0.1},
                       n_models=2, **FAST).fit(seasonal_series)
    assert len(model.modules_) == 2 and model.modules_[0].lstm.num_layers == 3
    assert len(model.history_) == 2 and np.isfinite(model.predict(3)).all()


def test_beats_seasonal_naive_on_a_trending_seasonal_series(seasonal_series):
    y = seasonal_series
    model = Forecaster(random_state=0).fit(y[:96])
    naive = SeasonalNaive().fit(y[:96])
    assert rmse(y[96:], model.backtest(y, 96)) < 0.5 * rmse(y[96:], naive.backtest(y, 96))
    assert rmse(y[96:], model.predict(24)) < 0.5 * rmse(y[96:], naive.predict(24))


def test_airline_default_beats_baselines_and_the_bar():
    y = datasets.load_airpassengers()
    model = Forecaster(random_state=0).fit(y[:96])
    assert rmse(y[96:], model.backtest(y, 96)) < 25  # seasonal naive: 41.9
    assert rmse(y[96:], model.predict(48)) < 40  # seasonal naive: 97.8


def test_history_records_train_and_validation_loss(seasonal_series):
    model = Forecaster(**FAST).fit(seasonal_series)
    assert {"epoch", "loss", "val_loss", "seconds"} <= set(model.history_[0])


def test_predict_before_fit():
    with pytest.raises(NotFittedError, match="call fit"):
        Forecaster().predict(3)


@pytest.mark.parametrize("params, message", [
    ({"arch": "transformer"}, "arch must be one of 'vanilla', 'stacked', 'bidirectional', 'mlp'; received"),
    ({"arch": "generative"}, "arch 'generative' cannot serve forecasting; use one of 'vanilla'"),
    ({"arch_options": {"n_layers": 2}}, "arch 'vanilla' has no option 'n_layers'"),
    ({"transform": "boxcox"}, "transform must be one of"),
    ({"difference": "twice"}, "difference must be one of"),
    ({"lookback": 0}, "lookback must be an integer >= 1; received 0"),
    ({"epochs": 2.5}, "epochs must be an integer"),
    ({"lr": -1}, r"lr must be a finite number > 0; received -1"),
    ({"lr": float("inf")}, r"lr must be a finite number > 0; received inf"),
    ({"weight_decay": -1}, r"weight_decay must be a finite number >= 0; received -1"),
    ({"weight_decay": "x"}, r"weight_decay must be a number >= 0; received 'x'"),
    ({"n_threads": 0}, "n_threads must be an integer >= 1; received 0"),
    ({"arch_options": [1]}, r"arch_options must be a dict of network options or None; received \[1\]"),
    ({"arch": "stacked", "arch_options": {"dropout": 2.0}},
     r"dropout must be a number in \[0, 1\); received 2.0"),
    ({"arch": "stacked", "arch_options": {"n_layers": 0}}, "n_layers must be an integer >= 1; received 0"),
    ({"arch_options": {"hidden_size": 3}}, "arch_options cannot set 'hidden_size': the estimator sets it"),
    ({"device": "tpu"}, "device must be"),
    ({"random_state": "x"}, "random_state must be None or an int"),
])
def test_bad_parameters_fail_before_training(params, message, seasonal_series):
    with pytest.raises((InputError, TypeError), match=message):
        Forecaster(**params).fit(seasonal_series)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_a_clear_error_and_a_gpu_model_loads_on_the_cpu(seasonal_series, tmp_path):
    from lstmkit.persistence import load

    with pytest.raises(InputError, match="device 'cuda' needs CUDA"):
        Forecaster(device="cuda").fit(seasonal_series)
    Forecaster(**FAST).fit(seasonal_series).save(tmp_path / "m")
    config = tmp_path / "m" / "config.json"
    saved = json.loads(config.read_text())
    saved["params"]["device"] = "cuda"  # as a model trained on a GPU says
    config.write_text(json.dumps(saved))
    assert load(tmp_path / "m").device_.type == "cpu"


def test_a_failed_refit_leaves_the_previous_model_whole(seasonal_series):
    model = Forecaster(**FAST).fit(seasonal_series[:96])
    before = model.predict(3)
    with pytest.raises(InputError, match="too short"):
        model.fit(np.arange(4.0))
    pd.testing.assert_series_equal(model.predict(3), before)
    fresh = Forecaster(**FAST)
    with pytest.raises(InputError):
        fresh.fit(np.arange(4.0))
    with pytest.raises(NotFittedError):
        fresh.predict(3)


def test_log_transform_rejects_non_positive_values_at_predict_time(seasonal_series):
    model = Forecaster(**FAST, transform="log").fit(seasonal_series[:96])
    bad = seasonal_series.copy()
    bad.iloc[-5] = -1.0
    with pytest.raises(InputError, match="transform='log' needs positive values; y has minimum -1"):
        model.predict(3, y=bad)
    with pytest.raises(InputError, match="needs positive values"):
        model.backtest(bad, start=100)


def dated(values, dates):
    return pd.Series(values, index=pd.DatetimeIndex(dates))


@pytest.mark.parametrize("y, message", [
    (["1", "2", "x"] * 20, "y must hold numbers only; received the value 'x'"),
    ([1.0, np.nan] * 30, "y must hold finite numbers; received nan at position 1"),
    ([1.0, np.inf] * 30, "received inf"),
    ([1e30] * 60, "magnitudes above"),
    (np.ones((3, 4)), "y must be 1-D"),
    ({"a": 1}, "y must be a pandas Series"),
    (list(range(4)), "too short for lookback 2"),
    (dated(range(3), ["2000-01-01", "2000-01-01", "2000-02-01"]), "duplicated date 2000-01-01"),
    (dated(range(3), ["2000-02-01", "2000-01-01", "2000-03-01"]), "unsorted dates"),
    (dated(range(4), ["2000-01-01", "2000-01-02", "2000-03-01", "2000-03-02"]), "irregular"),
    (dated(range(3), [None, "2000-01-01", "2000-02-01"]), r"missing date \(NaT\) at position 0"),
])
def test_bad_series_get_one_line_errors(y, message):
    with pytest.raises((InputError, TypeError), match=message) as info:
        Forecaster(**FAST).fit(y)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("call, message", [
    (lambda m, y: m.predict(0), "h must be an integer >= 1; received 0"),
    (lambda m, y: m.predict(-3), "h must be an integer >= 1"),
    (lambda m, y: m.backtest(y, start=2), r"start must be in \[24, 119\]"),
])
def test_bad_prediction_arguments(call, message, seasonal_series):
    model = Forecaster(**FAST).fit(seasonal_series[:96])
    with pytest.raises(InputError, match=message):
        call(model, seasonal_series)


def test_period_and_evenly_spaced_integer_indexes_keep_their_labels():
    values = 10 + np.sin(np.arange(48) / 2)
    periods = pd.period_range("2000-01", periods=48, freq="M")
    monthly = Forecaster(**FAST).fit(pd.Series(values, index=periods))
    assert monthly.season_ == 12  # as with the same dates in a DatetimeIndex
    assert list(monthly.predict(2).index) == list(pd.date_range("2004-01-01", periods=2, freq="MS"))
    every_other = Forecaster(**FAST).fit(pd.Series(values, index=np.arange(0, 96, 2)))
    assert list(every_other.predict(2).index) == [96, 98]


def test_predict_checks_the_frequency_and_the_date_range_before_forecasting(seasonal_series):
    model = Forecaster(**FAST).fit(seasonal_series[:96])
    daily = pd.Series(np.arange(100.0) + 1, index=pd.date_range("2000", periods=100, freq="D"))
    with pytest.raises(InputError, match="y has frequency 'D'; this model was fitted on 'MS' data"):
        model.predict(3, y=daily)
    try:  # pandas 2 holds dates up to 2262 (nanoseconds); pandas 3 picks a coarser unit as needed
        pd.date_range(model.y_.index[-1], periods=4001, freq="MS")
    except pd.errors.OutOfBoundsDatetime:
        with pytest.raises(InputError, match="run past the last date pandas can hold"):
            model.predict(4000)
    else:
        assert len(model.predict(4000)) == 4000


def test_a_fixed_offset_zone_without_a_name_survives_save_and_load(tmp_path):
    import dateutil.parser

    import lstmkit

    dates = pd.DatetimeIndex([dateutil.parser.parse(f"2024-01-{d:02d}T00:00+01:00") for d in range(1, 31)])
    model = Forecaster(**FAST | {"lookback": 4}).fit(pd.Series(np.arange(30.0) + 1, index=dates))
    loaded = lstmkit.load(model.save(tmp_path / "m"))
    assert loaded.predict(1).index[0] == model.predict(1).index[0] == pd.Timestamp("2024-01-31T00:00+01:00")


def test_log_transform_reads_only_the_values_it_forecasts_from(seasonal_series):
    model = Forecaster(**FAST, transform="log").fit(seasonal_series[:96])
    old_zero = seasonal_series.copy()
    old_zero.iloc[0] = 0.0  # long before the lookback window
    assert np.isfinite(model.predict(3, y=old_zero).to_numpy()).all()


def test_long_backtests_forecast_in_blocks_with_the_same_answers():
    model = Forecaster(epochs=1, hidden_size=4, random_state=0).fit(10 + np.sin(np.arange(200) / 4))
    windows = np.random.default_rng(0).normal(size=(8200, model._width))
    whole = model._recursive(windows, 3)  # > 8192 rows: two blocks
    parts = np.concatenate([model._recursive(windows[:100], 3), model._recursive(windows[100:], 3)])
    np.testing.assert_allclose(whole, parts, rtol=1e-6)
