"""Sizes that would exhaust the machine are one-line errors before any allocation (issue 28, item 5)."""

import time

import numpy as np
import pytest

from lstmkit import Forecaster, InputError, SequenceGenerator
from lstmkit.errors import LIMITS


@pytest.mark.parametrize("settings, name", [
    (dict(hidden_size=10**9), "hidden_size"),
    (dict(arch="stacked", arch_options={"n_layers": 10**6}), "n_layers"),
    (dict(n_models=10**6), "n_models"),
    (dict(epochs=10**9), "epochs"),
])
def test_huge_settings_fail_at_once(settings, name):
    start = time.perf_counter()
    with pytest.raises(InputError, match=f"^{name} must be at most {LIMITS[name]} .*LIMITS\\['{name}'\\]"):
        Forecaster(**settings).fit(np.arange(40.0))
    assert time.perf_counter() - start < 2


def test_sampling_a_trillion_tokens_is_refused_and_limits_can_be_changed(monkeypatch):
    model = SequenceGenerator(epochs=1, hidden_size=8, random_state=0).fit(["abcabcabcabc" * 5])
    with pytest.raises(InputError, match="n_tokens must be at most"):
        model.sample(10**12)
    monkeypatch.setitem(LIMITS, "hidden_size", 16)  # a limit is a module setting a user may change
    with pytest.raises(InputError, match="hidden_size must be at most 16"):
        Forecaster(hidden_size=20)._check_params()
    assert Forecaster(hidden_size=16)._check_params() is None
