"""lstmkit serve: the FastAPI app (``serving.create_app``) through fastapi's TestClient, the request
coalescer, the command (``cli/serve.py``), and benchmarks/serving.py (the server on loopback)."""

import asyncio
import json
import socket
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from lstmkit import Forecaster, SequenceClassifier, TextClassifier  # noqa: E402
from lstmkit.errors import InputError  # noqa: E402
from lstmkit.serving import Coalescer, Predictor, create_app, kind_of, respond  # noqa: E402


def _client(app):
    with warnings.catch_warnings():  # starlette's notice that httpx2 will replace httpx
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app)


@pytest.fixture(scope="module")
def series() -> pd.Series:
    t = np.arange(60)
    dates = pd.date_range("2000-01-01", periods=60, freq="MS")
    return pd.Series(50 + 10 * np.sin(t / 3) + 0.2 * t, index=dates)


@pytest.fixture(scope="module")
def forecaster_dir(tmp_path_factory, series):
    model = Forecaster(epochs=2, hidden_size=8, random_state=0, conformal_windows=1).fit(series)
    return model.save(tmp_path_factory.mktemp("serve") / "forecaster")


@pytest.fixture(scope="module")
def forecaster(forecaster_dir):
    from lstmkit import load

    return load(forecaster_dir)


@pytest.fixture(scope="module")
def client(forecaster_dir):
    return _client(create_app(forecaster_dir))


def test_health_names_the_model_and_its_fields(client):
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "model": "forecaster", "estimator": "Forecaster",
                             "kind": "forecaster", "fields": ["h", "y", "ds", "level"]}


def test_forecast_is_the_models_forecast(client, forecaster):
    answer = client.post("/predict", json={"h": 3})
    assert answer.status_code == 200
    expected = forecaster.predict(3)
    assert answer.json()["ds"] == [d.isoformat() for d in expected.index]
    np.testing.assert_allclose(answer.json()["forecast"], expected.to_numpy())


def test_forecast_after_a_new_series_with_its_dates(client, forecaster, series):
    new = series[:40] * 1.1
    body = {"h": 2, "y": new.tolist(), "ds": [d.strftime("%Y-%m-%d") for d in new.index]}
    answer = client.post("/predict", json=body).json()
    expected = forecaster.predict(2, y=new)
    assert answer["ds"] == ["2003-05-01T00:00:00", "2003-06-01T00:00:00"]
    np.testing.assert_allclose(answer["forecast"], expected.to_numpy())
    undated = client.post("/predict", json={"h": 1, "y": new.tolist()}).json()  # positions, not dates
    assert undated["ds"] == [40]
    np.testing.assert_allclose(undated["forecast"], expected.to_numpy()[:1])


def test_forecast_intervals(client, forecaster):
    answer = client.post("/predict", json={"h": 2, "level": [80]}).json()
    expected = forecaster.predict(2, level=[80])
    assert list(answer) == ["ds", "forecast", "lo-80", "hi-80"]
    np.testing.assert_allclose(answer["lo-80"], expected["lo-80"].to_numpy())
    assert all(lo < f < hi for lo, f, hi in zip(answer["lo-80"], answer["forecast"], answer["hi-80"]))


@pytest.mark.parametrize("body, status, message", [
    ({"h": 0}, 422, "h must be an integer >= 1; received 0"),
    ({"h": "12"}, 422, "h must be an integer >= 1; received '12'"),
    ({"h": 10**9}, 422, "h must be at most"),
    ({}, 422, "field 'h' is required"),
    ({"h": None}, 422, "field 'h' is required"),
    ({"h": 1, "horizon": 3}, 422, "unknown field 'horizon' for a Forecaster; allowed: h, y, ds, level"),
    ({"h": 1, "y": [1.0, 2.0]}, 422, "y must have at least"),
    ({"h": 1, "y": ["a"] * 40}, 422, "y must hold numbers only"),
    ({"h": 1, "y": 5}, 422, "field 'y' must be a JSON list"),
    ({"h": 1, "y": list(range(40)), "ds": ["2020-01-01"]}, 422, "field 'ds' must hold as many dates"),
    ({"h": 1, "y": list(range(40)), "ds": ["nope"] * 40}, 422, "field 'ds' holds 'nope'"),
    ({"h": 1, "ds": ["2020-01-01"]}, 422, "field 'ds' needs 'y'"),
    ({"h": 1, "level": 80}, 422, "field 'level' must be a JSON list"),
    ({"h": 1, "level": [150]}, 422, "level must be percentages in (0, 100)"),
    ([1, 2], 400, "the request body must be a JSON object with fields h, y, ds, level; received a list"),
    (b"{not json", 400, "the request body is not valid JSON"),
    (b"[" * 100_000, 400, "the request body is not valid JSON"),
])
def test_bad_requests_get_one_line_naming_the_field(client, body, status, message):
    answer = (client.post("/predict", content=body) if isinstance(body, bytes)
              else client.post("/predict", json=body))
    assert answer.status_code == status
    assert list(answer.json()) == ["error"]
    assert message in answer.json()["error"]
    assert "\n" not in answer.json()["error"]


def test_unknown_routes_and_methods_answer_in_the_same_shape(client):
    assert client.get("/nope").json() == {"error": "GET /nope: Not Found; this server answers GET /health "
                                                   "and POST /predict"}
    assert client.get("/predict").status_code == 405
    assert list(client.get("/predict").json()) == ["error"]


def test_oversized_bodies_are_refused_before_parsing(client, monkeypatch):
    import lstmkit.serving

    monkeypatch.setattr(lstmkit.serving, "MAX_BODY_BYTES", 100)
    answer = client.post("/predict", content=b'{"h": 1, "y": [' + b"1.0, " * 50 + b"1.0]}")
    assert answer.status_code == 413
    assert answer.json()["error"].startswith("the request body is 270 bytes; at most 100")


def test_identical_requests_in_a_batch_are_answered_once(forecaster):
    predictor = Predictor(forecaster)
    calls = []
    answer = predictor.answer
    predictor.answer = lambda payload: calls.append(payload) or answer(payload)
    coalescer = Coalescer(predictor)

    async def burst():
        same = [coalescer.answer(b'{"h": 2}') for _ in range(10)]
        return await asyncio.gather(*same, coalescer.answer(b'{"h": 1}'), coalescer.answer(b'{"h": 0}'))

    results = asyncio.run(burst())
    assert calls == [{"h": 2}, {"h": 1}, {"h": 0}]  # 12 requests, 3 bodies, 3 predictions
    assert all(r == results[0] for r in results[:10])
    np.testing.assert_allclose(json.loads(results[0][1])["forecast"], forecaster.predict(2).to_numpy())
    assert results[10][0] == 200 and results[11][0] == 422
    again = asyncio.run(burst())  # a new batch computes again: nothing is kept between batches
    assert len(calls) == 6 and again == results


def test_respond_turns_unexpected_failures_into_one_line_500(forecaster):
    predictor = Predictor(forecaster)

    def broken(payload):
        raise RuntimeError("boom\nsecond line")

    predictor.answer = broken
    assert respond(predictor, b'{"h": 1}') == (500, b'{"error": "the model failed on this request: '
                                                    b'RuntimeError: boom"}')


@pytest.fixture(scope="module")
def classifier_client(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = [np.sin(np.arange(12) / (2 + k % 2)) + rng.normal(0, 0.1, 12) for k in range(16)]
    y = np.array(["slow", "fast"] * 8)
    model = SequenceClassifier(arch="vanilla", hidden_size=8, epochs=2, n_folds=1, random_state=0).fit(X, y)
    return _client(create_app(model.save(tmp_path_factory.mktemp("serve") / "classifier"))), model, X


def test_classifier_answers_classes_and_probabilities(classifier_client):
    client, model, X = classifier_client
    answer = client.post("/predict", json={"X": [x.tolist() for x in X[:4]] + [[0.5, 0.1]]}).json()
    expected = model.predict(X[:4] + [np.array([0.5, 0.1])])
    assert answer["predictions"] == expected.tolist()
    assert sorted(answer["classes"]) == ["fast", "slow"]
    np.testing.assert_allclose(np.sum(answer["probabilities"], axis=1), 1.0, rtol=1e-5)
    assert client.get("/health").json()["fields"] == ["X"]


@pytest.mark.parametrize("body, message", [
    ({"X": "abc"}, "field 'X' must be a JSON list"),
    ({"X": []}, "X holds no sequences"),
    ({"X": [3]}, "X[0] must be a list"),
    ({"X": [[1.0, 2.0], [1.0, "a"]]}, "X[1] must hold numbers only"),
    ({"X": [[[1.0, 2.0], [3.0, 4.0]]]}, "X has 2 channels; this classifier was fitted on 1"),
    ({"X": [[1.0, None]]}, "X[0] holds NaN"),
    ({"texts": ["a"]}, "unknown field 'texts' for a SequenceClassifier; allowed: X"),
])
def test_classifier_bad_requests(classifier_client, body, message):
    answer = classifier_client[0].post("/predict", json=body)
    assert answer.status_code == 422
    assert message in answer.json()["error"]


def test_text_classifier(tmp_path):
    texts = ["good flight", "great crew", "lost bag", "late again", "good crew", "bad seat"] * 3
    labels = ["pos", "pos", "neg", "neg", "pos", "neg"] * 3
    model = TextClassifier(arch="vanilla", hidden_size=8, embedding_dim=8, epochs=2, n_folds=1, min_count=1,
                           random_state=0).fit(texts, labels)
    client = _client(create_app(model.save(tmp_path / "text")))
    answer = client.post("/predict", json={"texts": ["good crew", "lost seat"]}).json()
    assert answer["predictions"] == model.predict(["good crew", "lost seat"]).tolist()
    bad = client.post("/predict", json={"texts": ["fine", 3]})
    assert bad.status_code == 422 and bad.json() == {"error": "texts[1] must be a string; received int"}


def test_a_model_of_many_series_forecasts_after_the_series_given(tmp_path):
    from lstmkit import Forecaster

    waves = [list(100 + 10 * np.sin(np.arange(40) / 3 + k)) for k in range(3)]
    model = Forecaster(strategy="direct", horizon=2, epochs=2, hidden_size=4, random_state=0).fit(
        [np.asarray(w) for w in waves])
    client = _client(create_app(model.save(tmp_path / "many")))
    answer = client.post("/predict", json={"h": 2, "y": waves[:2]})
    assert answer.status_code == 200
    expected = model.predict(2, y=[np.asarray(w) for w in waves[:2]])
    assert [part["forecast"] for part in answer.json()["series"]] == [list(map(float, e)) for e in expected]


def test_anomaly_detector_scores_and_flags(tmp_path):
    from lstmkit import AnomalyDetector

    y = np.sin(np.arange(120) / 4) * 5 + 20
    model = AnomalyDetector(forecaster_params={"epochs": 2, "hidden_size": 8, "lookback": 8},
                            random_state=0).fit(y, train_size=80)
    client = _client(create_app(model.save(tmp_path / "anomaly")))
    spiked = y.copy()
    spiked[100] += 50
    answer = client.post("/predict", json={"y": spiked.tolist(), "threshold": 4.0}).json()
    np.testing.assert_allclose(answer["scores"], model.score_samples(spiked))
    assert answer["flags"] == model.predict(spiked, threshold=4.0).tolist() and answer["flags"][100] == 1
    bad = client.post("/predict", json={"y": spiked.tolist(), "threshold": "high"})
    assert bad.status_code == 422 and bad.json() == {"error": "threshold must be a number or None; received "
                                                              "'high'"}


def test_models_that_are_not_served_and_bad_folders_fail_at_start(tmp_path):
    from lstmkit import RollingZScore

    with pytest.raises(InputError, match="model is a RollingZScore; lstmkit serve serves Forecaster, "):
        kind_of(RollingZScore())
    with pytest.raises(InputError, match="is not an lstmkit model"):
        create_app(tmp_path)


def test_serve_command_errors_are_one_line(forecaster_dir, tmp_path, capsys):
    from lstmkit.cli.serve import _bind, main

    assert main([str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.startswith("lstmkit serve: error: path ")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"--port {port} on --host '127.0.0.1' cannot be used"):
            _bind("127.0.0.1", port)
    with pytest.raises(InputError, match="--host 'no such host.invalid' is not an address"):
        _bind("no such host.invalid", 8000)
    with pytest.raises(SystemExit) as exit_:
        main([str(forecaster_dir), "--port", "70000"])
    assert exit_.value.code == 2
    assert ("argument --port: must be a TCP port, an integer in [1, 65535]; received '70000'"
            in capsys.readouterr().err)


def test_imports_stay_light():
    code = ("import sys, lstmkit.serving, lstmkit.mlflow, lstmkit.cli.serve; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'mlflow', 'starlette') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_serving_benchmark_prints_a_table_without_writing():
    """Also the command end to end: the benchmark runs `python -m lstmkit.cli.serve` on loopback."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    before = (root / "BENCHMARKS.md").read_text()
    command = [sys.executable, "benchmarks/serving.py", "--seconds", "0.3", "--warmup", "0.1",
               "--clients", "1", "4", "--epochs", "2", "--no-write"]
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == 4 and all(row.count("|") == 9 for row in rows), rows
    assert all(row.split("|")[4].strip() == "0" for row in rows), rows  # no failed request
    assert "Bar (4 clients, no failed request, p99 under 50 ms)" in proc.stdout
    assert (root / "BENCHMARKS.md").read_text() == before
