"""Encoder-decoder LSTM on real values: the multi-step forecaster's seq2seq strategy.

An encoder LSTM reads the input window; a decoder LSTM cell starts from the encoder's
final state and writes one value per output step, reading the value it wrote at the step
before (the first step reads the window's last value). Training runs the decoder free, on
its own outputs, exactly as at prediction time, so there is no exposure bias.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.models.init import forget_bias


@dataclass
class Seq2SeqRegressorConfig:
    n_features: int  # inputs per time step (channel 0 is the value the decoder continues)
    n_outputs: int  # output steps
    hidden_size: int = 32  # LSTM memory cells of the encoder and the decoder


class Seq2SeqRegressor(nn.Module):
    """(batch, time, n_features) -> (batch, n_outputs)."""

    def __init__(self, config: Seq2SeqRegressorConfig):
        super().__init__()
        self.config = config
        self.encoder = forget_bias(nn.LSTM(config.n_features, config.hidden_size, batch_first=True))
        self.decoder = forget_bias(nn.LSTMCell(1, config.hidden_size))
        self.head = nn.Linear(config.hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, c) = self.encoder(x)
        h, c = h[-1], c[-1]
        value, outputs = x[:, -1, :1], []
        for _ in range(self.config.n_outputs):
            h, c = self.decoder(value, (h, c))
            value = self.head(h)
            outputs.append(value)
        return torch.cat(outputs, dim=1)
