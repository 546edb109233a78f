"""The language model's batch source: windows of the token stream, inputs and next-token
targets (``SequenceGenerator`` trains through them with the one training loop)."""

from __future__ import annotations

import torch
from torch.nn import functional as F


class TokenWindows:
    """Windows of ``context + 1`` tokens of ``data``, split into inputs and targets shifted
    by one, as ``train`` reads batches (``len``, ``draw``, ``batch(rows)``).

    Without ``starts``: ``n_windows`` windows per epoch, each batch at fresh random places of
    the first ``n_train`` tokens, drawn from torch's global generator (which the fit seeds
    and training checkpoints save). With ``starts``: the windows at those positions
    (validation), the same every time."""

    def __init__(self, data: torch.Tensor, n_train: int, context: int, n_windows: int = 0,
                 starts: torch.Tensor | None = None):
        self.data, self.n_train, self.starts = data, n_train, starts
        self.n_windows = n_windows if starts is None else len(starts)
        self.offsets = torch.arange(context + 1, device=data.device)

    def __len__(self) -> int:
        return self.n_windows

    def draw(self, generator: torch.Generator) -> TokenWindows:
        return self  # the random starts are drawn batch by batch

    def batch(self, rows: slice) -> tuple[torch.Tensor, torch.Tensor]:
        if self.starts is not None:
            starts = self.starts[rows]
        else:
            n = len(range(*rows.indices(self.n_windows)))
            starts = torch.randint(0, self.n_train - len(self.offsets) + 1, (n,)).to(self.data.device)
        windows = self.data[starts[:, None] + self.offsets]
        return windows[:, :-1], windows[:, 1:]


def next_token_loss(output: tuple[torch.Tensor, object], targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the network's logits (its output's first item) against the next tokens."""
    return F.cross_entropy(output[0].flatten(0, 1).float(), targets.flatten())
