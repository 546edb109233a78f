"""Covariates of many series: futr_exog, hist_exog, static_df (GlobalForecaster)."""

import numpy as np
import pandas as pd
import pytest
import torch

import lstmkit
from lstmkit import GlobalForecaster, InputError
from lstmkit.data.windows import WindowSampler

H = 6
SMALL = dict(strategy="direct", horizon=H, hidden_size=16, epochs=60, batch_size=16, val_size=0,
             random_state=0, n_models=1, lr=1e-2, select_covariates=False)  # the covariate network itself


def promo_panel(n_series=6, length=72, seed=0):
    """Monthly series whose level jumps by 60% in promotion months (known in advance)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_series):
        dates = pd.date_range("2015-01-01", periods=length + H, freq="MS")
        promo = (rng.random(length + H) < 0.3).astype(float)
        base = 100 + 20 * i + 5 * np.sin(np.arange(length + H) * 2 * np.pi / 12)
        y = base * (1 + 0.6 * promo) + rng.normal(0, 1, length + H)
        rows.append(pd.DataFrame({"unique_id": f"s{i}", "ds": dates, "y": y, "promo": promo}))
    full = pd.concat(rows, ignore_index=True)
    cut = full.groupby("unique_id").cumcount() < length
    return full[cut].reset_index(drop=True), full[~cut].reset_index(drop=True)


@pytest.fixture(scope="module")
def data():
    return promo_panel()


@pytest.fixture(scope="module")
def fitted(data):
    train, _ = data
    return GlobalForecaster(**SMALL).fit(train, futr_exog=["promo"])


def test_a_known_promotion_makes_forecasts_better_and_moves_them(data, fitted):
    train, test = data
    with_promo = fitted.predict(H, futr_df=test[["unique_id", "ds", "promo"]])
    without = GlobalForecaster(**SMALL).fit(train, ignore=["promo"]).predict(H)
    err = lambda f: np.mean(np.abs(f["lstmkit"].to_numpy() - test["y"].to_numpy()))  # noqa: E731
    assert err(with_promo) < 0.5 * err(without)
    flipped = test.assign(promo=1 - test["promo"])[["unique_id", "ds", "promo"]]
    moved = fitted.predict(H, futr_df=flipped)["lstmkit"].to_numpy() - with_promo["lstmkit"].to_numpy()
    assert np.all(np.sign(moved) == np.where(test["promo"] == 1, -1, 1))  # a promotion lifts the forecast


def test_save_and_load_carry_the_covariates(data, fitted, tmp_path):
    _, test = data
    futr = test[["unique_id", "ds", "promo"]]
    loaded = lstmkit.load(fitted.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(H, futr_df=futr), fitted.predict(H, futr_df=futr))
    with pytest.raises(InputError, match="fitted with futr_exog"):
        loaded.predict(H)


@pytest.mark.parametrize("cut, message", [
    (lambda f: f[f["unique_id"] != "s2"], "^futr_df has no rows for series 's2'"),
    (lambda f: f.groupby("unique_id").head(H - 1),
     "^futr_df has no covariate row for series 's0' at ds 2021-06-01"),
    (lambda f: f.drop(columns="promo"), "^futr_df lacks the column 'promo'"),
    (lambda f: f.assign(ds=f["ds"] + pd.offsets.MonthBegin(1)),  # shifted by a month
     "^futr_df has no covariate row for series 's0' at ds 2021-01-01"),
    (lambda f: f.assign(promo=np.where(f.index == 3, np.nan, f["promo"])), "^covariate 'promo' in futr_df"),
])
def test_a_future_frame_missing_a_series_step_or_column_is_a_one_line_error(data, fitted, cut, message):
    _, test = data
    with pytest.raises(InputError, match=message):
        fitted.predict(H, futr_df=cut(test[["unique_id", "ds", "promo"]]))


@pytest.mark.parametrize("kwargs, frame, message", [
    ({}, lambda f: f, "^y has column 'promo', neither the id, time or value column nor named"),
    ({"futr_exog": ["promo"], "hist_exog": ["promo"]}, lambda f: f, "^column 'promo' is named in both"),
    ({"futr_exog": ["price"]}, lambda f: f, "^covariate 'price' is not a column of y"),
    ({"futr_exog": ["promo"]}, lambda f: f.assign(promo="yes"),
     "^covariate 'promo' in y .series 's0'. must be numeric"),
    ({"futr_exog": ["promo"]}, lambda f: f.assign(promo=np.where(f.index == 5, np.nan, f["promo"])),
     "^covariate 'promo' in y .series 's0'. has a missing or infinite value at row 5"),
    ({"futr_exog": ["promo"], "static_df": pd.DataFrame({"unique_id": ["s0", "s0"], "size": [1, 2]})},
     lambda f: f, "^static_df has more than one row for series 's0'"),
    ({"futr_exog": ["promo"], "static_df": pd.DataFrame({"unique_id": ["s0"], "size": [1]})},
     lambda f: f, "^static_df has no row for series 's1'"),
    ({"futr_exog": "promo"}, lambda f: f, "^futr_exog must be a list of column names"),
])
def test_bad_covariates_fail_in_one_line_before_training(data, kwargs, frame, message):
    train, _ = data
    model = GlobalForecaster(**SMALL)
    with pytest.raises((InputError, TypeError), match=message):
        model.fit(frame(train), **kwargs)
    assert not hasattr(model, "modules_")


@pytest.mark.parametrize("settings, message", [
    ({"arch": "mlp"}, "^covariates work with arch"),
])
def test_settings_that_cannot_take_covariates_say_so(data, settings, message):
    train, _ = data
    with pytest.raises(InputError, match=message):
        GlobalForecaster(**{**SMALL, **settings}).fit(train, futr_exog=["promo"])


def test_hist_covariates_never_reach_a_step_being_forecast():
    values = np.arange(40, dtype=float) + 10
    steps = np.random.default_rng(0).normal(size=(40, 2))  # column 0 hist, column 1 futr
    sampler = WindowSampler([values], lookback=8, horizon=4).with_covariates(steps, 1, np.zeros((1, 0)))
    (x, future, _), _ = sampler.windows(np.array([0]), np.array([20]))
    changed = steps.copy()
    changed[20:24, 0] = 1e6  # the hist covariate at the four forecast steps
    again = WindowSampler([values], lookback=8, horizon=4).with_covariates(changed, 1, np.zeros((1, 0)))
    (x2, future2, _), _ = again.windows(np.array([0]), np.array([20]))
    assert torch.equal(x, x2) and torch.equal(future, future2)
    assert np.allclose(future[0, :, 0].numpy(), steps[20:24, 1])  # the futr one is seen over the horizon
    assert np.allclose(x[0, :, 2].numpy(), steps[12:20, 0])  # the hist one over the lookback only


def test_static_features_and_past_covariates_train_and_predict_new_series(data):
    train, test = data
    train = train.assign(lead=train.groupby("unique_id")["y"].shift(-1).fillna(0.0))
    static = pd.DataFrame({"unique_id": [f"s{i}" for i in range(6)], "size": np.arange(6.0)})
    model = GlobalForecaster(**{**SMALL, "epochs": 5}).fit(train, futr_exog=["promo"], hist_exog=["lead"],
                                                            static_df=static)
    futr = test[["unique_id", "ds", "promo"]]
    out = model.predict(H, futr_df=futr)
    assert out.shape == (6 * H, 3) and np.isfinite(out["lstmkit"]).all()
    again = model.predict(H, y=train, futr_df=futr)  # the same series passed again
    np.testing.assert_allclose(again["lstmkit"], out["lstmkit"])
    with pytest.raises(InputError, match="^y lacks the covariate column 'lead'"):
        model.predict(H, y=train.drop(columns="lead"), futr_df=futr)


def test_a_model_without_covariates_refuses_a_future_frame(data):
    train, test = data
    model = GlobalForecaster(**{**SMALL, "epochs": 2}).fit(train, ignore=["promo"])
    with pytest.raises(InputError, match="^futr_df was given but this model was fitted without covariates"):
        model.predict(H, futr_df=test)


def one_series(length=96, seed=1):
    """A monthly series with a promotion indicator known in advance (+50% in its months)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2012-01-01", periods=length + H, freq="MS")
    promo = (rng.random(length + H) < 0.3).astype(float)
    y = (200 + 10 * np.sin(np.arange(length + H) * 2 * np.pi / 12)) * (1 + 0.5 * promo)
    y = pd.Series(y + rng.normal(0, 2, length + H), index=dates)
    X = pd.DataFrame({"promo": promo}, index=dates)
    return y[:length], X[:length], y[length:], X[length:]


def test_one_series_with_covariates_answers_as_one_series_and_beats_itself_without():
    y, X, y_test, X_future = one_series()
    settings = {**SMALL, "epochs": 40}
    model = lstmkit.Forecaster(**settings).fit(y, X=X)
    forecast = model.predict(H, X_future=X_future)
    assert isinstance(forecast, pd.Series) and forecast.index.equals(y_test.index)
    plain = lstmkit.Forecaster(**settings).fit([y.to_numpy()]).predict(H)[0]
    assert np.mean(np.abs(forecast - y_test)) < 0.5 * np.mean(np.abs(plain - y_test.to_numpy()))
    with pytest.raises(InputError, match="^futr_df has no covariate row for series 'y' at ds"):
        model.predict(H, X_future=X_future[:-1])


@pytest.mark.parametrize("X, message", [
    (lambda X: X[1:], "^X has no row at 2012-01-01"),
    (lambda X: X.set_index(X.index + pd.offsets.MonthBegin(1)),
     "^X has a row at 2015-05-01, which is not a date"),
    (lambda X: X.rename(columns={"promo": "y"}), "^X has a column named 'y'"),
])
def test_one_series_covariates_must_line_up_with_its_dates(X, message):
    y, X_train, _, _ = one_series(length=40)
    with pytest.raises(InputError, match=message):
        lstmkit.Forecaster(**SMALL).fit(y, X=X(X_train))


def test_trending_covariates_are_read_from_the_forecast_origin_and_indicators_as_they_are():
    from lstmkit.data.windows import covariate_inputs

    z, observed = np.zeros((1, 3)), np.ones((1, 3))
    past = np.array([[[10.0, 0.0], [11.0, 1.0], [12.0, 0.0]]])  # a trending hist column, a 0/1 futr one
    future = np.array([[[1.0], [0.0]]])
    x, fut, _ = covariate_inputs(z, observed, past, future, np.zeros((1, 0)), [True, False])
    assert x[0, :, 2].tolist() == [-2.0, -1.0, 0.0] and x[0, :, 3].tolist() == [0.0, 1.0, 0.0]
    assert fut[0, :, 0].tolist() == [1.0, 0.0]


def test_bundled_series_with_regressors_line_up():
    from lstmkit.datasets import REGRESSOR_SETS, load_with_regressors

    for name in REGRESSOR_SETS:
        y, X, h, season = load_with_regressors(name)
        assert X.index.equals(y.index) and np.isfinite(X.to_numpy()).all() and h < len(y) // 5
    y, X, _, _ = load_with_regressors("Seatbelts")
    assert X.loc["1983-01-01", "law"] == 0 and X.loc["1983-02-01", "law"] == 1


def test_taylor_is_twelve_weeks_of_half_hours_from_a_monday():
    from lstmkit.datasets import TAYLOR_HORIZON, load_taylor

    y = load_taylor()
    assert len(y) == 12 * 336 and TAYLOR_HORIZON == 336 and y.index.freqstr == "30min"
    assert y.index[0] == pd.Timestamp("2000-06-05 00:00") and y.index[0].dayofweek == 0
    assert y.index[-1] == pd.Timestamp("2000-08-27 23:30") and np.isfinite(y.to_numpy()).all()


def weekly_pattern(n_series=3, days=140, seed=0):
    """Daily series with a strong weekend dip that a short lookback cannot see whole."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-04", periods=days + 7, freq="D")
    rows = [pd.DataFrame({"unique_id": f"d{i}", "ds": dates,
                          "y": 100 + 10 * i - 40 * (dates.dayofweek >= 5) + rng.normal(0, 1, len(dates))})
            for i in range(n_series)]
    full = pd.concat(rows, ignore_index=True)
    cut = full["ds"] < dates[days]
    return full[cut].reset_index(drop=True), full[~cut].reset_index(drop=True)


def test_calendar_features_come_from_the_dates_and_need_no_future_frame(tmp_path):
    from lstmkit.data.covariates import add_calendar

    train, test = weekly_pattern()
    settings = {**SMALL, "horizon": 7, "lookback": 3, "epochs": 40}
    with_calendar = GlobalForecaster(**settings).fit(train, calendar=True)
    assert with_calendar.state_.covariates.calendar == ["dayofweek", "month"]
    forecast = with_calendar.predict(7)
    assert np.mean(np.abs(forecast["lstmkit"].to_numpy() - test["y"].to_numpy())) < 3  # noise sd 1, dip 40
    saved = lstmkit.load(with_calendar.save(tmp_path / "calendar"))
    pd.testing.assert_frame_equal(saved.predict(7), forecast)
    frame = add_calendar(pd.DataFrame({"ds": pd.to_datetime(["2021-01-04 06:00", "2021-01-10 00:00"])}), "ds",
                         ["hour", "dayofweek"])  # a Monday 6 am, a Sunday midnight
    np.testing.assert_allclose(frame[["hour_sin", "hour_cos"]].iloc[0], [1.0, 0.0], atol=1e-12)
    want = [np.sin(2 * np.pi * 0.25 / 7), np.sin(2 * np.pi * 6 / 7)]
    np.testing.assert_allclose(frame["dayofweek_sin"], want)
    one = lstmkit.Forecaster(**settings).fit(train[train["unique_id"] == "d0"].set_index("ds")["y"],
                                             calendar=["dayofweek"])
    assert isinstance(one.predict(7), pd.Series) and len(one.predict(7)) == 7


@pytest.mark.parametrize("frame, calendar, message", [
    (lambda f: f.assign(ds=f.groupby("unique_id").cumcount()), True, "^calendar=True needs dates"),
    (lambda f: f, ["weekday"], "^calendar feature 'weekday' is unknown; choose from hour, dayofweek"),
    (lambda f: f.assign(month_sin=0.0), ["month"], "^column 'month_sin' is a calendar feature's name"),
])
def test_bad_calendar_requests_are_one_line_errors(frame, calendar, message):
    train, _ = weekly_pattern(days=30)
    with pytest.raises(InputError, match=message):
        ignore = ["month_sin"] if calendar == ["month"] else None
        GlobalForecaster(**{**SMALL, "horizon": 7}).fit(frame(train), calendar=calendar, ignore=ignore)


def test_covariate_arguments_for_one_series_without_X_are_an_error():
    y, _, _, _ = one_series(length=40)
    with pytest.raises(InputError, match="^covariates of one series come in X .* futr_exog without X"):
        lstmkit.Forecaster(**SMALL).fit(y, futr_exog=["promo"])


def test_a_training_config_names_the_columns_it_leaves_out(tmp_path):
    from lstmkit.train_config import run

    train, _ = promo_panel(n_series=3, length=30)
    train.to_csv(tmp_path / "data.csv", index=False)
    base = (f"task: forecast\ndata: {tmp_path / 'data.csv'}\noutput: {tmp_path / 'model'}\n"
            "params: {strategy: direct, horizon: 3, epochs: 1, hidden_size: 4}\n")
    (tmp_path / "bad.yaml").write_text(base)
    with pytest.raises(InputError, match="^y has column 'promo', neither"):
        run(tmp_path / "bad.yaml")
    (tmp_path / "good.yaml").write_text(base + "ignore: [promo]\n")
    assert run(tmp_path / "good.yaml")["data"]["series"] == 3


def test_a_constant_covariate_trains_and_predicts(data):
    train, test = data
    model = GlobalForecaster(**{**SMALL, "epochs": 2}).fit(train.assign(promo=1.0), futr_exog=["promo"])
    out = model.predict(H, futr_df=test[["unique_id", "ds"]].assign(promo=1.0))
    assert np.isfinite(out["lstmkit"]).all() and model.state_.covariates.std.tolist() == [1.0]


def test_conformal_intervals_refit_on_the_cut_series_with_their_covariates(data, monkeypatch):
    train, test = data
    seen = []
    real = GlobalForecaster.fit

    def spy(self, y, *args, **kwargs):
        if not self.conformal_windows:  # a calibration refit: its frame and covariate columns
            seen.append((y.groupby("unique_id").size().max(), kwargs.get("futr_exog")))
        return real(self, y, *args, **kwargs)

    monkeypatch.setattr(GlobalForecaster, "fit", spy)
    settings = {**SMALL, "epochs": 20, "conformal_windows": 2}
    model = GlobalForecaster(**settings).fit(train, futr_exog=["promo"])
    assert seen == [(72 - H, ["promo"]), (72 - 2 * H, ["promo"])]  # cut k * horizon rows, promo kept
    assert model.conformal_scores_.shape == (2 * 6, H)  # windows x series, steps
    out = model.predict(H, futr_df=test[["unique_id", "ds", "promo"]], level=[80, 95])
    names = ("lstmkit-lo-95", "lstmkit-lo-80", "lstmkit", "lstmkit-hi-80", "lstmkit-hi-95")
    lo95, lo80, point, hi80, hi95 = (out[c] for c in names)
    assert (lo95 <= lo80).all() and (lo80 <= point).all() and (point <= hi80).all() and (hi80 <= hi95).all()


@pytest.mark.parametrize("strategy", ["seq2seq", "recursive"])
def test_the_encoder_decoder_and_the_recursive_strategy_read_future_covariates(data, strategy):
    train, test = data
    settings = {**SMALL, "strategy": strategy}
    model = GlobalForecaster(**settings).fit(train, futr_exog=["promo"])
    network = "CovariateSeq2Seq" if strategy == "seq2seq" else "CovariateLSTM"
    assert type(model.modules_[0]).__name__ == network
    futr = test[["unique_id", "ds", "promo"]]
    with_promo = model.predict(H, futr_df=futr)
    without = GlobalForecaster(**settings).fit(train, ignore=["promo"]).predict(H)
    err = lambda f: np.mean(np.abs(f["lstmkit"].to_numpy() - test["y"].to_numpy()))  # noqa: E731
    assert err(with_promo) < 0.5 * err(without)
    flipped = model.predict(H, futr_df=futr.assign(promo=1 - futr["promo"]))
    moved = flipped["lstmkit"] - with_promo["lstmkit"]
    assert np.all(np.sign(moved) == np.where(test["promo"] == 1, -1, 1))


def test_a_recursive_forecast_refuses_past_covariates(data):
    train, _ = data
    with pytest.raises(InputError, match=r"^hist_exog \['promo'\] needs strategy='direct' or 'seq2seq'"):
        GlobalForecaster(**{**SMALL, "strategy": "recursive"}).fit(train, hist_exog=["promo"])
