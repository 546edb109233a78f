"""Generative LSTM: predicts a Gaussian over the next step's values at every step.

Trained with teacher forcing (the true previous step is the input); generates by sampling
one step at a time and feeding the sample back in, as in Graves (2013), "Generating
sequences with recurrent neural networks", with one diagonal Gaussian per step instead of
his mixture of bivariate Gaussians.

The head's ``n_outputs`` values are the means of the ``n_outputs // 2`` predicted values,
then their log standard deviations (kept above ``MIN_LOG_STD`` by a soft floor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from lstmkit.errors import InputError
from lstmkit.models.init import forget_bias

MIN_LOG_STD = -6.0  # soft floor on log standard deviations (std >= 0.0025): keeps the loss finite

State = tuple[torch.Tensor, torch.Tensor]


@dataclass
class GenerativeConfig:
    n_features: int  # inputs per time step (the previous step's values plus any flag channels)
    n_outputs: int  # 2 x values predicted per step: their means, then their log-stds
    hidden_size: int = 32  # LSTM memory cells per layer
    n_layers: int = 1  # stacked LSTM layers

    def __post_init__(self):
        if self.n_outputs < 2 or self.n_outputs % 2:
            raise InputError(
                f"n_outputs must be an even number >= 2 (a mean and a log-std per value); "
                f"received {self.n_outputs!r}"
            )


class GenerativeLSTM(nn.Module):
    """(batch, time, n_features) -> (batch, time, n_outputs): next-step Gaussian at every step."""

    def __init__(self, config: GenerativeConfig):
        super().__init__()
        self.config = config
        self.lstm = forget_bias(nn.LSTM(config.n_features, config.hidden_size,
                                        num_layers=config.n_layers, batch_first=True))
        self.head = nn.Linear(config.hidden_size, config.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(x)  # (B, T, H)
        return self._distribution(self.head(h))  # (B, T, n_outputs)

    def step(self, x_t: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """One step for sampling: x_t (B, n_features) -> output (B, n_outputs), new state.

        ``state`` is None at the first step, then what the previous call returned.
        """
        h, state = self.lstm(x_t.unsqueeze(1), state)  # h: (B, 1, H)
        return self._distribution(self.head(h[:, 0])), state  # (B, n_outputs)

    @staticmethod
    def _distribution(raw: torch.Tensor) -> torch.Tensor:
        mean, raw_log_std = raw.chunk(2, dim=-1)
        log_std = MIN_LOG_STD + F.softplus(raw_log_std - MIN_LOG_STD)  # ~identity above -3
        return torch.cat([mean, log_std], dim=-1)


def gaussian_nll(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood per value of ``target`` (..., d) under ``output`` (..., 2d)."""
    mean, log_std = output.chunk(2, dim=-1)
    z = (target - mean) * torch.exp(-log_std)
    return (log_std + 0.5 * z.square()).mean() + 0.5 * math.log(2 * math.pi)


def sample(output: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Draw values (..., d) from ``output`` (..., 2d); temperature scales the std (0: the mean).

    Uses torch's global generator: wrap in ``lstmkit.seeding.seeded`` for repeatable draws.
    """
    mean, log_std = output.chunk(2, dim=-1)
    return mean + temperature * torch.exp(log_std) * torch.randn_like(mean)
