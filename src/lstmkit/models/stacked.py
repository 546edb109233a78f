"""Stacked LSTM: several LSTM layers with dropout between them, then a linear head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.models.init import forget_bias, pack


@dataclass
class StackedConfig:
    n_features: int  # inputs per time step
    n_outputs: int  # values predicted per sequence
    hidden_size: int = 32  # LSTM memory cells per layer
    n_layers: int = 2  # LSTM layers, each reading the full output sequence of the one below
    dropout: float = 0.0  # dropout between LSTM layers (not after the last)


class StackedLSTM(nn.Module):
    """(batch, time, n_features) -> (batch, n_outputs)."""

    def __init__(self, config: StackedConfig):
        super().__init__()
        self.config = config
        self.lstm = forget_bias(nn.LSTM(
            config.n_features,
            config.hidden_size,
            num_layers=config.n_layers,
            dropout=config.dropout if config.n_layers > 1 else 0.0,
            batch_first=True,
        ))
        self.head = nn.Linear(config.hidden_size, config.n_outputs)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """x: (B, T, F); lengths (B,): valid steps of each padded sequence (None: all T)."""
        _, (h, _) = self.lstm(pack(x, lengths))  # h: (n_layers, B, H), at each sequence's last step
        return self.head(h[-1])  # (B, n_outputs)
