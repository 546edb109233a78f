import numpy as np
import pytest
from sklearn.base import clone

from lstmkit.datasets.anomaly_series import load_anomaly
from lstmkit.errors import InputError, NotFittedError
from lstmkit.tasks.anomaly import AnomalyDetector, RollingZScore

TINY = {"epochs": 5, "lookback": 16, "hidden_size": 8}
SPIKE = 800


@pytest.fixture
def spiked() -> np.ndarray:
    """A noisy sine (period 40) with one spike at SPIKE: 1000 values, the first 500 normal."""
    rng = np.random.default_rng(0)
    y = np.sin(2 * np.pi * np.arange(1000) / 40) + rng.normal(0, 0.05, 1000)
    y[SPIKE] += 2.0
    return y


def detector(**kwargs) -> AnomalyDetector:
    return AnomalyDetector(train_size=500, forecaster_params=TINY, random_state=0, **kwargs)


def test_detector_and_baseline_find_the_spike(spiked):
    d = detector().fit(spiked)
    scores = d.score_samples(spiked)
    # With first differences the forecast after a spike starts from the spiked value, so
    # the point after it scores high too; the two top scores are the spike and its echo.
    assert set(np.argsort(scores)[-2:]) == {SPIKE, SPIKE + 1}
    flags = d.predict(spiked)
    assert flags[SPIKE] == 1 and flags.sum() <= 5
    assert set(np.unique(flags)) <= {0, 1}
    assert np.argmax(RollingZScore().score_samples(spiked)) == SPIKE
    assert RollingZScore().fit(spiked).predict(spiked, threshold=2.5)[SPIKE] == 1


def test_without_validation_sigma_still_comes_from_several_errors(spiked):
    d = AnomalyDetector(train_size=500, forecaster_params=TINY | {"val_size": 0}, random_state=0).fit(spiked)
    assert d.error_scale_ > 1e-3  # one error would give sigma 0 and flag nearly every point
    assert d.predict(spiked)[SPIKE] == 1 and d.predict(spiked).sum() <= 20


def test_scores_have_one_value_per_point_and_never_look_ahead(spiked):
    for model in (detector(), detector(window=5), RollingZScore(window=30)):
        scores = model.fit(spiked).score_samples(spiked)
        assert scores.shape == spiked.shape and np.isfinite(scores).all()
        changed = spiked.copy()
        changed[900:] += 10.0
        np.testing.assert_allclose(model.score_samples(changed)[:900], scores[:900], rtol=1e-6)
        np.testing.assert_allclose(model.score_samples(spiked[:700]), scores[:700], rtol=1e-6)
    d = detector().fit(spiked)
    assert (d.score_samples(spiked)[: d.width_] == 0).all()


def test_same_seed_same_scores(spiked):
    a = detector().fit(spiked).score_samples(spiked)
    b = clone(detector()).fit(spiked).score_samples(spiked)
    np.testing.assert_array_equal(a, b)
    c = detector().set_params(random_state=1).fit(spiked).score_samples(spiked)
    assert not np.array_equal(a, c)


def test_fit_train_size_overrides_and_defaults_to_all(spiked):
    d = AnomalyDetector(forecaster_params=TINY, random_state=0)
    assert d.fit(spiked[:400]).train_size_ == 400
    assert d.fit(spiked, train_size=300).train_size_ == 300
    assert len(d.fit_score(spiked, train_size=300)) == len(spiked)


@pytest.mark.parametrize(
    "make, y, fit_kwargs, match",
    [
        (detector, None, {"train_size": 2000}, "train_size must be in \\[1, 1000\\].*received 2000"),
        (detector, None, {"train_size": 0}, "train_size must be an integer >= 1"),
        (detector, None, {"train_size": 20}, "train_size 20.*too short"),
        (detector, "nan", {}, "y must hold finite numbers.*position 10"),
        (lambda: detector(window=0), None, {}, "window must be an integer >= 1"),
        (lambda: AnomalyDetector(forecaster_params={"epoch": 3}), None, {},
         "forecaster_params has unknown key 'epoch'"),
        (lambda: AnomalyDetector(max_train=1), None, {}, "max_train must be an integer >= 2"),
    ],
)
def test_bad_input_is_one_line_naming_the_argument(spiked, make, y, fit_kwargs, match):
    if y == "nan":
        y = spiked.copy()
        y[10] = np.nan
    with pytest.raises(InputError, match=match) as info:
        make().fit(spiked if y is None else y, **fit_kwargs)
    assert "\n" not in str(info.value)


def test_scoring_errors(spiked):
    with pytest.raises(NotFittedError, match="not fitted"):
        detector().score_samples(spiked)
    d = detector().fit(spiked)
    with pytest.raises(InputError, match="y must have more than 17 values"):
        d.score_samples(spiked[:10])
    with pytest.raises(InputError, match="threshold must be a number"):
        d.predict(spiked, threshold="high")
    with pytest.raises(InputError, match="window must be an integer >= 2"):
        RollingZScore(window=1).score_samples(spiked)
    with pytest.raises(InputError, match="y must have more than window=100"):
        RollingZScore().score_samples(spiked[:50])


def test_load_anomaly_shapes():
    y, labels, train_size = load_anomaly("KDD-TSAD_135")
    assert y.shape == labels.shape == (7501,) and y.dtype == np.float64
    assert train_size == 1200 and labels.sum() == 12 and not labels[:train_size].any()
    assert np.flatnonzero(labels)[[0, -1]].tolist() == [4187, 4198]
    y, labels, train_size = load_anomaly("Daphnet_S06R02E0")
    assert y.shape == labels.shape == (7040,) and train_size == 3520 and labels.sum() == 0
    np.testing.assert_array_equal(load_anomaly("Daphnet_S06R02E0", channel="ankle_horiz_fwd")[0], y)
    assert not np.array_equal(load_anomaly("Daphnet_S06R02E0", channel=1)[0], y)
    with pytest.raises(InputError, match="name must be one of"):
        load_anomaly("KDD")
    with pytest.raises(InputError, match="channel must be"):
        load_anomaly("Daphnet_S06R02E0", channel=9)


def test_a_failed_refit_leaves_the_detector_as_it_was(spiked):
    d = AnomalyDetector(train_size=200, forecaster_params=TINY | {"val_size": 0, "lookback": 4},
                        random_state=0).fit(spiked)
    before = d.score_samples(spiked)
    with pytest.raises(InputError, match="forecast errors to measure sigma"):
        d.fit(spiked, train_size=6)
    assert np.array_equal(d.score_samples(spiked), before) and d.train_size_ == 200
    fresh = AnomalyDetector(train_size=6, forecaster_params=TINY | {"val_size": 0, "lookback": 4})
    with pytest.raises(InputError):
        fresh.fit(spiked)
    with pytest.raises(NotFittedError):
        fresh.score_samples(spiked)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="CUDA is available here")
def test_a_detector_trained_on_a_gpu_loads_on_a_cpu_only_machine(spiked, tmp_path):
    import json

    from lstmkit.persistence import load

    d = detector().fit(spiked)
    d.save(tmp_path / "m")
    for name in ("config.json", "preprocessing.json"):  # as a model trained with device="cuda" says
        path = tmp_path / "m" / name
        saved = json.loads(path.read_text())
        holder = saved["params"] if name == "config.json" else saved
        holder["forecaster_params"] = (holder.get("forecaster_params") or {}) | {"device": "cuda"}
        path.write_text(json.dumps(saved))
    assert np.array_equal(load(tmp_path / "m").score_samples(spiked), d.score_samples(spiked))
