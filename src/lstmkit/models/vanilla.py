"""Vanilla LSTM: one LSTM layer, then a linear head on the last hidden state."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.models.init import check_unpacked, chrono, forget_bias, pack


@dataclass
class VanillaConfig:
    n_features: int  # inputs per time step
    n_outputs: int  # values predicted per sequence
    hidden_size: int = 32  # LSTM memory cells
    per_step: bool = False  # predict at every step (batch, time, n_outputs), as Keras's return_sequences
    memory_steps: int | None = None  # chrono initialisation for memories this long; None: forget bias 1


class VanillaLSTM(nn.Module):
    """(batch, time, n_features) -> (batch, n_outputs), or (batch, time, n_outputs) per step."""

    def __init__(self, config: VanillaConfig):
        super().__init__()
        self.config = config
        lstm = nn.LSTM(config.n_features, config.hidden_size, batch_first=True)
        self.lstm = forget_bias(lstm) if config.memory_steps is None else chrono(lstm, config.memory_steps)
        self.head = nn.Linear(config.hidden_size, config.n_outputs)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """x: (B, T, F); lengths (B,): valid steps of each padded sequence (None: all T)."""
        out, (h, _) = self.lstm(pack(x, lengths))  # out: (B, T, H); h: (1, B, H)
        if self.config.per_step:
            check_unpacked(lengths)
            return self.head(out)  # (B, T, n_outputs)
        return self.head(h[-1])  # (B, n_outputs)
