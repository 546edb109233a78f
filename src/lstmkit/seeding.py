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


def network_seed(seed: int, k: int) -> int:
    """The seed of network ``k`` of a fit seeded ``seed``: ``seed`` itself for the first, and for
    the others a number drawn from (seed, k), so the networks of different seeds never coincide
    (``seed + k`` made network 1 of seed 0 the same as network 0 of seed 1)."""
    if k == 0:
        return seed
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0]) % (2**31 - 1)


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Seed torch inside the block and restore the caller's RNG state afterwards."""
    devices = [device] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
