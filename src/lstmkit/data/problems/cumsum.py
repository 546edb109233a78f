"""The cumulative-sum problem: at each step, has the running sum passed a limit yet?"""

from __future__ import annotations

import numpy as np

from lstmkit.errors import InputError, check_positive_int


def cumsum(n: int, length: int = 10, limit: float = 2.5, rng=None):
    """``X`` (n, length, 1) values ~ U(0, 1) and ``y`` (n, length) int64: 1 where cumsum > limit."""
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    if not 0 < limit < length:
        raise InputError(f"limit must be in (0, length={length}); received {limit}")
    rng = np.random.default_rng(rng)
    x = rng.uniform(0, 1, (n, length)).astype(np.float32)
    return x[..., None], (np.cumsum(x, axis=1) > limit).astype(np.int64)
