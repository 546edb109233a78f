"""Scaling fit on training data only.

``DiffScaler`` is what the Forecaster uses. A series ``y`` is mapped to what the network
sees in two steps, both learned from the training series alone:

1. ``z = log(y)`` (optional) or ``z = y``;
2. ``d[t] = (z[t] - z[t - lag]) / scale``: a difference at ``lag`` (the season length
   removes seasonality and level at once, as SARIMA's seasonal differencing does; lag 1
   removes the level) divided by one scale, the spread of those differences in training.
   ``lag=0`` standardises instead: ``d[t] = (z[t] - mean) / scale``.

Differenced windows look the same at any level, so the network can forecast values it
never saw in training, which MinMax scaling of raw values cannot do. ``decode`` inverts
step 2 for one new value: ``z[t] = z[t - lag] + d[t] * scale``.
"""

from __future__ import annotations

import numpy as np

from lstmkit.errors import InputError, check_positive_int


class DiffScaler:
    """Optional log, then differences at ``lag`` (or standardisation for lag 0), scaled.

    >>> s = DiffScaler(lag=1).fit(np.array([1.0, 2.0, 4.0, 7.0]))
    >>> d = s.encode(np.array([1.0, 2.0, 4.0, 7.0]))
    >>> s.decode(np.array([[4.0]]), d[-1:][None]).tolist()
    [[7.0]]
    """

    def __init__(self, log: bool = False, lag: int = 1):
        self.log = log
        self.lag = lag

    def fit(self, values: np.ndarray) -> DiffScaler:
        values = np.asarray(values, dtype=np.float64)
        check_positive_int("lag", self.lag, minimum=0)
        if self.log and (values <= 0).any():
            raise InputError(
                f"transform='log' needs positive values; the training series has minimum "
                f"{values.min():g} (use transform='none')"
            )
        if len(values) <= self.lag + 1:
            raise InputError(
                f"the series has {len(values)} values; differencing at lag {self.lag} needs "
                f"at least {self.lag + 2}"
            )
        z = self.transform(values)
        self.mean_ = float(z.mean())
        self.scale_ = 1.0
        spread = float(np.std(self.difference(z)))
        level = float(np.abs(z).mean()) or 1.0
        # A constant series has no spread: fall back to its level so we never divide by 0.
        self.scale_ = spread if spread > 1e-8 * level else level
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Raw values -> z (log or identity), same shape."""
        values = np.asarray(values, dtype=np.float64)
        if self.log and (values <= 0).any():
            raise InputError(f"transform='log' needs positive values; y has minimum {values.min():g}")
        return np.log(values) if self.log else values

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) if self.log else z

    def difference(self, z: np.ndarray) -> np.ndarray:
        """z (..., time) -> scaled differences (..., time - lag)."""
        d = z - self.mean_ if self.lag == 0 else z[..., self.lag :] - z[..., : -self.lag]
        return d / self.scale_

    def encode(self, values: np.ndarray) -> np.ndarray:
        """Raw values (..., time) -> network inputs (..., time - lag); d[i] belongs to time i + lag."""
        return self.difference(self.transform(values))

    def decode(self, z_history: np.ndarray, d_next: np.ndarray) -> np.ndarray:
        """z of the next step from z histories (m, >= lag) and network outputs (m, 1)."""
        base = self.mean_ if self.lag == 0 else z_history[:, -self.lag :][:, :1]
        return base + d_next * self.scale_

    def to_dict(self) -> dict:
        return {"log": self.log, "lag": self.lag, "mean": self.mean_, "scale": self.scale_}

    @classmethod
    def from_dict(cls, state: dict) -> DiffScaler:
        """The fitted scaler that ``to_dict`` described."""
        scaler = cls(log=bool(state["log"]), lag=int(state["lag"]))
        scaler.mean_, scaler.scale_ = float(state["mean"]), float(state["scale"])
        mean, scale = scaler.mean_, scaler.scale_
        if not (np.isfinite(mean) and np.isfinite(scale) and scale > 0 and scaler.lag >= 0):
            raise ValueError(f"scaler mean {mean!r}, scale {scale!r}, lag {scaler.lag!r}: the scale must be "
                             "finite and positive, the lag >= 0")
        return scaler
