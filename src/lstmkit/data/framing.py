"""Sliding windows over series, as views (no copy of the window matrix)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lstmkit.errors import InputError, check_positive_int


def sliding_windows(values: np.ndarray, lookback: int, horizon: int = 1):
    """Frame a series as supervised windows.

    values: (time,) or (time, features).
    Returns ``(inputs, targets)``: inputs (n, lookback[, features]) and targets
    (n, horizon[, features]) with n = time - lookback - horizon + 1. Both are read-only
    views of ``values``: window ``i`` is ``values[i : i + lookback]`` and its targets are
    ``values[i + lookback : i + lookback + horizon]``.

    >>> x, y = sliding_windows(np.arange(6), lookback=3, horizon=2)
    >>> x.tolist(), y.tolist()
    ([[0, 1, 2], [1, 2, 3]], [[3, 4], [4, 5]])
    """
    lookback = check_positive_int("lookback", lookback)
    horizon = check_positive_int("horizon", horizon)
    values = np.asarray(values)
    if values.ndim not in (1, 2):
        raise InputError(f"values must be 1-D or 2-D (time, features); received shape {values.shape}")
    width = lookback + horizon
    if len(values) < width:
        raise InputError(
            f"series of length {len(values)} is too short for lookback {lookback} + horizon "
            f"{horizon}; it needs at least {width} values"
        )
    windows = sliding_window_view(values, width, axis=0)  # (n, [features,] width)
    if values.ndim == 2:
        windows = windows.swapaxes(1, 2)  # (n, width, features)
    return windows[:, :lookback], windows[:, lookback:]


def split_train_test(n: int, test_size) -> int:
    """Where a chronological split of ``n`` values puts its first test value.

    test_size: an int (number of final values held out) or a float in (0, 1) (a fraction,
    rounded to the nearest value).
    """
    if isinstance(test_size, float) and not isinstance(test_size, bool):
        if not 0 < test_size < 1:
            raise InputError(f"test_size as a fraction must be in (0, 1); received {test_size}")
        n_test = int(round(n * test_size))
    else:
        n_test = check_positive_int("test_size", test_size)
    if not 1 <= n_test < n:
        raise InputError(
            f"test_size must leave at least one training and one test value of {n}; "
            f"received {test_size!r}"
        )
    return n - n_test
