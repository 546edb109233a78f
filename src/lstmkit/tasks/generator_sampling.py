"""How SequenceGenerator.sample draws each token: logits at a temperature, stable at any
positive one, and a bound on how long a sample may take (judged on its first second).

Why a measured bound rather than a lower ``LIMITS['n_tokens']``: the pace differs by
orders of magnitude between a 16-unit model (about 50 us a token) and a 4-layer 1024-unit
one, so a token count that is quick for one is an hour for the other.
"""

from __future__ import annotations

import math
import time

import torch

from lstmkit.errors import LIMITS, InputError
from lstmkit.pace import minutes

PACE_PROBE_SECONDS = 1.0  # sampling time after which its pace is judged (SamplingPace)


def scaled(scores: torch.Tensor, temperature: float) -> torch.Tensor:
    """Logits over ``temperature``, the best token at 0 (no overflow). Below float32's smallest
    normal number (where ``temperature`` would round to 0 and 0 / 0 give NaN) the limit as the
    temperature goes to 0: greedy, ties shared."""
    scores = scores - scores.max()
    if temperature < torch.finfo(scores.dtype).tiny:
        return torch.where(scores == 0, 0.0, -math.inf)
    return scores / temperature


class SamplingPace:
    """Refuse, after the first ``PACE_PROBE_SECONDS`` of sampling, a ``sample`` whose pace so
    far puts it above ``LIMITS['sample_seconds']`` (one line naming n_tokens; the tokens
    sampled so far are dropped)."""

    def __init__(self, n_tokens: int):
        self.n_tokens, self.start, self.judged = n_tokens, time.perf_counter(), False

    def token(self, i: int) -> None:
        if self.judged or i % 64 or not i:
            return
        elapsed = time.perf_counter() - self.start
        if elapsed < PACE_PROBE_SECONDS:
            return
        self.judged = True
        total, limit = elapsed / i * self.n_tokens, LIMITS["sample_seconds"]
        if total > limit:
            within = int(limit / elapsed * i)
            raise InputError(f"n_tokens {self.n_tokens:,} would take about {minutes(total)} to sample "
                             f"at this model's pace ({elapsed / i * 1e6:.0f} us a token over the first "
                             f"{i:,}), above the {minutes(limit)} allowed; ask for at most about "
                             f"{within:,} tokens, or raise lstmkit.errors.LIMITS['sample_seconds'] on "
                             "purpose")
