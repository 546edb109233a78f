"""Bidirectional LSTM: one LSTM reads forwards, one backwards; their states are merged."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.models.init import check_unpacked, forget_bias, pack

MERGES = ("concat", "sum", "mean")


@dataclass
class BidirectionalConfig:
    n_features: int  # inputs per time step
    n_outputs: int  # values predicted per sequence (or per step, with per_step)
    hidden_size: int = 32  # memory cells in each direction
    merge: str = "concat"  # how the two directions combine: concat, sum or mean
    per_step: bool = False  # predict at every step (batch, time, n_outputs), as Keras's return_sequences

    def __post_init__(self):
        if self.merge not in MERGES:
            from lstmkit.errors import InputError

            raise InputError(f"merge must be one of {', '.join(MERGES)}; received {self.merge!r}")


class BidirectionalLSTM(nn.Module):
    """(batch, time, n_features) -> (batch, n_outputs), or (batch, time, n_outputs) per step.

    Sequence-level outputs read the forward LSTM's state after the last step and the
    backward LSTM's state after the first step (each has then seen the whole sequence).
    """

    def __init__(self, config: BidirectionalConfig):
        super().__init__()
        self.config = config
        self.lstm = forget_bias(nn.LSTM(config.n_features, config.hidden_size, batch_first=True,
                                        bidirectional=True))
        width = 2 * config.hidden_size if config.merge == "concat" else config.hidden_size
        self.head = nn.Linear(width, config.n_outputs)

    def merge(self, forward: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
        if self.config.merge == "concat":
            return torch.cat([forward, backward], dim=-1)
        total = forward + backward
        return total / 2 if self.config.merge == "mean" else total

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """x: (B, T, F); lengths (B,): valid steps of each padded sequence (None: all T)."""
        out, (h, _) = self.lstm(pack(x, lengths))  # out: (B, T, 2H); h: (2, B, H)
        if self.config.per_step:
            check_unpacked(lengths)
            H = self.config.hidden_size
            return self.head(self.merge(out[..., :H], out[..., H:]))  # (B, T, n_outputs)
        return self.head(self.merge(h[0], h[1]))  # (B, n_outputs)
