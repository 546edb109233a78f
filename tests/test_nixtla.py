"""Nixtla-compatible frames (issue 25): alias-named forecast columns, percentage levels, target_col,
text dates, and cross_validation whose output utilsforecast.evaluate reads unchanged."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from lstmkit import EnsembleForecaster, Forecaster, GlobalForecaster, InputError
from lstmkit.cli import main
from lstmkit.evaluation import cross_validation, interval_coverage

evaluation = pytest.importorskip("utilsforecast.evaluation")
losses = pytest.importorskip("utilsforecast.losses")

SMALL = dict(epochs=2, hidden_size=8, random_state=0, device="cpu")
DIRECT = dict(strategy="direct", horizon=6, **SMALL)


def monthly(n=60, seed=0, level=10.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(level + 3 * np.sin(2 * np.pi * t / 12) + 0.05 * t + rng.normal(0, 0.3, n),
                     index=pd.date_range("2000-01-01", periods=n, freq="MS"))


def frame(n_series=3, n=60):
    return pd.concat([pd.DataFrame({"unique_id": f"s{k}", "ds": s.index, "y": s.to_numpy()})
                      for k, s in enumerate(monthly(n, seed=k, level=10 + 5 * k) for k in range(n_series))],
                     ignore_index=True)


def test_long_frames_name_the_forecast_by_alias_and_one_series_keeps_its_series():
    out = GlobalForecaster(**DIRECT, alias="lstm").fit(frame()).predict(6)
    assert list(out.columns) == ["unique_id", "ds", "lstm"] and len(out) == 18
    assert list(Forecaster(**DIRECT).fit(frame()).predict(6).columns) == ["unique_id", "ds", "lstmkit"]
    one = Forecaster(**SMALL).fit(monthly())
    assert isinstance(one.predict(3), pd.Series) and one.predict(3).name == "forecast"  # unchanged


def test_intervals_of_long_frames_take_nixtla_names_and_evaluate_reads_them_merged_with_actuals():
    data = frame()
    train, test = data.groupby("unique_id").head(54), data.groupby("unique_id").tail(6)
    out = GlobalForecaster(**DIRECT, conformal_windows=2).fit(train).predict(6, level=[80, 95])
    assert list(out.columns) == ["unique_id", "ds", "lstmkit", "lstmkit-lo-80", "lstmkit-hi-80",
                                 "lstmkit-lo-95", "lstmkit-hi-95"]
    merged = test.merge(out, on=["unique_id", "ds"])
    assert len(merged) == 18
    metrics = [losses.mae, losses.coverage, partial(losses.mase, seasonality=12)]
    scores = evaluation.evaluate(merged, metrics=metrics, level=[80, 95], train_df=train)
    mae = scores[scores.metric == "mae"].set_index("unique_id")["lstmkit"]
    by_hand = (merged.y - merged.lstmkit).abs().groupby(merged.unique_id).mean()
    np.testing.assert_allclose(mae.loc[by_hand.index], by_hand)
    inside = (merged.y >= merged["lstmkit-lo-80"]) & (merged.y <= merged["lstmkit-hi-80"])
    assert scores[scores.metric == "coverage_level80"]["lstmkit"].mean() == pytest.approx(inside.mean())
    assert interval_coverage(merged.y, merged, [80]) == {"coverage_80": pytest.approx(inside.mean())}


@pytest.mark.parametrize("level", [0.8, [80, 0.95], 1])
def test_levels_given_as_fractions_are_refused_naming_the_percentage(level):
    model = Forecaster(**SMALL, conformal_windows=1, conformal_horizon=6).fit(monthly())
    with pytest.raises(InputError, match=r"level must be percentages in \(1, 100\), not fractions: pass "
                                         r"(80, not 0.8|95, not 0.95)") as error:
        model.predict(6, level=level)
    assert "\n" not in str(error.value)


def test_cli_refuses_a_fractional_level_before_training(capsys):
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(["forecast", "--no-plot", "--level", "0.8"]))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--level must be percentages in (1, 100), not fractions: pass 80, not 0.8" in err


def test_cli_level_bands_reach_out_and_the_table_shows_coverage(tmp_path, capsys):
    out = tmp_path / "next.csv"
    result = json.loads((main(["forecast", "--no-plot", "--epochs", "1", "--horizon", "6", "--level", "80",
                               "--out", str(out), "--json"]), capsys.readouterr().out)[1])
    written = pd.read_csv(out)
    assert list(written.columns) == ["ds", "forecast", "lo-80", "hi-80"] and len(written) == 6
    assert (written["lo-80"] < written.forecast).all() and (written.forecast < written["hi-80"]).all()
    assert 0 <= result["metrics"]["lstmkit"]["multi_step"]["coverage_80"] <= 1
    assert main(["forecast", "--no-plot", "--epochs", "1", "--horizon", "6", "--level", "80"]) == 0
    assert "cover 80%" in capsys.readouterr().out


def test_alias_must_be_a_name_that_differs_from_the_id_and_time_columns():
    with pytest.raises(InputError, match="alias must be a non-empty name .* received ''"):
        GlobalForecaster(**DIRECT, alias="").fit(frame())
    with pytest.raises(InputError, match=r"alias must differ from the id and time columns \['unique_id'"):
        GlobalForecaster(**DIRECT, alias="ds").fit(frame())


def test_target_col_names_the_value_column_as_nixtla_does():
    data = frame().rename(columns={"y": "sales"})
    a = Forecaster(**DIRECT).fit(data, target_col="sales").predict(6)
    b = Forecaster(**DIRECT).fit(data, value_col="sales").predict(6)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(InputError, match="target_col and value_col name the same column"):
        Forecaster(**DIRECT).fit(data, target_col="sales", value_col="y2")


def test_text_dates_as_read_csv_gives_them_are_parsed(tmp_path):
    data = frame()
    data.to_csv(tmp_path / "long.csv", index=False)
    read = pd.read_csv(tmp_path / "long.csv")
    assert not pd.api.types.is_datetime64_any_dtype(read.ds)
    from_text = GlobalForecaster(**DIRECT).fit(read).predict(6)
    from_dates = GlobalForecaster(**DIRECT).fit(data).predict(6)
    assert from_text.ds.iloc[0] == pd.Timestamp("2005-01-01")
    np.testing.assert_allclose(from_text.lstmkit, from_dates.lstmkit)
    read.loc[5, "ds"] = "soon"
    with pytest.raises(InputError, match="column 'ds' holds 'soon'"):
        GlobalForecaster(**DIRECT).fit(read)


def test_ensemble_long_frames_take_its_alias():
    members = [GlobalForecaster(**DIRECT | {"random_state": k}) for k in range(2)]
    e = EnsembleForecaster(members, alias="ens").fit(frame())
    out = e.predict(6)
    assert list(out.columns) == ["unique_id", "ds", "ens"]
    np.testing.assert_allclose(out.ens, np.median([m.predict(6).lstmkit for m in e.members_], axis=0))


def test_one_series_cross_validation_refits_per_window_as_nixtla_does():
    y = monthly(60).rename("sales")
    model = Forecaster(**SMALL)
    cv = model.cross_validation(y, h=6, n_windows=2)
    assert not hasattr(model, "modules_")  # clones are fitted
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "lstmkit"] and len(cv) == 12
    assert (cv.unique_id == "sales").all()
    assert list(cv.cutoff.unique()) == [pd.Timestamp("2003-12-01"), pd.Timestamp("2004-06-01")]
    np.testing.assert_allclose(cv.y, y[-12:])
    pd.testing.assert_index_equal(pd.DatetimeIndex(cv.ds), y.index[-12:], check_names=False)
    first = clone(model).fit(y[:48]).predict(6)
    np.testing.assert_allclose(cv.lstmkit[:6], first)
    scores = evaluation.evaluate(cv.drop(columns="cutoff"), metrics=[losses.mae])
    assert scores.lstmkit.iloc[0] == pytest.approx(np.mean(np.abs(cv.y - cv.lstmkit)))


def test_many_series_cross_validation_without_refit_and_with_intervals_feeds_evaluate():
    data = frame()
    model = Forecaster(**DIRECT, conformal_windows=1)
    cv = model.cross_validation(data, h=6, n_windows=3, step_size=3, refit=False, level=[80])
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "lstmkit", "lstmkit-lo-80", "lstmkit-hi-80"]
    assert len(cv) == 3 * 3 * 6 and cv.groupby(["unique_id", "cutoff"]).size().eq(6).all()
    assert sorted(cv.cutoff.unique()) == list(pd.date_range("2003-12-01", periods=3, freq="3MS"))
    fitted = clone(model).fit(data.groupby("unique_id").head(48))
    later = fitted.predict(6, y=data.groupby("unique_id").head(54), level=[80])  # no refit: same networks
    last = cv[cv.cutoff == pd.Timestamp("2004-06-01")]
    np.testing.assert_allclose(last.lstmkit, later.lstmkit)
    scores = evaluation.evaluate(cv, metrics=[losses.mae, losses.coverage], level=[80])
    assert set(scores.metric) == {"mae", "coverage_level80"} and len(scores) == 2 * 3 * 3
    again = cross_validation(model, data, h=6, n_windows=3, step_size=3, refit=False, level=[80])
    pd.testing.assert_frame_equal(cv, again)  # random_state: the same windows


@pytest.mark.parametrize("kwargs, message", [
    ({"n_windows": 0}, "n_windows must be"),
    ({"refit": "yes"}, "refit must be True, False or a positive int"),
    ({"n_windows": 20}, "series 's0' has 60 values, too few for n_windows=20 windows of h=6"),
    ({"level": [80]}, "level needs prediction intervals: give the model conformal_windows"),
    ({"level": 0.9}, "pass 90, not 0.9"),
])
def test_bad_cross_validation_arguments_fail_before_training(kwargs, message):
    with pytest.raises(InputError, match=message):
        Forecaster(**DIRECT).cross_validation(frame(), **{"h": 6, **kwargs})


def test_cross_validation_refuses_covariate_columns():
    with pytest.raises(InputError, match=r"df may hold only the columns \['unique_id', 'ds', 'y'\]"):
        Forecaster(**DIRECT).cross_validation(frame().assign(promo=0), h=6)
