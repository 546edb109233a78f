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
    monkeypatch.setitem(LIMITS, "text_chars", 10**8)  # (the memory check, not the length limit)
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


def test_parameters_are_counted_on_the_meta_device_without_touching_the_seed():
    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    count = memory.parameter_count(lambda: build("lstm-fcn", n_features=2, n_outputs=3, hidden_size=16))
    assert torch.equal(state, torch.random.get_rng_state())
    real = build("lstm-fcn", n_features=2, n_outputs=3, hidden_size=16)
    assert count == sum(t.numel() for t in (*real.parameters(), *real.buffers()))
    huge = memory.parameter_count(lambda: build("stacked", n_features=1, n_outputs=1, hidden_size=8192,
                                                n_layers=64))
    assert huge == 34_095_538_177  # (~137 GB of float32 weights: never allocated)
    assert memory.parameter_bytes(10, n_networks=5, at_once=2) == 10 * (16 * 2 + 4 * 3)


@pytest.mark.parametrize("make, fit", [
    (lambda: __import__("lstmkit").Forecaster(arch="stacked", hidden_size=8192, arch_options={"n_layers": 64},
                                              epochs=1), "series"),
    (lambda: __import__("lstmkit").Forecaster(hidden_size=8192, n_models=1000, epochs=1), "series"),
    (lambda: __import__("lstmkit").GlobalForecaster(hidden_size=8192, n_models=1000, epochs=1), "panel"),
    (lambda: __import__("lstmkit").AnomalyDetector(forecaster_params={"hidden_size": 8192, "n_models": 1000}),
     "series"),
    (lambda: SequenceClassifier(arch="stacked", hidden_size=8192, arch_options={"n_layers": 64}, epochs=1),
     "sequences"),
    (lambda: TextClassifier(hidden_size=8192, n_folds=100, early_stopping=False, epochs=1), "texts"),
])
def test_networks_too_big_for_memory_are_refused_before_any_is_built(monkeypatch, make, fit):
    import time

    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 2**30)  # 1 GB free
    data = {"series": (np.sin(np.arange(144) / 3.0) + 2,),
            "panel": ([np.sin(np.arange(60) / 3.0) + 2, np.cos(np.arange(50) / 3.0) + 2],),
            "sequences": (np.zeros((6, 20, 1)), [0, 1] * 3),
            "texts": (["good day", "bad day", "good", "bad"] * 3, [1, 0, 1, 0] * 3)}[fit]
    start = time.perf_counter()
    pattern = (r"^training (a network|[\d,]+ networks) of [\d,]+ parameters \(16 bytes each while it "
               r"trains: weights, gradients and Adam's two moments\) needs about [\d.]+ GB of memory, and "
               r"1.0 GB is available; lower hidden_size")
    with pytest.raises(InputError, match=pattern):
        make().fit(*data)
    assert time.perf_counter() - start < 5


def test_predicting_a_sequence_too_long_for_memory_is_refused_and_long_ones_go_few_at_a_time(monkeypatch):
    monkeypatch.setitem(LIMITS, "text_chars", 10**8)  # (the memory check, not the length limit)
    clf = SequenceClassifier(epochs=2, hidden_size=8, n_folds=1, random_state=0).fit(
        np.random.default_rng(0).normal(size=(8, 30, 1)), [0, 1] * 4)
    short = clf.predict_proba(np.zeros((3, 30, 1)))
    from lstmkit.tasks.classifier_memory import predict_batch

    assert predict_batch(clf, clf._inputs(clf._validate(np.zeros((300, 30, 1))))) == 256  # as before
    assert predict_batch(clf, clf._inputs(clf._validate(np.zeros((30, 100_000, 1))))) == 10
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 50 * 2**20)  # 50 MB free
    with pytest.raises(InputError, match=r"^predicting a sequence of 1,000,000 steps needs about [\d.]+ GB "
                                         r"of memory, and 50 MB is available; shorten the sequences \(the"):
        clf.predict(np.zeros((1, 1_000_000, 1), np.float32))
    np.testing.assert_array_equal(clf.predict_proba(np.zeros((3, 30, 1))), short)  # short ones still fit
    text = TextClassifier(epochs=1, hidden_size=8, embedding_dim=8, min_count=1, random_state=0).fit(
        ["good day", "bad day", "good", "bad"] * 3, [1, 0, 1, 0] * 3)
    with pytest.raises(InputError, match=r"^predicting a sequence of 1,000,000 steps .*; shorten the texts, "
                                         r"or cut them with set_params\(max_length=\.\.\.\)"):
        text.predict(["good " * 1_000_000])
    assert len(text.set_params(max_length=1000).predict(["good " * 1_000_000])) == 1


def test_inference_bytes_bound_what_a_long_prediction_allocates():
    net = build("vanilla", n_features=1, n_outputs=3, hidden_size=64)
    per_step = memory.inference_bytes(net, (torch.zeros(1, 256, 1), torch.tensor([256]))) / 256
    assert per_step >= 64 * 4 * (1 + 4 + 2)  # output, its 4 gates' input projections, 2 copies
    assert memory.predict_rows(longest=10, n_rows=5, batch_size=256) == 5
    assert memory.predict_rows(longest=5_000_000, n_rows=5, batch_size=256) == 1


def test_a_ulimit_on_address_space_lowers_the_memory_available(monkeypatch):
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda kind: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert memory._address_space_left(10**12) == 10**12
    with open("/proc/self/status") as f:
        size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (size + 3 * 2**30, resource.RLIM_INFINITY))
    assert 2.5 * 2**30 < memory._address_space_left(10**12) <= 3 * 2**30
    assert memory._address_space_left(2**20) == 2**20
