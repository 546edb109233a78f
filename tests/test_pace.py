"""A long fit says so (pace.py): an estimate once the first epoch has run a while, then notes
when no progress bar shows; the CLI prints them on stderr."""

import logging

import numpy as np
import pytest

from lstmkit import Forecaster, pace
from lstmkit.cli import main


@pytest.fixture
def impatient(monkeypatch):
    """Every fit counts as long, judged after the first gradient steps, with a note every epoch."""
    monkeypatch.setattr(pace, "LONG_FIT_SECONDS", 0.0)
    monkeypatch.setattr(pace, "PROBE_SECONDS", 0.0)
    monkeypatch.setattr(pace, "NOTE_SECONDS", 0.0)


def test_a_long_fit_warns_with_its_estimate_and_notes_its_progress(impatient, caplog):
    y = 10 + np.sin(np.arange(400) / 4)
    with caplog.at_level(logging.INFO, logger="lstmkit"):
        Forecaster(epochs=3, hidden_size=4, batch_size=8, random_state=0).fit(y)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    notes = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(warnings) == 1 and warnings[0].startswith("lstmkit: training model 1/1 will take up to about ")
    assert "3 epochs of 37 batches" in warnings[0] and "fewer epochs" in warnings[0]
    assert [n.split(",")[0] for n in notes] == [f"lstmkit: training model 1/1: epoch {k}/3"
                                                for k in (1, 2, 3)]


def test_a_short_fit_says_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="lstmkit"):
        Forecaster(epochs=2, hidden_size=4, random_state=0).fit(10 + np.sin(np.arange(60) / 4))
    assert not [r for r in caplog.records if r.name == "lstmkit"]


def test_the_cli_prints_the_estimate_on_stderr(impatient, capsys):
    assert main(["forecast", "--epochs", "2", "--no-plot", "--json"]) == 0
    err = capsys.readouterr().err
    assert "lstmkit: training model 1/1 will take up to about" in err and "epoch 2/2" in err
