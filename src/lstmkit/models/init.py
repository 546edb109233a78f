"""Initialisation shared by the networks."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def forget_bias(lstm: nn.LSTM, value: float = 1.0) -> nn.LSTM:
    """Start every forget gate at bias ``value`` so that memory is kept by default.

    Jozefowicz et al. (2015); Keras's ``unit_forget_bias=True``. Torch's gate order is
    (input, forget, cell, output) and it adds two biases, so the forget slice of ``bias_ih``
    is set to ``value`` and that of ``bias_hh`` to zero.
    """
    h = lstm.hidden_size
    for name, bias in lstm.named_parameters():
        if name.startswith("bias_ih"):
            bias[h : 2 * h].fill_(value)
        elif name.startswith("bias_hh"):
            bias[h : 2 * h].zero_()
    return lstm
