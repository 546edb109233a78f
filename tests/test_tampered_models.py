"""Tampered model files fail in one line before anything large is built (issue 28, item 2)."""

import hashlib
import json
import time

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import lstmkit
from lstmkit import Forecaster, InputError


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = Forecaster(epochs=2, random_state=0).fit(np.sin(np.arange(60) / 4) + 3)
    return model.save(tmp_path_factory.mktemp("m") / "model")


def copy(saved, tmp_path):
    import shutil

    shutil.copytree(saved, tmp_path / "m")
    return tmp_path / "m"


def edit(path, name, change):
    data = json.loads((path / name).read_text())
    change(data)
    (path / name).write_text(json.dumps(data))


def rehash(path):
    config = json.loads((path / "config.json").read_text())
    config["weights_sha256"] = hashlib.sha256((path / "weights.safetensors").read_bytes()).hexdigest()
    (path / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize("name, change, message", [
    ("config.json", lambda d: d["params"].update(hidden_size=5000), "has shape"),  # (built on meta first)
    ("config.json", lambda d: d["params"].update(hidden_size=1000000), "^config.json: hidden_size must be at "
                                                                       "most 8192"),
    ("config.json", lambda d: d["params"].update(device="meta"), "has device 'meta'"),
    ("preprocessing.json", lambda d: d.update(n_models=1000000), "describes 1000000 networks"),
])
def test_sizes_that_do_not_match_the_weights_fail_before_building(saved, tmp_path, name, change, message):
    path = copy(saved, tmp_path)
    edit(path, name, change)
    start = time.perf_counter()
    with pytest.raises(InputError, match=message):
        lstmkit.load(path)
    assert time.perf_counter() - start < 5


def test_deep_json_and_huge_numbers_are_one_line_errors(saved, tmp_path):
    path = copy(saved, tmp_path)
    (path / "preprocessing.json").write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(InputError, match="preprocessing.json is not a model file"):
        lstmkit.load(path)
    (path / "preprocessing.json").write_text('{"n_models": ' + "9" * 5000 + "}")
    with pytest.raises(InputError, match="preprocessing.json is not a model file"):
        lstmkit.load(path)


def test_a_symlinked_file_and_non_finite_weights_are_refused(saved, tmp_path):
    path = copy(saved, tmp_path)
    outside = tmp_path / "outside.json"
    (path / "preprocessing.json").rename(outside)
    (path / "preprocessing.json").symlink_to(outside)
    with pytest.raises(InputError, match="is a symbolic link or not a regular file"):
        lstmkit.load(path)
    path = copy(saved, tmp_path / "b")
    tensors = load_file(path / "weights.safetensors")
    key = next(iter(tensors))
    tensors[key] = torch.full_like(tensors[key], float("nan"))
    save_file(tensors, path / "weights.safetensors")
    rehash(path)  # re-hashing defeats the checksum, not the check
    with pytest.raises(InputError, match="holds NaN or infinite values"):
        lstmkit.load(path)
