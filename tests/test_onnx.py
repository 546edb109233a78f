import json

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view

from lstmkit import Forecaster, InputError, NotFittedError, SequenceClassifier, TextClassifier
from lstmkit.baselines import SeasonalNaive
from lstmkit.onnx import export_onnx

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

TOL = 1e-5


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def metadata(path) -> dict:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


@pytest.mark.parametrize("arch, options", [
    ("cnn-lstm", {"conv_channels": (8, 8, 8)}), ("vanilla", None), ("stacked", None), ("bidirectional", None),
])
def test_classifier_onnx_matches_predict_proba_at_other_batch_sizes_and_lengths(tmp_path, arch, options):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(24, 16, 2)) * [1, 5] + [0, 3]).astype(np.float32)
    y = np.array(["a", "b", "c"] * 8)
    clf = SequenceClassifier(arch=arch, arch_options=options, hidden_size=8, epochs=2, n_folds=2,
                             random_state=0, device="cpu").fit(X, y)
    path = export_onnx(clf, tmp_path / "clf.onnx")
    assert path == tmp_path / "clf.onnx" and [p.name for p in tmp_path.iterdir()] == ["clf.onnx"]
    sess = session(path)
    assert [i.name for i in sess.get_inputs()] == ["sequences"]
    assert sess.get_inputs()[0].shape == ["batch", "time", 2]
    assert json.loads(metadata(path)["classes"]) == ["a", "b", "c"]
    for batch, length in [(1, 16), (7, 16), (5, 40), (3, 4)]:
        Z = (rng.normal(size=(batch, length, 2)) * [1, 5] + [0, 3]).astype(np.float32)
        (proba,) = sess.run(None, {"sequences": Z})
        assert proba.shape == (batch, 3)
        assert np.abs(proba - clf.predict_proba(Z)).max() <= TOL


@pytest.mark.parametrize("arch", ["vanilla", "stacked", "bidirectional"])
@pytest.mark.parametrize("transform", ["none", "log"])
def test_forecaster_onnx_next_value_matches_one_recursive_step(tmp_path, seasonal_series, arch, transform):
    y = seasonal_series
    model = Forecaster(arch=arch, transform=transform, hidden_size=8, epochs=3, n_models=2,
                       random_state=0, device="cpu").fit(y[:96])
    assert model.scaler_.lag == 12  # seasonal differencing
    sess = session(export_onnx(model, tmp_path / "f.onnx"))
    assert sess.get_inputs()[0].shape == ["batch", model._width]
    windows = sliding_window_view(y.to_numpy(), model._width)  # raw windows, 97 of them
    expected = model._recursive(model.scaler_.transform(windows), 1)  # numpy float64 path
    for rows in (slice(0, 1), slice(0, 5), slice(None)):
        (got,) = sess.run(None, {"window": windows[rows]})
        assert got.shape == expected[rows].shape
        # Only the networks run in float32: measured in their output units (scaled
        # differences of log y or y), the gap is float32 rounding, far below 1e-5.
        transformed = np.log if transform == "log" else np.asarray
        gap = np.abs(transformed(got) - transformed(expected[rows])).max() / model.scaler_.scale_
        assert gap <= TOL
        assert np.abs(got - expected[rows]).max() <= TOL * y.std()  # raw values, relative to their scale
    (last,) = sess.run(None, {"window": y.to_numpy()[None, -model._width :]})
    assert np.isclose(last[0, 0], model.predict(h=1, y=y).iloc[0], rtol=1e-7)


def test_forecaster_without_differencing_exports_the_standardised_graph(tmp_path, seasonal_series):
    model = Forecaster(difference="none", hidden_size=8, epochs=2, random_state=0, device="cpu")
    model.fit(seasonal_series)
    assert model.scaler_.lag == 0
    path = export_onnx(model, tmp_path / "f.onnx", opset=13)
    assert onnx.load(str(path)).opset_import[0].version == 13
    assert metadata(path)["lag"] == "0"
    windows = sliding_window_view(seasonal_series.to_numpy(), model._width)
    (got,) = session(path).run(None, {"window": windows})
    expected = model._recursive(model.scaler_.transform(windows), 1)
    assert np.abs(got - expected).max() / model.scaler_.scale_ <= TOL


@pytest.mark.parametrize("model", [Forecaster(), SequenceClassifier()])
def test_unfitted_model_raises_naming_model(tmp_path, model):
    with pytest.raises(NotFittedError, match="model must be fitted"):
        export_onnx(model, tmp_path / "m.onnx")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("model", [SeasonalNaive(), TextClassifier(), "model.pt"])
def test_unsupported_model_raises_naming_model(tmp_path, model):
    message = "model must be a Forecaster, GlobalForecaster or SequenceClassifier; received"
    with pytest.raises(InputError, match=message):
        export_onnx(model, tmp_path / "m.onnx")


def test_bad_opset_and_path_raise_one_line_errors(tmp_path, seasonal_series):
    model = Forecaster(hidden_size=4, epochs=1, random_state=0, device="cpu").fit(seasonal_series)
    for opset in (7, 99):
        with pytest.raises(InputError, match=r"opset must be in \[11, 20\]; received"):
            export_onnx(model, tmp_path / "m.onnx", opset=opset)
    with pytest.raises(InputError, match="path must be a file path"):
        export_onnx(model, tmp_path)
    assert not any(tmp_path.iterdir())


def test_failed_export_leaves_no_file_and_keeps_an_existing_one(tmp_path, seasonal_series, monkeypatch):
    model = Forecaster(hidden_size=4, epochs=1, random_state=0, device="cpu").fit(seasonal_series)

    def broken(module, args, f, **kwargs):
        with open(f, "wb") as out:
            out.write(b"half an onnx file")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(torch.onnx, "export", broken)
    with pytest.raises(RuntimeError, match="exporter crashed"):
        export_onnx(model, tmp_path / "new.onnx")
    assert not any(tmp_path.iterdir())
    (tmp_path / "old.onnx").write_bytes(b"previous export")
    with pytest.raises(RuntimeError):
        export_onnx(model, tmp_path / "old.onnx")
    assert [p.name for p in tmp_path.iterdir()] == ["old.onnx"]
    assert (tmp_path / "old.onnx").read_bytes() == b"previous export"
