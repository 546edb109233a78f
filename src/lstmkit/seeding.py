"""Seeded, side-effect-free randomness for model initialisation and training."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

from lstmkit.errors import InputTypeError


def resolve_seed(random_state) -> int:
    """An int seed from ``random_state`` (None draws a fresh one, as scikit-learn does)."""
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state) % (2**31 - 1)
    raise InputTypeError(f"random_state must be None or an int; received {random_state!r}")


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Seed torch inside the block and restore the caller's RNG state afterwards."""
    devices = [device] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
