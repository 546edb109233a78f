"""Encoder-decoder LSTM with covariates: the future covariates are fed to the decoder.

An encoder LSTM reads the past (the series and its per-step covariates); a decoder LSTM
cell starts from its final state and writes one value per future step, reading the value
it wrote at the step before (the first step reads the window's last value), that step's
future covariates and the static features. As in ``CovariateLSTM``, a linear map from each
step's future covariates is added to that step's output, so an additive effect (a
promotion's lift) needs no hidden unit. The decoder runs free in training, as at
prediction time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.models.init import forget_bias


@dataclass
class CovariateSeq2SeqConfig:
    n_features: int  # inputs per past step (channel 0 is the value the decoder continues)
    n_outputs: int  # the horizon: one value per future step
    hidden_size: int = 32  # LSTM memory cells of the encoder and the decoder
    n_future: int = 0  # covariates known over the horizon (per step), read by the decoder
    n_static: int = 0  # static features per series, read at every decoder step
    dropout: float = 0.0  # on the decoder's state before the output layer


class CovariateSeq2Seq(nn.Module):
    """(x (B, T, n_features), future (B, n_outputs, n_future), static (B, n_static)) -> (B, n_outputs)."""

    def __init__(self, config: CovariateSeq2SeqConfig):
        super().__init__()
        self.config = config
        self.encoder = forget_bias(nn.LSTM(config.n_features, config.hidden_size, batch_first=True))
        self.decoder = forget_bias(nn.LSTMCell(1 + config.n_future + config.n_static, config.hidden_size))
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, 1)
        self.future = nn.Linear(config.n_future, 1) if config.n_future else None

    def forward(self, x: torch.Tensor, future: torch.Tensor, static: torch.Tensor) -> torch.Tensor:
        _, (h, c) = self.encoder(x)
        h, c = h[-1], c[-1]
        value, outputs = x[:, -1, :1], []
        for step in range(self.config.n_outputs):
            h, c = self.decoder(torch.cat([value, future[:, step], static], dim=1), (h, c))
            out = self.head(self.dropout(h))
            if self.future is not None:
                out = out + self.future(future[:, step])
            outputs.append(out)
            value = out
        return torch.cat(outputs, dim=1)
