"""LSTM with covariates: an LSTM reads the past (the series and its covariates); its last
state, the future covariates over the horizon and the static features feed the head.

The head is an MLP plus a linear map from the future covariates straight to the outputs,
so an additive effect (a promotion that lifts sales by a share) needs no hidden unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.models.init import forget_bias


@dataclass
class CovariateLSTMConfig:
    n_features: int  # inputs per past step: the series' channels and its per-step covariates
    n_outputs: int  # the horizon: one value per future step
    hidden_size: int = 32  # LSTM memory cells
    n_layers: int = 1  # stacked LSTM layers
    bidirectional: bool = False  # read the past both ways
    n_future: int = 0  # covariates known over the horizon (per step)
    n_static: int = 0  # static features per series
    dropout: float = 0.0  # between LSTM layers and in the head


class CovariateLSTM(nn.Module):
    """(x (B, T, n_features), future (B, n_outputs, n_future), static (B, n_static)) -> (B, n_outputs)."""

    def __init__(self, config: CovariateLSTMConfig):
        super().__init__()
        self.config = config
        self.lstm = forget_bias(nn.LSTM(config.n_features, config.hidden_size, num_layers=config.n_layers,
                                        batch_first=True, bidirectional=config.bidirectional,
                                        dropout=config.dropout if config.n_layers > 1 else 0.0))
        state = config.hidden_size * (2 if config.bidirectional else 1)
        known = config.n_outputs * config.n_future + config.n_static
        self.head = nn.Sequential(nn.Linear(state + known, config.hidden_size), nn.ReLU(),
                                  nn.Dropout(config.dropout), nn.Linear(config.hidden_size, config.n_outputs))
        self.future = nn.Linear(config.n_future, 1) if config.n_future else None

    def forward(self, x: torch.Tensor, future: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(x)
        last = torch.cat([h[-2], h[-1]], dim=1) if self.config.bidirectional else h[-1]
        out = self.head(torch.cat([last, future.flatten(1), static], dim=1))
        if self.future is not None:
            out = out + self.future(future).squeeze(-1)
        return out
