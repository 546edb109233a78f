import numpy as np
import pytest

from lstmkit import InputError
from lstmkit.metrics import accuracy, mae, mase, rmse, smape


def test_values_computed_by_hand():
    y, f = [1.0, 2.0, 4.0], [2.0, 2.0, 2.0]
    assert rmse(y, f) == pytest.approx(np.sqrt((1 + 0 + 4) / 3))
    assert mae(y, f) == pytest.approx(1.0)
    # 200 * (1/3 + 0/4 + 2/6) / 3
    assert smape(y, f) == pytest.approx(200 * (1 / 3 + 0 + 1 / 3) / 3)
    # seasonal-naive MAE of the training series at lag 2: |3-1|, |6-2| -> 3
    assert mase(y, f, y_train=[1.0, 2.0, 3.0, 6.0], season=2) == pytest.approx(1.0 / 3)
    assert accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75


def test_smape_counts_zero_over_zero_as_zero():
    assert smape([0.0, 1.0], [0.0, 1.0]) == 0.0


def test_bad_metric_inputs():
    with pytest.raises(InputError, match="same length"):
        rmse([1, 2], [1])
    with pytest.raises(InputError, match="constant"):
        mase([1.0], [1.0], y_train=[2.0, 2.0, 2.0])
    with pytest.raises(InputError, match=r"y_pred must hold finite numbers; received nan at position 0"):
        smape([100.0, 100.0], [float("nan")] * 2)  # a NaN forecast must not score as perfect
    with pytest.raises(InputError, match=r"y_true must hold finite numbers; received nan at position 1"):
        rmse([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(InputError, match="y_train must hold finite numbers"):
        mase([1.0], [1.0], y_train=[1.0, float("inf"), 2.0])
    for season in (0, -1, 1.5):
        with pytest.raises(InputError, match="season must be an integer >= 1"):
            mase([1.0], [1.0], y_train=[1.0, 2.0, 3.0], season=season)


def test_forecast_metrics_report_an_undefined_mase_as_nan_and_mase_itself_raises():
    from lstmkit.metrics import forecast_metrics

    periodic = [5.0, 7.0, 9.0, 4.0] * 3  # repeats exactly at lag 4: the seasonal-naive error is 0
    found = forecast_metrics([5.0, 8.0], [5.0, 7.0], periodic, season=4)
    assert np.isnan(found["mase"])
    assert found["mae"] == pytest.approx(0.5) and found["rmse"] == pytest.approx(np.sqrt(0.5))
    with pytest.raises(InputError, match="^mase is undefined: the training series is constant at lag "
                                         "season$"):
        mase([5.0, 8.0], [5.0, 7.0], periodic, season=4)
    lag_one = np.mean(np.abs(np.diff(periodic)))  # (at lag 1 it is defined)
    assert forecast_metrics([5.0], [6.0], periodic, season=1)["mase"] == pytest.approx(1 / lag_one)


def test_forecast_metrics_of_a_training_part_no_longer_than_a_season_report_mase_as_nan():
    from lstmkit.metrics import forecast_metrics

    found = forecast_metrics([1.0, 2.0], [1.5, 2.0], np.arange(12.0), season=12)
    assert np.isnan(found["mase"]) and found["mae"] == 0.25
