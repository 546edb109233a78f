"""The moving-line videos: which way does a vertical line sweep across the frames?"""

from __future__ import annotations

import numpy as np

from lstmkit.errors import InputError, check_positive_int

LEFT_TO_RIGHT, RIGHT_TO_LEFT = 0, 1


def moving_line(n: int, n_frames: int = 10, size: int = 50, rng=None):
    """``n`` videos of a full-height vertical line moving a constant number of columns per frame.

    Each video draws its direction, a speed from 1 to ``(size - 1) // (n_frames - 1)``
    columns per frame, and a starting column that keeps the line inside the frame.
    Returns ``X`` (n, n_frames, 1, size, size) float32 with 1.0 on the line and 0.0
    elsewhere, and ``y`` (n,) int64: 0 = left to right, 1 = right to left.

    Example: ``X, y = moving_line(100, n_frames=10, size=50, rng=0)``.
    """
    n = check_positive_int("n", n)
    n_frames = check_positive_int("n_frames", n_frames, minimum=2)
    size = check_positive_int("size", size, minimum=2)
    if size < n_frames:
        raise InputError(
            f"size must be >= n_frames ({n_frames}) so the line can move a column per frame; "
            f"received {size}"
        )
    rng = np.random.default_rng(rng)
    y = rng.integers(0, 2, size=n).astype(np.int64)
    max_speed = (size - 1) // (n_frames - 1)
    speed = rng.integers(1, max_speed + 1, size=n)
    travel = speed * (n_frames - 1)  # columns covered from first to last frame
    start = rng.integers(0, size - travel)  # per video, in [0, size - 1 - travel]
    cols = start[:, None] + speed[:, None] * np.arange(n_frames)  # (n, n_frames), left to right
    cols = np.where(y[:, None] == RIGHT_TO_LEFT, size - 1 - cols, cols)
    X = np.zeros((n, n_frames, 1, size, size), dtype=np.float32)
    X[np.arange(n)[:, None], np.arange(n_frames), 0, :, cols] = 1.0
    return X, y
