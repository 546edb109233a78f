"""Token ids -> embeddings -> any sequence network of the registry (for text)."""

from __future__ import annotations

import torch
from torch import nn

from lstmkit.data.tokens import PAD


class Embedded(nn.Module):
    """(batch, time) int ids [+ lengths (batch,)] -> whatever ``network`` returns.

    The embedding of the padding id is fixed at zero; the wrapped network reads packed
    sequences, so padding never changes an output.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, network: nn.Module, dropout: float = 0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        self.dropout = nn.Dropout(dropout)
        self.network = network

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.network(self.dropout(self.embedding(ids)), lengths)  # embedding: (B, T, E)
