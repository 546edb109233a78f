"""Generators for the classic synthetic sequence problems (fresh samples on every call)."""

from __future__ import annotations

import numpy as np

from lstmkit.errors import InputError, check_positive_int


def echo(n: int, length: int = 5, n_features: int = 10, out_index: int = 2, rng=None):
    """The tutorial's echo problem: recall the value at ``out_index`` of a random sequence.

    Returns ``X`` (n, length, n_features) one-hot float32 and ``y`` (n,) int64 in
    [0, n_features): ``y[i] == X[i, out_index].argmax()``.
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    n_features = check_positive_int("n_features", n_features, minimum=2)
    if not 0 <= out_index < length:
        raise InputError(
            f"out_index must be in [0, {length - 1}] for length {length}; received {out_index}"
        )
    rng = np.random.default_rng(rng)
    values = rng.integers(0, n_features, size=(n, length))
    X = np.eye(n_features, dtype=np.float32)[values]
    return X, values[:, out_index].astype(np.int64)
