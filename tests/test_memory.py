"""Memory checked before allocating (memory.py): padding and one training batch's activations."""

import numpy as np
import pytest
import torch

from lstmkit import InputError, SequenceClassifier, TextClassifier, memory
from lstmkit.data.encoding import pad_sequences
from lstmkit.errors import LIMITS
from lstmkit.models.registry import build


def test_training_bytes_scale_a_short_probe_to_the_whole_batch():
    torch.manual_seed(0)
    net = build("vanilla", n_features=1, n_outputs=3, hidden_size=16)
    x, lengths = torch.randn(32, 600, 1), torch.full((32,), 600)
    estimate = memory.training_bytes(net, x, lengths, batch_size=32)
    measured = memory.saved_bytes(net, (x, lengths))
    assert 0.8 * measured < estimate < 1.25 * measured


def test_a_fit_that_cannot_fit_in_memory_is_refused_before_training(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 50 * 2**20)  # 50 MB free
    with pytest.raises(InputError, match=r"^training on batches of 8 sequences of up to 3,000 steps needs "
                                         r"about .* of memory, and 50 MB is available; lower batch_size"):
        SequenceClassifier(epochs=1, batch_size=8, random_state=0).fit(np.zeros((8, 3000, 1)), [0, 1] * 4)
    with pytest.raises(InputError, match="^padding 3 sequences to the longest .*50 MB is available"):
        pad_sequences([np.zeros((10, 1), np.float32)] * 2 + [np.zeros((6_000_000, 1), np.float32)])
    with pytest.raises(InputError, match=r"^padding 3 texts to the longest \(8,000,000 tokens\).*max_length"):
        TextClassifier(level="char", epochs=1, val_size=0.4).fit(["a" * 8_000_000, "b", "c"], [0, 1, 0])


def test_the_share_can_be_raised_and_unknown_memory_checks_nothing(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 100)
    with pytest.raises(InputError, match="80% of the available memory"):
        memory.check_fits(81, "a thing", "shrink it")
    monkeypatch.setitem(LIMITS, "memory_share", 0.9)
    memory.check_fits(81, "a thing", "shrink it")
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": None)
    memory.check_fits(10**18, "a thing", "shrink it")


def test_available_memory_is_read_on_linux():
    found = memory.available_bytes("cpu")
    assert found is None or 2**26 < found < 2**50


def test_a_one_series_fit_with_a_huge_lookback_is_refused_before_allocating(monkeypatch):
    from lstmkit import Forecaster

    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 50 * 2**20)  # 50 MB free
    y = np.sin(np.arange(20_000) / 7.0)
    for arch in ("vanilla", "mlp"):  # (the MLP reads only its full lookback: its windows are counted)
        with pytest.raises(InputError, match=r"^training on 14,999 windows of 5,000 steps needs about"):
            Forecaster(lookback=5000, epochs=1, arch=arch, val_size=0).fit(y)
    Forecaster(lookback=24, epochs=1, random_state=0).fit(y[:500])  # (a usual fit passes the check)
