"""Resumable training: a run killed with SIGKILL resumes to bit-identical weights (CPU)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lstmkit import Forecaster, InputError, SequenceClassifier
from lstmkit.datasets import load_airpassengers

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = dict(hidden_size=8, epochs=40, patience=1000, n_models=2, random_state=3, n_threads=1,
                arch="stacked", arch_options={"dropout": 0.2})  # dropout: the torch RNG matters too
SCRIPT = f"""
import sys
from lstmkit import Forecaster
from lstmkit.datasets import load_airpassengers
Forecaster(**{SETTINGS!r}).fit(load_airpassengers()[:96], checkpoint_dir=sys.argv[1], resume=True)
"""


def _progress(path) -> tuple[int, bool]:
    """(epochs done, finished) of a checkpoint file; (0, False) when there is none yet."""
    from safetensors import safe_open

    if not path.exists():
        return 0, False
    with safe_open(path, framework="pt") as f:
        progress = json.loads(f.metadata()["progress"])
    return len(progress["history"]), progress["done"]


def _weights(model):
    return [p.detach().clone() for m in model.modules_ for p in m.parameters()]


def test_sigkill_then_resume_gives_bit_identical_weights(tmp_path):
    y = load_airpassengers()[:96]
    reference = Forecaster(**SETTINGS).fit(y)
    folder = tmp_path / "ckpt"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(folder)], cwd=ROOT)
    deadline = time.time() + 120
    while _progress(folder / "network-0.safetensors")[0] < 10 and time.time() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # after epoch 10 of network 0, at no particular point
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    states = [_progress(folder / f"network-{k}.safetensors") for k in range(2)]
    assert not all(done for _, done in states), "killed after training ended: nothing to prove"
    resumed = Forecaster(**SETTINGS).fit(y, checkpoint_dir=folder, resume=True)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # a killed write's leftovers go
    assert len(resumed.history_[0]) == len(reference.history_[0]) == 40
    for a, b in zip(_weights(resumed), _weights(reference)):
        assert np.array_equal(a.numpy(), b.numpy())
    assert resumed.predict(12).equals(reference.predict(12))
    again = Forecaster(**SETTINGS).fit(y, checkpoint_dir=folder, resume=True)  # finished: no training
    assert again.predict(12).equals(reference.predict(12))


def test_resume_refuses_a_checkpoint_of_other_settings_or_data(tmp_path):
    y = load_airpassengers()[:96]
    fast = dict(hidden_size=4, epochs=2, random_state=0)
    Forecaster(**fast).fit(y, checkpoint_dir=tmp_path)
    with pytest.raises(InputError, match="different configuration or data"):
        Forecaster(**{**fast, "lr": 0.01}).fit(y, checkpoint_dir=tmp_path, resume=True)
    with pytest.raises(InputError, match="different configuration or data"):
        Forecaster(**fast).fit(y[:90], checkpoint_dir=tmp_path, resume=True)
    (tmp_path / "network-0.safetensors").write_bytes(b"garbage")
    with pytest.raises(InputError, match="cannot be read"):
        Forecaster(**fast).fit(y, checkpoint_dir=tmp_path, resume=True)
    Forecaster(**fast).fit(y, checkpoint_dir=tmp_path)  # resume=False starts over


def test_classifier_resumes_each_fold(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 8, 2)), np.array(["a", "b", "c"] * 10)
    settings = dict(arch="bidirectional", hidden_size=8, epochs=6, n_folds=3, random_state=1)
    reference = SequenceClassifier(**settings).fit(X, y)
    half = SequenceClassifier(**{**settings}).fit(X, y, checkpoint_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"network-{k}.safetensors" for k in range(3)]
    resumed = SequenceClassifier(**settings).fit(X, y, checkpoint_dir=tmp_path, resume=True)
    assert np.array_equal(resumed.predict_proba(X), reference.predict_proba(X))
    assert np.array_equal(half.predict_proba(X), reference.predict_proba(X))


def test_same_seed_same_predictions_in_another_process():
    code = ("from lstmkit import Forecaster; from lstmkit.datasets import load_airpassengers; "
            "print(Forecaster(hidden_size=8, epochs=20, random_state=5).fit(load_airpassengers()[:96])"
            ".predict(6).round(10).tolist())")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                           timeout=120).stdout for _ in range(2)]
    local = Forecaster(hidden_size=8, epochs=20, random_state=5).fit(load_airpassengers()[:96])
    assert runs[0] == runs[1] == str(local.predict(6).round(10).tolist()) + "\n"
