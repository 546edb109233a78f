"""A plain (Elman, tanh) RNN with the vanilla LSTM's interface: the baseline LSTMs must beat."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class RNNConfig:
    n_features: int  # inputs per time step
    n_outputs: int  # values predicted per sequence
    hidden_size: int = 32  # recurrent units


class PlainRNN(nn.Module):
    """(batch, time, n_features) -> (batch, n_outputs)."""

    def __init__(self, config: RNNConfig):
        super().__init__()
        self.config = config
        self.rnn = nn.RNN(config.n_features, config.hidden_size, batch_first=True)
        self.head = nn.Linear(config.hidden_size, config.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h = self.rnn(x)  # h: (1, B, H)
        return self.head(h[-1])  # (B, n_outputs)
