"""Every public estimator keeps the same contract (as test_models.py does for networks):
clone, fit returns self, scikit-learn's NotFittedError before fit, save/load predicting
identically, fixed-seed repeatability, and a fit that raises leaves the estimator as it was."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import lstmkit
from lstmkit import (
    AnomalyDetector,
    EnsembleForecaster,
    Forecaster,
    GlobalForecaster,
    Seq2Seq,
    SequenceClassifier,
    SequenceGenerator,
    TextClassifier,
)

RNG = np.random.default_rng(0)
Y = lstmkit.datasets.load_airpassengers()[:60]
T = np.arange(40)
FRAME = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 40),
                      "ds": np.tile(pd.date_range("2000-01-01", periods=40, freq="MS"), 2),
                      "y": np.concatenate([50 + T, 80 + 2 * T]) + 5 * np.tile(np.sin(T / 2), 2)})
X = RNG.normal(size=(12, 10, 2)).astype(np.float32)
LABELS = np.array(["a", "b", "c"] * 4)
TEXTS, TEXT_LABELS = ["good day", "bad day", "so good", "so bad"] * 3, ["p", "n", "p", "n"] * 3
SOURCES = [f"{a}+{b}" for a, b in RNG.integers(0, 20, size=(20, 2))]
NOISE = np.sin(np.arange(120) / 5.0) + RNG.normal(0, .1, 120)
FAST = dict(hidden_size=4, epochs=2, random_state=0)
GLOBAL = dict(FAST, strategy="direct", horizon=4, batch_size=4)

# name -> (estimator, fit arguments, prediction, an argument that makes fit raise)
CASES = {
    "Forecaster": (Forecaster(**FAST), (Y,), lambda m: m.predict(6).to_numpy(), (Y[:4],)),
    "GlobalForecaster": (GlobalForecaster(**GLOBAL), (FRAME,), lambda m: m.predict(4)["lstmkit"].to_numpy(),
                         (FRAME.head(3),)),
    "EnsembleForecaster": (EnsembleForecaster([Forecaster(**GLOBAL), Forecaster(**GLOBAL, lookback=6)]),
                           (FRAME,), lambda m: m.predict(4)["lstmkit"].to_numpy(), (FRAME.head(3),)),
    "SequenceClassifier": (SequenceClassifier(**FAST, arch_options={"conv_channels": (4, 4, 4)}),
                           (X, LABELS), lambda m: m.predict_proba(X), (X, LABELS[:5])),
    "TextClassifier": (TextClassifier(**FAST, embedding_dim=4, min_count=1), (TEXTS, TEXT_LABELS),
                       lambda m: m.predict_proba(["good", "bad"]), (TEXTS, TEXT_LABELS[:3])),
    "Seq2Seq": (Seq2Seq(**FAST, embedding_dim=4), (SOURCES, [str(eval(s)) for s in SOURCES]),
                lambda m: m.predict(["1+2", "10+3"]), (SOURCES, ["1"])),
    "SequenceGenerator": (SequenceGenerator(**FAST, embedding_dim=4, context=8, precision="float32"),
                          (TEXTS,), lambda m: [m.score(["good bad"]), m.sample(10, random_state=0)], ([""],)),
    "AnomalyDetector": (AnomalyDetector(forecaster_params={"epochs": 2, "hidden_size": 4, "lookback": 8},
                                        random_state=0),
                        (NOISE,), lambda m: m.score_samples(NOISE), (NOISE[:4],)),
}


def same(a, b) -> bool:
    if isinstance(a, list) and not isinstance(a[0], str):
        return all(same(x, y) for x, y in zip(a, b))
    return np.array_equal(np.asarray(a), np.asarray(b)) if not isinstance(a, (str, list)) else a == b


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    estimator, args, predict, bad = CASES[request.param]
    fitted = clone(estimator)
    assert fitted.fit(*args) is fitted
    return estimator, args, predict, bad, fitted


def test_clone_keeps_every_parameter(case):
    estimator = case[0]
    assert clone(estimator).get_params().keys() == estimator.get_params().keys()


def test_unfitted_estimator_raises_sklearns_not_fitted_error(case):
    estimator, _, predict, _, _ = case
    with pytest.raises(NotFittedError, match="not fitted yet"):
        predict(clone(estimator))


def test_save_and_load_predict_identically(case, tmp_path):
    _, _, predict, _, fitted = case
    loaded = lstmkit.load(fitted.save(tmp_path / "model"))
    assert type(loaded) is type(fitted) and same(predict(loaded), predict(fitted))


def test_the_same_seed_gives_the_same_model(case):
    estimator, args, predict, _, fitted = case
    assert same(predict(clone(estimator).fit(*args)), predict(fitted))


def test_a_fit_that_raises_leaves_the_estimator_as_it_was(case):
    _, _, predict, bad, fitted = case
    before = predict(fitted)
    with pytest.raises(ValueError):
        fitted.fit(*bad)
    assert same(predict(fitted), before)
