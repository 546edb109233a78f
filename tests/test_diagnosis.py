"""Diagnosis verdicts on histories from real small trainings."""

import numpy as np
import pytest

from lstmkit import Forecaster, InputError, SequenceClassifier
from lstmkit.datasets import load_airpassengers
from lstmkit.diagnosis import diagnose

Y = load_airpassengers()[:96]


def test_too_few_epochs_at_a_tiny_learning_rate_is_underfit():
    d = Forecaster(epochs=5, lr=1e-4, random_state=0).fit(Y).diagnose()
    assert d.verdict == "underfit" and "train longer" in d.advice


def test_defaults_on_the_airline_series_are_a_good_fit(tmp_path):
    d = Forecaster(random_state=0).fit(Y).diagnose(plot=tmp_path / "curves.png")
    assert d.verdict == "good fit"
    assert (tmp_path / "curves.png").stat().st_size > 1000 and d.facts["best_epoch"] < d.facts["epochs"]


def test_a_huge_learning_rate_is_unstable():
    d = Forecaster(lr=0.5, epochs=40, patience=100, random_state=0).fit(Y).diagnose()  # 17 loss jumps
    assert d.verdict == "unstable" and "lower the learning rate" in d.advice


def test_memorising_random_labels_without_early_stopping_is_overfit():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 10, 1)), rng.integers(0, 2, 40)
    clf = SequenceClassifier(arch="vanilla", hidden_size=64, epochs=150, patience=1000, n_folds=1,
                             early_stopping=True, lr=1e-2, random_state=0).fit(X, y)
    d = clf.diagnose()
    assert d.verdict == "overfit" and "dropout" in d.advice
    assert d.facts["final_val_loss"] > 2 * d.facts["best_val_loss"]


def test_history_without_validation_and_bad_history():
    falling = [{"epoch": i + 1, "loss": 1.0 / (i + 1)} for i in range(20)]
    assert diagnose(falling, max_epochs=20).verdict == "underfit"  # still falling when it ran out
    flat = [{"epoch": i + 1, "loss": 1.0 / (i + 1) if i < 10 else 0.1} for i in range(20)]
    assert diagnose(flat, max_epochs=20).verdict == "good fit"
    with pytest.raises(InputError, match="history must be a non-empty list"):
        diagnose([])


def test_cli_prints_a_diagnosis_and_diagnoses_a_saved_model(tmp_path, capsys):
    import json

    from lstmkit.cli import main

    model = tmp_path / "m"
    assert main(["forecast", "--epochs", "5", "--no-plot", "--save", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["diagnosis"]["verdict"] in {"underfit", "good fit"}
    curves = tmp_path / "curves.png"
    assert main(["diagnose", str(model), "--plot", str(curves), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["diagnosis"]["advice"] and result["files"]["learning curves"] == str(curves)
    assert curves.exists()


def test_a_nan_validation_loss_is_never_a_good_fit():
    import numpy as np

    from lstmkit.diagnosis import diagnose

    history = [{"loss": v, "val_loss": float("nan")} for v in np.linspace(1.0, 0.5, 20)]
    assert diagnose(history, max_epochs=20).verdict == "unstable"
