"""Pretrained checkpoints (tasks/pretrained.py): zero-shot forecasts of one series."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lstmkit
from lstmkit import Forecaster, GlobalForecaster, InputError, datasets
from lstmkit.tasks import pretrained
from lstmkit.tasks.pretrained import CHECKPOINTS, VERSION, WEIGHTS

ROOT = Path(__file__).resolve().parent.parent


def test_every_shipped_checkpoint_loads_and_keeps_no_training_series():
    for name, (season, horizon, _) in CHECKPOINTS.items():
        model = pretrained.load_checkpoint(name)
        assert isinstance(model, GlobalForecaster) and model.state_.panel is None
        assert (model.state_.season, model.state_.horizon) == (season, horizon)
        size = sum(f.stat().st_size for f in (WEIGHTS / f"{VERSION}-{name}").iterdir())
        assert size < 1_000_000  # a few hundred KB each


def test_a_monthly_series_is_forecast_zero_shot_and_saved(tmp_path):
    y = datasets.load_airpassengers()
    model = Forecaster(pretrained=True).fit(y[:-18])
    assert model.global_.pretrained_ == "monthly"
    out = model.predict(18)
    pd.testing.assert_index_equal(out.index, y.index[-18:], check_names=False)
    assert np.abs(out.to_numpy() - y[-18:].to_numpy()).mean() < np.abs(y[-30:-18].mean() - y[-18:]).mean()
    loaded = lstmkit.load(model.save(tmp_path / "m"))
    pd.testing.assert_series_equal(loaded.predict(18), out)
    with pytest.raises(InputError, match="h must be at most horizon \\(18\\)"):
        model.predict(19)


def test_a_named_checkpoint_refuses_a_series_of_another_frequency():
    quarterly = pd.Series(np.arange(40.0) + 10, index=pd.date_range("2000-01-01", periods=40, freq="QS"))
    message = (r"'monthly' checkpoint was trained on M1 and M3 monthly training parts \(2,045 series\) "
               r"\(season 12\); this series has frequency 'QS-JAN'")
    with pytest.raises(InputError, match=message):
        Forecaster(pretrained="monthly").fit(quarterly)
    assert Forecaster(pretrained=True).fit(quarterly).global_.pretrained_ == "quarterly"
    daily = pd.Series(np.arange(60.0) + 5, index=pd.date_range("2000-01-01", periods=60, freq="D"))
    with pytest.raises(InputError, match="pretrained=True covers yearly, quarterly, monthly and non-"):
        Forecaster(pretrained=True).fit(daily)


@pytest.mark.parametrize("fit, message", [
    (lambda: Forecaster(pretrained=True).fit([np.arange(30.0) + 1, np.arange(30.0) + 2]), "one series"),
    (lambda: Forecaster(pretrained=True).fit(np.arange(30.0) + 1, X=pd.DataFrame({"a": np.ones(30)})),
     "without covariates"),
    (lambda: Forecaster(pretrained="weekly"), None),
    (lambda: Forecaster(pretrained=True).fit(np.r_[0.0, np.arange(29.0)]), "has minimum 0"),
    (lambda: GlobalForecaster(pretrained=True, strategy="direct", horizon=3).fit([np.arange(30.0)]),
     "forecast one series"),
])
def test_pretrained_bad_input_is_one_line(fit, message):
    if message is None:  # an unknown name fails at fit, naming the choices
        with pytest.raises(InputError, match="pretrained must be True, False or one of .yearly"):
            fit().fit(np.arange(30.0) + 1)
        return
    with pytest.raises(InputError, match=message):
        fit()


def test_a_tiny_checkpoint_rebuilds_bit_identically(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import pretrain

    monkeypatch.setattr(pretrain, "training_parts", lambda sources, subset: [
        np.abs(np.sin(np.arange(40 + i) / 3)) * 10 + 20 + i for i in range(6)])
    monkeypatch.setattr(pretrain, "settings", lambda name: dict(
        strategy="direct", horizon=8, season=1, hidden_size=8, epochs=3, n_models=2, random_state=0,
        val_size=0, transform="auto", device="cpu", n_threads=1))
    first = pretrain.build("other", ["M3"], tmp_path / "a")
    second = pretrain.build("other", ["M3"], tmp_path / "b")
    for name in ("weights.safetensors", "config.json", "preprocessing.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    model = Forecaster(pretrained="other")
    model._adopt(pretrained.zero_shot(model, np.arange(25.0) + 30, folder=tmp_path / "a"))
    assert np.isfinite(model.predict(8)).all()
