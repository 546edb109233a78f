"""Forecaster.score (issue 25): scikit-learn's contract, so cross_val_score and GridSearchCV with
TimeSeriesSplit evaluate a forecaster on a 1-D series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score

from lstmkit import Forecaster, GlobalForecaster, InputError
from lstmkit.conformal import series_scale

SMALL = dict(epochs=2, hidden_size=8, random_state=0, device="cpu")


def monthly(n=72, seed=0, level=10.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.Series(level + 3 * np.sin(2 * np.pi * t / 12) + 0.05 * t + rng.normal(0, 0.3, n),
                     index=pd.date_range("2000-01-01", periods=n, freq="MS"))


def test_score_is_minus_the_mase_of_the_forecasts_of_the_continuation():
    y = monthly()
    f = Forecaster(**SMALL).fit(y[:60])
    errors = np.abs(y[60:].to_numpy() - f.predict(12).to_numpy())
    assert f.score(y[60:]) == pytest.approx(-errors.mean() / series_scale(y[:60].to_numpy(), 12))
    assert f.score(y[60:], metric="mae") == pytest.approx(-errors.mean())
    assert f.score(y[60:], metric="rmse") == pytest.approx(-np.sqrt(np.mean(errors**2)))
    assert f.score(y[60:66]) == pytest.approx(-errors[:6].mean() / series_scale(y[:60].to_numpy(), 12))


def test_score_refuses_values_that_do_not_follow_the_training_series_and_unknown_metrics():
    y = monthly()
    f = Forecaster(**SMALL).fit(y[:60])
    with pytest.raises(InputError, match=r"right after the training series \(from 2005-01-01\); received "
                                         r"values from 2005-03-01"):
        f.score(y[62:])
    with pytest.raises(InputError, match="metric must be one of 'mase', 'mae', 'rmse', 'smape'; received"):
        f.score(y[60:], metric="r2")


@pytest.mark.parametrize("shape", ["1-D", "2-D"])
def test_cross_val_score_with_time_series_split_fits_each_fold_and_scores_what_follows(shape):
    y = monthly().to_numpy()
    X = y if shape == "1-D" else y[:, None]
    scores = cross_val_score(Forecaster(**SMALL), X, cv=TimeSeriesSplit(3), error_score="raise")
    by_hand = [Forecaster(**SMALL).fit(y[tr]).score(y[te]) for tr, te in TimeSeriesSplit(3).split(y)]
    assert len(scores) == 3 and np.isfinite(scores).all() and (scores < 0).all()
    np.testing.assert_allclose(scores, by_hand)  # the same seed: the same fits


def test_cross_val_score_on_a_dated_series_keeps_its_dates():
    y = monthly(84)
    scores = cross_val_score(Forecaster(**SMALL), y, cv=TimeSeriesSplit(2, test_size=12), error_score="raise")
    by_hand = [Forecaster(**SMALL).fit(y.iloc[tr]).score(y.iloc[te]) for tr, te in
               TimeSeriesSplit(2, test_size=12).split(y)]
    np.testing.assert_allclose(scores, by_hand)


def test_grid_search_over_lookback_picks_the_best_mean_score_and_refits_on_everything():
    y = monthly().to_numpy()
    search = GridSearchCV(Forecaster(**SMALL), {"lookback": [3, 6]}, cv=TimeSeriesSplit(3),
                          error_score="raise").fit(y)
    means = search.cv_results_["mean_test_score"]
    assert search.best_params_ == {"lookback": [3, 6][int(np.argmax(means))]}
    manual = np.mean([Forecaster(**SMALL, lookback=6).fit(y[tr]).score(y[te])
                      for tr, te in TimeSeriesSplit(3).split(y)])
    assert means[1] == pytest.approx(manual)
    assert len(search.best_estimator_.y_) == len(y)  # refit on the whole series
    assert search.score(y[-12:]) == pytest.approx(search.best_estimator_.score(y[-12:]))


def test_many_series_score_averages_each_series_mase():
    frames = [pd.DataFrame({"unique_id": f"s{k}", "ds": s.index, "y": s.to_numpy()})
              for k, s in enumerate(monthly(60, seed=k, level=10 + 5 * k) for k in range(3))]
    frame = pd.concat(frames, ignore_index=True)
    train, test = frame.groupby("unique_id").head(54), frame.groupby("unique_id").tail(6)
    model = GlobalForecaster(strategy="direct", horizon=6, **SMALL).fit(train)
    out = model.predict(6)
    actual, point = test.y.to_numpy().reshape(3, 6), out.lstmkit.to_numpy().reshape(3, 6)
    past = train.y.to_numpy().reshape(3, 54)
    expected = [np.mean(np.abs(actual[k] - point[k])) / series_scale(past[k], 12) for k in range(3)]
    assert model.score(test) == pytest.approx(-np.mean(expected))
    assert model.score(test[test.unique_id == "s1"]) == pytest.approx(-expected[1])  # any of the series
    with pytest.raises(InputError, match="series 's0' starts at 2004-08-01, its forecasts at 2004-07-01"):
        model.score(test.groupby("unique_id").tail(5))
    with pytest.raises(InputError, match=r"series \['zz'\] that the model was not trained on"):
        model.score(test[test.unique_id == "s2"].assign(unique_id="zz"))
