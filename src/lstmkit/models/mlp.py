"""Windowed MLP: the sliding-window network the tutorial compares LSTMs against.

The whole input window is flattened and read by fully connected ReLU layers; there is no
notion of time order beyond the positions of the flattened inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class MLPConfig:
    n_features: int  # inputs per time step
    n_outputs: int  # values predicted per window
    n_steps: int  # window length (time steps); the first layer reads n_steps * n_features
    hidden_size: int = 64  # units per hidden layer
    n_layers: int = 2  # hidden layers
    dropout: float = 0.0  # dropout after each hidden layer


class MLP(nn.Module):
    """(batch, n_steps, n_features) -> (batch, n_outputs)."""

    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        layers, width = [], config.n_steps * config.n_features
        for _ in range(config.n_layers):
            layers += [nn.Linear(width, config.hidden_size), nn.ReLU(), nn.Dropout(config.dropout)]
            width = config.hidden_size
        layers.append(nn.Linear(width, config.n_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))
