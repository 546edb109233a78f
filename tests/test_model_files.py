"""Saved models' files are checked strictly and cheaply (issue 28's hunt): JSON of the wrong shape
or type, non-finite stored values, oversized files and weights whose header does not fit the
model are one-line errors before anything big is read, hashed or allocated."""

import json
import os
import time
import tracemalloc

import numpy as np
import pytest

import lstmkit
from lstmkit import Forecaster, InputError, SequenceGenerator, TextClassifier
from lstmkit.errors import LIMITS, InputTypeError
from tests.test_tampered_models import copy, edit  # (a saved model copied, a JSON file edited)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = Forecaster(epochs=1, random_state=0).fit(np.sin(np.arange(60) / 4) + 3)
    return model.save(tmp_path_factory.mktemp("m") / "model")


@pytest.fixture(scope="module")
def others(tmp_path_factory):
    root = tmp_path_factory.mktemp("others")
    gen = SequenceGenerator(hidden_size=4, embedding_dim=4, epochs=1, context=8, random_state=0)
    gen.fit(["to be or not to be " * 5]).save(root / "gen")
    text = TextClassifier(hidden_size=4, embedding_dim=4, epochs=1, min_count=1, random_state=0)
    text.fit(["good day", "bad day"] * 4, ["p", "n"] * 4).save(root / "text")
    return root




def refused(path, message, error=InputError, seconds=3.0, megabytes=64):
    """``lstmkit.load(path)`` fails with one line matching ``message``, quickly and small."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(error, match=message) as caught:
            lstmkit.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "\n" not in str(caught.value)
    took = time.perf_counter() - start
    assert took < seconds and peak < megabytes << 20, (took, peak)
    return str(caught.value)


@pytest.mark.parametrize("text, kind", [("[]", "a JSON array"), ("null", "JSON null"), ("3", "a JSON number"),
                                        ('"model"', "a JSON string")])
@pytest.mark.parametrize("name, what", [("config.json", "config"),
                                        ("preprocessing.json", "preprocessing state")])
def test_json_that_is_not_an_object_is_named(saved, tmp_path, name, what, text, kind):
    path = copy(saved, tmp_path)
    (path / name).write_text(text)
    refused(path, f"^{name} in {str(path)!r} is not an lstmkit model's {what} \\({kind}, not an object\\)$")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["scaler"].update(log="yes"), r"^preprocessing.json: scaler.log must be true or false; "
                                              r"received 'yes'$"),
    (lambda d: d["scaler"].update(log=1), "scaler.log must be true or false; received 1$"),
    (lambda d: d["scaler"].update(lag=True), "scaler.lag must be an integer >= 0; received True$"),
    (lambda d: d["scaler"].update(mean="3"), "scaler.mean must be a finite number; received '3'$"),
    (lambda d: d.update(lookback=12.0), "lookback must be an integer >= 1; received 12.0$"),
    (lambda d: d.update(season="12"), "season must be an integer >= 1; received '12'$"),
    (lambda d: d.update(n_models=0), "n_models must be an integer >= 1; received 0$"),
    (lambda d: d["y"]["index"].update(range=[0, "60"]), r"y.index.range\[1\] must be an integer"),
    (lambda d: d["y"]["index"].update(range=[0, 10 ** 15]), "y.index holds 1000000000000000 labels for 60"),
    (lambda d: d["y"].update(name=[1]), "y.name must be a finite number; received \\[1\\]$"),
    (lambda d: d.update(conformal_scores="x"), "conformal_scores must be a finite number; received 'x'$"),
    (lambda d: d.pop("scaler"), "^preprocessing.json is incomplete: it lacks scaler"),
])
def test_every_preprocessing_field_has_its_type(saved, tmp_path, change, message):
    path = copy(saved, tmp_path)
    edit(path, "preprocessing.json", change)
    refused(path, message, InputError)


@pytest.mark.parametrize("value, shown", [(float("nan"), "nan"), (float("inf"), "inf"),
                                          (-float("inf"), "-inf")])
def test_non_finite_stored_values_are_refused_naming_the_field(saved, tmp_path, value, shown):
    path = copy(saved, tmp_path)
    edit(path, "preprocessing.json", lambda d: d["y"]["values"].__setitem__(-1, value))
    refused(path, rf"^preprocessing.json: y.values\[59\] must be a finite number; received {shown}$")


@pytest.mark.parametrize("model, change, message", [
    ("gen", lambda d: d.update(char_level="yes"), "char_level must be true or false; received 'yes'$"),
    ("gen", lambda d: d.update(context=2.5), "context must be an integer >= 1; received 2.5$"),
    ("gen", lambda d: d["tokens"].append(7), r"tokens\[\d+\] must be a string; received 7$"),
    ("text", lambda d: d.update(n_modules=True), "n_modules must be an integer >= 1; received True$"),
    ("text", lambda d: d.update(oof_score=float("nan")), "oof_score must be a finite number; received nan$"),
])
def test_other_estimators_states_are_strict_too(others, tmp_path, model, change, message):
    path = copy(others / model, tmp_path)
    edit(path, "preprocessing.json", change)
    refused(path, "^preprocessing.json: " + message)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["params"].update(verbose="yes"), "^config.json: params.verbose must be true or false"),
    (lambda d: d["params"].update(random_state=1.5), "^config.json: params.random_state must be an integer"),
    (lambda d: d.update(format_version=True), "^config.json: format_version must be an integer >= 0; "
                                              "received True$"),
    (lambda d: d.update(weights_sha256=None), "^config.json: weights_sha256 must be a string; "
                                              "received None$"),
    (lambda d: d.update(params=[]), "^config.json: params must be a JSON object; received \\[\\]$"),
])
def test_config_fields_have_their_types(saved, tmp_path, change, message):
    path = copy(saved, tmp_path)
    edit(path, "config.json", change)
    refused(path, message)


@pytest.mark.parametrize("name, limit", [("config.json", "config_json_bytes"),
                                         ("preprocessing.json", "preprocessing_json_bytes")])
def test_json_files_over_their_limit_are_refused_by_size_before_reading(saved, tmp_path, monkeypatch, name,
                                                                        limit):
    path = copy(saved, tmp_path)
    os.truncate(path / name, LIMITS[limit] + 1)  # (sparse: nothing is written)
    refused(path, f"^{name} is {LIMITS[limit] + 1:,} bytes, more than an lstmkit model's {name} holds "
                  rf"\({LIMITS[limit]:,}; raise lstmkit.errors.LIMITS\['{limit}'\] for a model that big\)$",
            seconds=1, megabytes=1)
    monkeypatch.setitem(LIMITS, limit, LIMITS[limit] + 1)  # raised on purpose: the file is read
    refused(path, f"^{name} is not valid JSON", seconds=20, megabytes=1 << 10)


def test_the_limits_leave_room_for_large_legitimate_models(saved, tmp_path, monkeypatch):
    assert LIMITS["config_json_bytes"] >= 1 << 20 and LIMITS["preprocessing_json_bytes"] >= 64 << 20
    assert (saved / "config.json").stat().st_size < LIMITS["config_json_bytes"] / 500
    model = lstmkit.load(saved)
    monkeypatch.setitem(LIMITS, "preprocessing_json_bytes", 100)
    with pytest.warns(UserWarning, match=r"preprocessing.json is [\d,]+ bytes, above lstmkit.errors.LIMITS"):
        model.save(tmp_path / "again")


def test_a_huge_weights_file_is_refused_before_hashing(saved, tmp_path):
    path = copy(saved, tmp_path)
    try:
        os.truncate(path / "weights.safetensors", 30 << 30)  # 30 GB, sparse
    except OSError:
        pytest.skip("this file system has no sparse files")
    size = (path / "weights.safetensors").stat().st_size
    refused(path, f"^weights.safetensors is {size:,} bytes, and its header describes [\\d,]+: the file was "
                  "truncated or extended$", seconds=1, megabytes=1)


def test_a_header_that_claims_huge_tensors_is_refused_before_hashing(saved, tmp_path):
    """A header that fits a huge file (shapes and offsets agree) but not the model."""
    path = copy(saved, tmp_path)
    raw = (path / "weights.safetensors").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    key = sorted(k for k in header if k != "__metadata__")[0]
    offset = 0
    for k in sorted(k for k in header if k != "__metadata__"):  # each tensor one after the other
        shape = [1 << 31] if k == key else header[k]["shape"]
        nbytes = int(np.prod(shape)) * 4
        header[k].update(shape=shape, data_offsets=[offset, offset + nbytes])
        offset += nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path / "weights.safetensors", "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text)
    try:
        os.truncate(path / "weights.safetensors", 8 + len(text) + offset)  # 8 GB, sparse
    except OSError:
        pytest.skip("this file system has no sparse files")
    refused(path, rf"^weights.safetensors tensor '{key}' has shape \(2147483648,\) torch.float32; the model "
                  r"needs \(", seconds=2, megabytes=16)


def test_weights_of_another_dtype_are_blamed_on_the_weights(saved, tmp_path):
    from safetensors.torch import load_file, save_file

    path = copy(saved, tmp_path)
    tensors = {k: v.double() for k, v in load_file(path / "weights.safetensors").items()}
    save_file(tensors, path / "weights.safetensors")
    message = refused(path, r"^weights.safetensors tensor '.*' has shape \(.*\) torch.float64; the "
                            "model needs")
    assert "preprocessing.json" not in message


@pytest.mark.parametrize("path, kind", [(None, "NoneType"), (123, "int"), (b"m", "bytes"), (["m"], "list")])
def test_a_path_that_is_no_path_is_a_type_error(path, kind):
    with pytest.raises(InputTypeError, match=rf"^path must be a folder path \(str or os.PathLike\); received "
                                             rf"{kind}$"):
        lstmkit.load(path)
