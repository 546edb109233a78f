"""ONNX export of global models, with and without covariates (onnx_global.py)."""

import json

import numpy as np
import pandas as pd
import pytest

from lstmkit import Forecaster, GlobalForecaster, InputError
from lstmkit.onnx import export_onnx

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
H = 4


def run(path, **inputs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in inputs.items()}
    return session.run(["forecast"], feed)[0]


def metadata(path) -> dict:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def panel(seed=0):
    """Monthly series of different lengths (one shorter than the lookback), seasonal, with a
    promotion plan (futr), a noisy indicator (hist) and a store size (static)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, n in enumerate([60, 48, 10]):
        dates = pd.date_range("2015-01-01", periods=n + H, freq="MS")
        promo = (rng.random(n + H) < 0.3).astype(float)
        y = (50 + 10 * i) * (1 + 0.3 * np.sin(np.arange(n + H) * 2 * np.pi / 12)) * (1 + 0.4 * promo)
        rows.append(pd.DataFrame({"unique_id": f"s{i}", "ds": dates, "y": y + rng.normal(0, 1, n + H),
                                  "promo": promo, "lead": rng.normal(0, 1, n + H).cumsum()}))
    full = pd.concat(rows, ignore_index=True)
    cut = full.groupby("unique_id").cumcount(ascending=False) >= H
    static = pd.DataFrame({"unique_id": ["s0", "s1", "s2"], "size": [3.0, 1.0, 2.0]})
    return full[cut].reset_index(drop=True), full[~cut].reset_index(drop=True), static


def inputs(path, train, test, static, covariates: bool) -> dict:
    """The graph's inputs for forecasts after every training series, built from the frames
    and the file's metadata only (what a service without lstmkit would do)."""
    meta = metadata(path)
    L, season = int(meta["lookback"]), json.loads(meta["seasonal_indices"])
    names = ("values", "observed", "seasonal", "past_covariates", "future_covariates", "static")
    out = {k: [] for k in names}
    for uid, part in train.groupby("unique_id", sort=True):
        y, n = part["y"].to_numpy(), len(part)
        idx = np.asarray(season[uid])
        take = min(n, L)
        out["values"].append(np.r_[np.full(L - take, y[0]), y[n - take :]])
        out["observed"].append(np.r_[np.zeros(L - take), np.ones(take)])
        positions = np.r_[np.zeros(L - take, dtype=int), np.arange(n - take, n), n + np.arange(H)]
        out["seasonal"].append(idx[positions % len(idx)])
        if covariates:
            cols = json.loads(meta["past_columns"])
            past = part[cols].to_numpy()
            out["past_covariates"].append(np.r_[np.repeat(past[:1], L - take, axis=0), past[n - take :]])
            futr = json.loads(meta["future_columns"])
            out["future_covariates"].append(test.loc[test.unique_id == uid, futr])
            names = json.loads(meta["static_columns"])
            out["static"].append(static.loc[static.unique_id == uid, names].iloc[0] if names else np.zeros(0))
    return {k: np.stack(v) for k, v in out.items() if v}


@pytest.mark.parametrize("strategy, n_models", [("direct", 2), ("seq2seq", 1)])
def test_a_global_model_with_covariates_exports_what_predict_gives(tmp_path, strategy, n_models):
    train, test, static = panel()
    model = GlobalForecaster(strategy=strategy, horizon=H, lookback=12, hidden_size=8, epochs=3, val_size=0,
                             n_models=n_models, random_state=0, select_covariates=False)
    model.fit(train, futr_exog=["promo"], hist_exog=["lead"], static_df=static)
    expected = model.predict(H, futr_df=test[["unique_id", "ds", "promo"]])["lstmkit"].to_numpy()
    path = export_onnx(model, tmp_path / "m.onnx")
    got = run(path, **inputs(path, train, test, static, covariates=True))
    np.testing.assert_allclose(got.reshape(-1), expected, rtol=1e-5)
    meta = metadata(path)
    assert json.loads(meta["past_columns"]) == ["lead", "promo"]
    assert json.loads(meta["static_columns"]) == ["size"]


def test_a_seasonal_global_model_without_covariates_exports_too(tmp_path):
    train, test, static = panel(1)
    model = GlobalForecaster(strategy="direct", horizon=H, lookback=12, hidden_size=8, epochs=3, val_size=0,
                             n_models=3, random_state=0).fit(train[["unique_id", "ds", "y"]])
    expected = model.predict(H)["lstmkit"].to_numpy()
    path = export_onnx(model, tmp_path / "m.onnx")
    got = run(path, **inputs(path, train, test, static, covariates=False))
    np.testing.assert_allclose(got.reshape(-1), expected, rtol=1e-5)
    assert any(np.ptp(v) > 0 for v in json.loads(metadata(path)["seasonal_indices"]).values())


def test_one_series_with_covariates_exports_through_its_global_model(tmp_path):
    train, test, _ = panel(2)
    part = train[train.unique_id == "s0"].set_index("ds")
    model = Forecaster(strategy="direct", horizon=H, lookback=12, hidden_size=8, epochs=3, random_state=0,
                       select_covariates=False).fit(part["y"], X=part[["promo"]])
    future = test[test.unique_id == "s0"].set_index("ds")[["promo"]]
    path = export_onnx(model, tmp_path / "m.onnx")
    frame = part.reset_index().assign(unique_id="y")
    got = run(path, **inputs(path, frame, test.assign(unique_id="y")[test.unique_id == "s0"], None, True))
    np.testing.assert_allclose(got.reshape(-1), model.predict(H, X_future=future).to_numpy(), rtol=1e-5)


def test_a_recursive_global_model_is_a_one_line_error(tmp_path):
    train, _, _ = panel()
    model = GlobalForecaster(hidden_size=8, epochs=1, val_size=0).fit(train[["unique_id", "ds", "y"]])
    with pytest.raises(InputError, match="strategy 'direct' or 'seq2seq' for ONNX export"):
        export_onnx(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
