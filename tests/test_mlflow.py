"""lstmkit.mlflow: log_model / load_model (the lstmkit flavour and its pyfunc face) and the
on_epoch metrics logger, against a local file store in tmp_path (no network)."""

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # before mlflow is imported: no network

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("mlflow.pyfunc")

import lstmkit.mlflow as lm  # noqa: E402
from lstmkit import Forecaster, SequenceClassifier  # noqa: E402
from lstmkit.errors import InputError  # noqa: E402


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow 3 asks for a database by default
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"file:{tmp_path / 'mlruns'}")
    yield mlflow.MlflowClient()
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(before)


@pytest.fixture(scope="module")
def series() -> pd.Series:
    t = np.arange(60)
    dates = pd.date_range("2000-01-01", periods=60, freq="MS")
    return pd.Series(50 + 10 * np.sin(t / 3) + 0.2 * t, index=dates)


def test_epoch_logger_logs_each_networks_losses(store, series):
    with mlflow.start_run() as run:
        model = Forecaster(epochs=3, hidden_size=8, n_models=2, random_state=0).fit(
            series, on_epoch=lm.EpochLogger(prefix="fc."))
    history = {key: [(m.step, m.value) for m in store.get_metric_history(run.info.run_id, key)]
               for key in ("fc.loss", "fc.val_loss", "fc.loss_1", "fc.val_loss_1")}
    first, second = model.history_
    assert history["fc.loss"] == [(r["epoch"], pytest.approx(r["loss"])) for r in first]
    assert history["fc.val_loss_1"] == [(r["epoch"], pytest.approx(r["val_loss"])) for r in second]
    assert [step for step, _ in history["fc.loss_1"]] == [1, 2, 3]


def test_epoch_logger_never_stops_training_and_checks_its_prefix(store):
    with mlflow.start_run():
        assert lm.EpochLogger()({"epoch": 1, "loss": 0.5}) is False
    with pytest.raises(InputError, match="prefix must be a string; received int"):
        lm.EpochLogger(prefix=3)


def test_forecaster_round_trip_native_and_pyfunc(store, series):
    model = Forecaster(epochs=2, hidden_size=8, random_state=0, conformal_windows=1).fit(series)
    with mlflow.start_run() as run:
        info = lm.log_model(model, "forecaster")
    loaded = lm.load_model(f"runs:/{run.info.run_id}/forecaster")
    assert type(loaded) is Forecaster
    pd.testing.assert_series_equal(loaded.predict(4), model.predict(4))

    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    out = pyfunc.predict(pd.DataFrame({"h": [2]}))
    assert list(out.columns) == ["row", "ds", "forecast"]
    assert out["ds"].tolist() == list(model.predict(2).index)
    np.testing.assert_allclose(out["forecast"], model.predict(2).to_numpy())

    new = series[:40].tolist()
    both = pyfunc.predict(pd.DataFrame({"h": [1, 2], "y": [new, None], "level": [None, [80]]}))
    assert both["row"].tolist() == [0, 1, 1]
    np.testing.assert_allclose(both["forecast"][0], model.predict(1, y=new).iloc[0])
    np.testing.assert_allclose(both["lo-80"][1:], model.predict(2, level=[80])["lo-80"].to_numpy())
    np.testing.assert_allclose(pyfunc.predict({"h": 2})["forecast"], out["forecast"])


def test_logged_model_holds_the_lstmkit_folder_and_requirements(store, series, tmp_path):
    from mlflow.models import Model

    model = Forecaster(epochs=2, hidden_size=8, random_state=0).fit(series)
    path = lm.save_model(model, tmp_path / "saved")
    flavors = Model.load(str(path / "MLmodel")).flavors
    assert flavors["python_function"]["loader_module"] == "lstmkit.mlflow"
    assert flavors["lstmkit"]["estimator"] == "Forecaster"
    assert sorted(p.name for p in (path / "data").iterdir()) == ["config.json", "preprocessing.json",
                                                                 "weights.safetensors"]
    requirements = (path / "requirements.txt").read_text()
    assert "lstmkit==" in requirements and "torch==" in requirements
    assert not list(path.rglob("*.pkl"))  # no pickle anywhere
    with pytest.raises(InputError, match="is a non-empty folder"):
        lm.save_model(model, path)


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer")
def test_an_input_example_gives_the_model_a_signature(store, series):
    model = Forecaster(epochs=2, hidden_size=8, random_state=0).fit(series)
    with mlflow.start_run():
        info = lm.log_model(model, "model", input_example=pd.DataFrame({"h": [3]}))
    assert info.signature.inputs.input_names() == ["h"]
    assert info.signature.outputs.input_names() == ["row", "ds", "forecast"]
    out = mlflow.pyfunc.load_model(info.model_uri).predict(pd.DataFrame({"h": [2]}))
    np.testing.assert_allclose(out["forecast"], model.predict(2).to_numpy())


def test_pyfunc_bad_input_is_one_line(store, series, tmp_path):
    model = Forecaster(epochs=2, hidden_size=8, random_state=0).fit(series)
    pyfunc = mlflow.pyfunc.load_model(str(lm.save_model(model, tmp_path / "m")))
    for frame, message in [
        (pd.DataFrame({"h": [0]}), "h must be an integer >= 1; received 0"),
        (pd.DataFrame({"horizon": [3]}), "unknown column 'horizon'; allowed: h, y, ds, level"),
        (pd.DataFrame({"h": []}), "model_input holds no rows"),
        ("h=3", "model_input must be a pandas DataFrame"),
    ]:
        with pytest.raises(InputError, match=message.replace("(", r"\(")):
            pyfunc.predict(frame)


def test_classifier_pyfunc_takes_sequences_or_numeric_rows(store, tmp_path):
    rng = np.random.default_rng(0)
    X = np.stack([np.sin(np.arange(10) / (2 + k % 2)) + rng.normal(0, 0.1, 10) for k in range(12)])
    y = np.array(["a", "b"] * 6)
    model = SequenceClassifier(arch="vanilla", hidden_size=8, epochs=2, n_folds=1, random_state=0).fit(
        list(X), y)
    with mlflow.start_run():
        info = lm.log_model(model, name="clf")
    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    wide = pyfunc.predict(pd.DataFrame(X[:4]))
    assert list(wide.columns) == ["prediction", "proba_a", "proba_b"]
    assert wide["prediction"].tolist() == model.predict(list(X[:4])).tolist()
    np.testing.assert_allclose(wide[["proba_a", "proba_b"]].to_numpy(), model.predict_proba(list(X[:4])),
                               rtol=1e-6)
    ragged = pyfunc.predict(pd.DataFrame({"X": [X[0].tolist(), X[1][:5].tolist()]}))
    assert ragged["prediction"].tolist() == model.predict([X[0], X[1][:5]]).tolist()


def test_load_model_refuses_what_is_not_an_lstmkit_model(store, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no MLflow model"):
        lm.load_model(str(tmp_path / "empty"))
    with pytest.raises(InputError, match="model_uri 'runs:/0123456789abcdef/model' cannot be read: "):
        lm.load_model("runs:/0123456789abcdef/model")
    with pytest.raises(InputError, match="name must be a non-empty string without '/'"):
        lm.log_model(object(), "a/b")
    with pytest.raises(InputError, match="model must be one of"):
        lm.save_model(object(), tmp_path / "x")
