"""Sequences of different lengths -> one padded array plus the lengths (batch-first)."""

from __future__ import annotations

import numpy as np

from lstmkit.errors import InputError, InputTypeError

_MAX_ABS = 1e15


def as_sequences(X, name: str = "X", channels_first: bool = False) -> list[np.ndarray]:
    """Validate a collection of sequences; return a list of float32 (time, channels) arrays.

    X: a 3-D array (n, time, channels) — or (n, channels, time) with ``channels_first``, the
    layout aeon loads — or a list of 2-D arrays (time, channels) (or 1-D arrays, one channel)
    of any lengths. Raises one-line errors for empty sequences, NaN/inf, absurd values and
    sequences whose channel counts differ.
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 3:
            raise InputError(f"{name} must be 3-D (n, time, channels) or a list of 2-D sequences; "
                             f"received an array of shape {X.shape}")
        items = list(X.transpose(0, 2, 1) if channels_first else X)
    elif isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object):
        items = [np.asarray(s) for s in X]
        items = [s[:, None] if s.ndim == 1 else (s.T if channels_first else s) for s in items]
    else:
        raise InputTypeError(f"{name} must be a 3-D array or a list of 2-D arrays; received "
                             f"{type(X).__name__}")
    if not items:
        raise InputError(f"{name} holds no sequences")
    sequences = []
    for i, s in enumerate(items):
        if s.ndim != 2:
            raise InputError(f"{name}[{i}] must be 2-D (time, channels); received shape {s.shape}")
        if len(s) == 0:
            raise InputError(f"{name}[{i}] is an empty sequence; every sequence needs >= 1 step")
        if s.shape[1] == 0:
            raise InputError(f"{name}[{i}] has 0 channels; every sequence needs >= 1 channel")
        try:
            s = s.astype(np.float32)
        except (TypeError, ValueError):
            raise InputTypeError(f"{name}[{i}] must hold numbers only") from None
        if not np.isfinite(s).all():
            raise InputError(f"{name}[{i}] holds NaN or inf; fill or drop missing values first")
        if np.abs(s).max() > _MAX_ABS:
            raise InputError(f"{name}[{i}] holds values up to {np.abs(s).max():.3g}; rescale the data")
        if s.shape[1] != items[0].shape[1]:
            raise InputError(f"{name}[{i}] has {s.shape[1]} channels but {name}[0] has "
                             f"{items[0].shape[1]}; every sequence needs the same channels")
        sequences.append(s)
    return sequences


def pad_sequences(sequences: list[np.ndarray], value: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(time_i, channels) arrays -> padded (n, max time, channels) float32 and lengths (n,) int64.

    >>> x, lengths = pad_sequences([np.ones((2, 1)), np.ones((3, 1))])
    >>> x.shape, lengths.tolist()
    ((2, 3, 1), [2, 3])
    """
    from lstmkit.memory import check_fits, padded_bytes

    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    shape = (len(sequences), int(lengths.max()), sequences[0].shape[1])
    check_fits(padded_bytes(*shape), f"padding {shape[0]:,} sequences to the longest ({shape[1]:,} steps)",
               "shorten or split the longest sequences, or pass fewer at a time")
    out = np.full(shape, value, dtype=np.float32)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return out, lengths
