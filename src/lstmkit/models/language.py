"""Language-model LSTM: token ids in, next-token logits out at every step.

Embedding -> n stacked LSTM layers (dropout on the embeddings, between layers and on the
top layer's output) -> a linear layer over the vocabulary. ``forward`` takes and returns the
LSTM state, so a long text can be read in chunks; ``step`` feeds one token at a time for
sampling: each new token costs one step, never a re-read of the prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lstmkit.errors import InputError
from lstmkit.models.init import forget_bias

State = tuple[torch.Tensor, torch.Tensor]
_CELL_WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # of each nn.LSTM layer


@dataclass
class LanguageConfig:
    vocab_size: int  # token ids are 0 .. vocab_size - 1
    embedding_dim: int = 64  # size of each token's vector
    hidden_size: int = 256  # LSTM memory cells per layer
    n_layers: int = 1  # stacked LSTM layers
    dropout: float = 0.0  # on embeddings, between layers and before the output layer

    def __post_init__(self):
        if not 0.0 <= self.dropout < 1.0:
            raise InputError(f"dropout must be in [0, 1); received {self.dropout!r}")


class LanguageLSTM(nn.Module):
    """ids (batch, time) [+ state] -> logits (batch, time, vocab_size), new state."""

    def __init__(self, config: LanguageConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = forget_bias(nn.LSTM(config.embedding_dim, config.hidden_size,
                                        num_layers=config.n_layers, batch_first=True,
                                        dropout=config.dropout if config.n_layers > 1 else 0.0))
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """``state``: None (zeros) or what the previous call returned, to continue a text."""
        h, state = self.lstm(self.dropout(self.embedding(ids)), state)
        return self.head(self.dropout(h)), state

    def step(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """One token per sequence, ids (batch,) -> logits (batch, vocab_size), new state.

        The same computation as ``forward`` on one time step (in eval mode: no dropout), cell
        by cell: on CPU, oneDNN's LSTM behind ``forward`` takes about 6x longer for a single
        step (it is built for long sequences).
        """
        x = self.embedding(ids)
        if state is None:
            zeros = x.new_zeros(self.config.n_layers, len(ids), self.config.hidden_size)
            state = (zeros, zeros)
        hs, cs = [], []
        for k in range(self.config.n_layers):
            weights = [getattr(self.lstm, f"{name}_l{k}") for name in _CELL_WEIGHTS]
            h, c = torch.lstm_cell(x, (state[0][k], state[1][k]), *weights)
            hs.append(h)
            cs.append(c)
            x = h
        return self.head(x), (torch.stack(hs), torch.stack(cs))
