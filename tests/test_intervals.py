import numpy as np
import pytest

import lstmkit
from lstmkit import Forecaster, InputError
from lstmkit.conformal import pooled_half_widths
from lstmkit.datasets import load_airpassengers

Y = load_airpassengers()


@pytest.fixture(scope="module")
def model():
    return Forecaster(hidden_size=8, epochs=30, conformal_windows=3, conformal_horizon=12,
                      random_state=0).fit(Y[:96])


def test_intervals_nest_and_widen(model):
    p = model.predict(12, level=[80, 95])
    assert list(p.columns) == ["forecast", "lo-80", "hi-80", "lo-95", "hi-95"]
    assert (p["lo-95"] <= p["lo-80"]).all() and (p["lo-80"] < p["forecast"]).all()
    assert (p["forecast"] < p["hi-80"]).all() and (p["hi-80"] <= p["hi-95"]).all()
    assert model.conformal_scores_.shape == (3, 12)
    assert np.array_equal(p["forecast"].to_numpy(), model.predict(12).to_numpy())


def test_half_width_is_the_pooled_conformal_quantile(model):
    errors = model.conformal_scores_
    half = pooled_half_widths(errors, 80)
    scaled = errors / (half / half.max())  # dividing by the same per-step scale pools the errors
    rank = int(np.ceil((errors.size + 1) * 0.8))
    assert np.sort(scaled.ravel())[rank - 1] == pytest.approx(half.max())


def test_calibration_uses_only_the_training_series():
    a = Forecaster(hidden_size=4, epochs=3, conformal_windows=2, conformal_horizon=6, random_state=0)
    changed = Y.copy()
    changed.iloc[96:] = 0.0  # the test part: must not matter
    s1 = a.fit(Y[:96]).conformal_scores_
    s2 = Forecaster(**a.get_params()).fit(changed[:96]).conformal_scores_
    assert np.array_equal(s1, s2)


def test_short_series_get_fewer_windows_and_round_trip(tmp_path):
    f = Forecaster(hidden_size=4, epochs=3, conformal_windows=5, conformal_horizon=12, random_state=0)
    f.fit(Y[:60])
    assert 1 <= len(f.conformal_scores_) < 5
    loaded = lstmkit.load(f.save(tmp_path / "m"))
    assert loaded.predict(6, level=90).equals(f.predict(6, level=90))


@pytest.mark.parametrize("horizon", [1, 2, 3, 4])
def test_short_conformal_horizons_give_intervals(horizon):
    f = Forecaster(hidden_size=4, epochs=2, conformal_windows=2, conformal_horizon=horizon, random_state=0)
    p = f.fit(Y[:96]).predict(horizon, level=np.array([80]))  # numpy levels are numbers too
    assert list(p.columns) == ["forecast", "lo-80", "hi-80"] and (p["lo-80"] < p["hi-80"]).all()


def test_ensemble_intervals_follow_renamed_columns():
    import pandas as pd

    from lstmkit import EnsembleForecaster

    rng = np.random.default_rng(0)
    frame = pd.concat([pd.DataFrame({"store": k, "month": pd.date_range("2000-01", periods=40, freq="MS"),
                                     "sales": 50 + 10 * np.sin(np.arange(40) / 2) + rng.normal(0, 1, 40)})
                       for k in "ab"])
    members = [Forecaster(strategy="direct", horizon=4, hidden_size=4, epochs=2, random_state=k)
               for k in (0, 1)]
    names = dict(id_col="store", time_col="month", value_col="sales")
    e = EnsembleForecaster(members, conformal_windows=1, conformal_horizon=4).fit(frame, **names)
    out = e.predict(4, y=frame, level=[80])
    assert list(out.columns) == ["store", "month", "lstmkit", "lstmkit-lo-80", "lstmkit-hi-80"]
    assert len(out) == 8


@pytest.mark.parametrize("kwargs, message", [
    ({"level": [80, 120]}, r"level must be percentages in \(0, 100\)"),
    ({"level": [80], "h": 13}, r"h must be at most conformal_horizon \(12\)"),
])
def test_bad_levels(model, kwargs, message):
    with pytest.raises(InputError, match=message):
        model.predict(kwargs.pop("h", 6), **kwargs)


def test_level_without_calibration_says_how_to_get_it():
    plain = Forecaster(hidden_size=4, epochs=2, random_state=0).fit(Y[:96])
    with pytest.raises(InputError, match="fit with conformal_windows >= 1"):
        plain.predict(6, level=[80])


def test_cli_level_adds_coverage_and_bands(tmp_path, capsys):
    import json

    from lstmkit.cli import main

    plot = tmp_path / "f.png"
    assert main(["forecast", "--epochs", "5", "--horizon", "12", "--level", "80", "95", "--plot", str(plot),
                 "--json"]) == 0
    multi = json.loads(capsys.readouterr().out)["metrics"]["lstmkit"]["multi_step"]
    assert 0 <= multi["coverage_80"] <= multi["coverage_95"] <= 1 and plot.exists()
    assert main(["forecast", "--level", "120", "--no-plot"]) == 2


def test_calibration_that_cannot_run_fails_before_any_training():
    from lstmkit import EnsembleForecaster

    series = [50 + np.sin(np.arange(40) / 2) + k for k in range(3)]
    epochs = []
    with pytest.raises(InputError, match=r"needs series longer than 2 \* horizon \(48\); the longest has 40"):
        Forecaster(strategy="direct", horizon=24, conformal_windows=1, epochs=2, hidden_size=4).fit(
            series, on_epoch=epochs.append)
    members = [Forecaster(hidden_size=4, epochs=2)]  # recursive members: no horizon of their own
    with pytest.raises(InputError, match="conformal_horizon is needed"):
        EnsembleForecaster(members, conformal_windows=1).fit(series, on_epoch=epochs.append)
    assert epochs == []
