"""Damped sine waves with random period, phase and decay: forecast the next steps."""

from __future__ import annotations

import numpy as np

from lstmkit.errors import check_positive_int


def damped_sine(n: int, length: int = 50, horizon: int = 5, rng=None):
    """``n`` waves ``sin(2*pi*t/period + phase) * exp(-decay*t)`` sampled at t = 0..length+horizon-1.

    period ~ U(10, 30), phase ~ U(0, 2*pi), decay ~ U(0.005, 0.05). Returns ``X`` (n, length, 1)
    float32 and ``y`` (n, horizon) float32: the next ``horizon`` values of each wave.
    """
    n = check_positive_int("n", n)
    length = check_positive_int("length", length)
    horizon = check_positive_int("horizon", horizon)
    rng = np.random.default_rng(rng)
    t = np.arange(length + horizon)[None, :]
    period = rng.uniform(10, 30, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    decay = rng.uniform(0.005, 0.05, (n, 1))
    waves = (np.sin(2 * np.pi * t / period + phase) * np.exp(-decay * t)).astype(np.float32)
    return waves[:, :length, None], waves[:, length:]
