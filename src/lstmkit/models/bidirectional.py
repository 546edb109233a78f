"""Bidirectional LSTM: one LSTM reads forwards, one backwards; their states are merged."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.models.init import check_unpacked, forget_bias, pack

MERGES = ("concat", "sum", "mean")
POOLS = ("last", "max", "mean-max")


@dataclass
class BidirectionalConfig:
    n_features: int  # inputs per time step
    n_outputs: int  # values predicted per sequence (or per step, with per_step)
    hidden_size: int = 32  # memory cells in each direction
    merge: str = "concat"  # how the two directions combine: concat, sum or mean
    per_step: bool = False  # predict at every step (batch, time, n_outputs), as Keras's return_sequences
    # what a sequence-level output reads: "last" (each direction's final state), "max" (the
    # element-wise max of the merged outputs over valid steps) or "mean-max" (mean and max, concatenated)
    pool: str = "last"

    def __post_init__(self):
        from lstmkit.errors import InputError

        for name, allowed in (("merge", MERGES), ("pool", POOLS)):
            value = getattr(self, name)
            if value not in allowed:
                raise InputError(f"{name} must be one of {', '.join(allowed)}; received {value!r}")


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
        if config.pool == "mean-max" and not config.per_step:
            width *= 2
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
        if self.config.pool == "last":
            return self.head(self.merge(h[0], h[1]))  # (B, n_outputs)
        if lengths is not None:
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        H = self.config.hidden_size
        steps = self.merge(out[..., :H], out[..., H:])  # (B, T, width)
        valid = torch.ones(steps.shape[:2], dtype=torch.bool, device=x.device) if lengths is None else (
            torch.arange(steps.shape[1], device=x.device)[None, :] < lengths.to(x.device)[:, None])
        pooled = steps.masked_fill(~valid[..., None], float("-inf")).amax(dim=1)  # padding never wins
        if self.config.pool == "mean-max":
            mean = (steps * valid[..., None]).sum(dim=1) / valid.sum(dim=1, keepdim=True)
            pooled = torch.cat([mean, pooled], dim=-1)
        return self.head(pooled)  # (B, n_outputs)
