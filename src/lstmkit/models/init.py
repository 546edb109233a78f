"""What the LSTM networks share: initialisation and packing of padded sequences."""

from __future__ import annotations

import math

import torch
from torch import nn


@torch.no_grad()
def forget_bias(lstm: nn.LSTM | nn.LSTMCell, value: float = 1.0) -> nn.LSTM | nn.LSTMCell:
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


@torch.no_grad()
def chrono(lstm: nn.LSTM, steps: float) -> nn.LSTM:
    """Chrono initialisation (Tallec & Ollivier 2018) for memories of about ``steps`` steps.

    Forget-gate bias ``log(steps)`` and input-gate bias ``-log(steps)``: the cell starts
    out keeping what it holds for about ``steps`` steps and letting little in, so the
    gradient of an early input survives a long sequence. A constant version of the
    paper's ``log(U(1, steps - 1))``.
    """
    b = math.log(max(float(steps), math.e))
    forget_bias(lstm, b)
    h = lstm.hidden_size
    for name, bias in lstm.named_parameters():
        if name.startswith("bias_ih"):
            bias[:h].fill_(-b)
        elif name.startswith("bias_hh"):
            bias[:h].zero_()
    return lstm


def pack(x: torch.Tensor, lengths: torch.Tensor | None):
    """Padded (B, T, F) + lengths (B,) -> a PackedSequence the LSTM reads without the padding.

    With packing, the final states are those at each sequence's own last step, so padding
    never changes a sequence-level output. ``lengths=None`` passes ``x`` through.
    """
    if lengths is None:
        return x
    return nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)


def check_unpacked(lengths: torch.Tensor | None) -> None:
    if lengths is not None:
        from lstmkit.errors import InputError

        raise InputError("per_step outputs need equal-length sequences; received lengths")
