"""Training that cannot return garbage: a diverged fit is a one-line error naming lr."""

import numpy as np
import pytest

from lstmkit import Forecaster, InputError, datasets


def test_a_huge_learning_rate_is_named_instead_of_forecasting_garbage():
    y = datasets.load_airpassengers()[:96]
    model = Forecaster(epochs=30, random_state=0).fit(y)
    before = model.predict(3)
    with pytest.raises(InputError, match=r"^training diverged: .* lower lr \(received 1000, default 3e-3\)$"):
        model.set_params(lr=1e3).fit(y)
    np.testing.assert_array_equal(model.predict(3), before)  # the failed refit left the model as it was


def test_an_ordinary_fit_passes_the_check():
    y = datasets.load_airpassengers()[:96]
    forecast = Forecaster(epochs=30, lr=1e-2, random_state=0).fit(y).predict(12)
    assert 100 < forecast.min() and forecast.max() < 700


def test_a_diverged_global_fit_is_named_too_and_near_constant_series_are_not_flagged():
    from lstmkit import GlobalForecaster

    rng = np.random.default_rng(0)
    panel = [100 + 10 * np.sin(np.arange(60) / 3 + i) + rng.normal(0, 1, 60) for i in range(5)]
    settings = dict(strategy="direct", horizon=6, epochs=30, random_state=0)
    with pytest.raises(InputError, match="^training diverged: .* lower lr"):
        GlobalForecaster(lr=1e3, **settings).fit(panel)
    flat = [np.full(60, 50.0) + rng.normal(0, 1e-6, 60) for _ in range(3)]
    assert np.isfinite(np.stack(GlobalForecaster(**settings).fit(flat).predict(6))).all()


def test_a_classifier_that_never_beats_guessing_names_lr_and_keeps_its_networks():
    from lstmkit import SequenceClassifier

    X, y = datasets.load_ucr("GunPoint", "train")
    settings = dict(arch="vanilla", hidden_size=8, epochs=3, n_folds=1, random_state=0)
    model = SequenceClassifier(**settings).fit(X, y)
    before = model.predict_proba(X[:5])
    with pytest.raises(InputError, match=r"^training diverged: .* of guessing \(0.693, uniform over 2 "
                                         r"classes\); lower lr \(received 1000, default 0.003\)$"):
        model.set_params(lr=1e3).fit(X, y)
    np.testing.assert_array_equal(model.predict_proba(X[:5]), before)
    working = SequenceClassifier(**settings, lr=1e-2).fit(X, y)  # an ordinary lr passes the check
    assert min(e["loss"] for e in working.history_) < 1.0


def test_a_moderate_lr_that_loses_to_forecasting_no_change_is_named():
    y = datasets.load_airpassengers()[:96]
    with pytest.raises(InputError, match=r"^training diverged: the best training loss 195 is 45x that of "
                                         r"forecasting no change \(4.33\); lower lr \(received 10, default "
                                         r"3e-3\)$"):
        Forecaster(epochs=20, lr=10, random_state=0).fit(y)  # 48-step RMSE 541 (naive: 133) when let through
    forecast = Forecaster(epochs=20, lr=1, random_state=0).fit(y).predict(3)  # lr=1 still learns
    assert 250 < forecast.min() and forecast.max() < 450


def test_near_random_series_fitted_one_epoch_are_not_flagged():
    import pandas as pd

    rng = np.random.default_rng(1)
    index = pd.date_range("2000-01-01", periods=200, freq="D")
    for values in (np.cumsum(rng.normal(0, 1, 200)) + rng.normal(0, 3, 200),  # noisy random walk
                   50 + rng.normal(0, 1e-6, 200),  # constant-ish
                   np.where(rng.random(200) < 0.03, 100.0, 1.0)):  # rare spikes
        model = Forecaster(epochs=1, random_state=0).fit(pd.Series(values, index=index))
        assert np.isfinite(model.predict(5)).all()


@pytest.mark.parametrize("weight_decay, message", [
    (1e300, r"must be in \[0, 1\]; received 1e\+300 \(an L2 penalty on the weights: 1e-4 to 1e-2 is usual, "
            r"and above 1 it outweighs the fit\)$"),
    (1.5, r"must be in \[0, 1\]; received 1.5 \("),
    (float("inf"), "must be a finite number >= 0; received inf"),
    (-1e-3, "must be a finite number >= 0; received -0.001")])
def test_weight_decay_out_of_bounds_is_named_before_training(weight_decay, message, monkeypatch):
    import lstmkit.tasks.forecaster as forecaster

    monkeypatch.setattr(forecaster, "fit_networks", lambda *a: pytest.fail("trained before the check"))
    with pytest.raises(InputError, match="^weight_decay " + message):
        Forecaster(epochs=3, weight_decay=weight_decay).fit(datasets.load_airpassengers())
    Forecaster(weight_decay=1.0)._check_params()  # the bound itself is allowed
