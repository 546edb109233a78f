"""Sequences of different lengths -> one padded array plus the lengths (batch-first)."""

from __future__ import annotations

import warnings

import numpy as np

from lstmkit.errors import InputError, InputTypeError

_MAX_ABS = 1e15
_WIDE = 10  # a 3-D X read as steps of at least this many times as many channels: refused


def to_array(X, name: str = "X"):
    """A list or tuple as it is; any other array-like (pandas DataFrame, torch tensor, anything
    with ``__array__``) as a numpy array. Sparse matrices are refused in one line."""
    if isinstance(X, (list, tuple, np.ndarray)):
        return X
    if type(X).__module__.startswith("scipy.sparse"):
        raise InputTypeError(f"{name} is a sparse {type(X).__name__}; sparse input is not supported: "
                             f"pass a dense array ({name}.toarray())")
    if hasattr(X, "__array__") or hasattr(X, "to_numpy"):
        return X.to_numpy() if hasattr(X, "to_numpy") else np.asarray(X)
    return X


def as_sequences(X, name: str = "X", channels_first: bool = False) -> list[np.ndarray]:
    """Validate a collection of sequences; return a list of float32 (time, channels) arrays.

    X: a 3-D array (n, time, channels) — or (n, channels, time) with ``channels_first``, the
    layout aeon loads — a 2-D array (n, time) of univariate sequences (as aeon and sktime
    take them), a list of 2-D arrays (time, channels) (or 1-D arrays, one channel) of any
    lengths, or any array-like of these (a pandas DataFrame is (n, time)). Raises one-line
    errors for sparse or complex input, empty sequences, NaN/inf, absurd values, sequences
    whose channel counts differ, and a 3-D X that reads as one-step sequences of several
    channels or as sequences of >= 10 times more channels than steps (``channels_first`` the
    wrong way round); warns when one reads as fewer steps than channels.
    """
    X = to_array(X, name)
    if isinstance(X, np.ndarray) and X.dtype != object:
        _check_real(X, name)
        if X.ndim == 2:
            if X.shape[1] == 0:
                raise InputError(f"{name} has 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                                 "required: each row is a sequence of >= 1 step")
            X = X[:, :, None]  # (n, time): univariate sequences, whatever channels_first says
            channels_first = False
        elif X.ndim == 3:
            _check_layout(X.shape[2:0:-1] if channels_first else X.shape[1:], len(X), name, channels_first)
        else:
            hint = f" (Reshape your data: {name}.reshape(1, -1) if it is one sequence)" if X.ndim == 1 else ""
            raise InputError(f"{name} must be 3-D (n, time, channels), 2-D (n, time) or a list of 2-D "
                             f"sequences; received an array of shape {X.shape}{hint}")
        items = list(X.transpose(0, 2, 1) if channels_first else X)
    elif isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object):
        items = [np.asarray(s) for s in X]
        items = [s[:, None] if s.ndim == 1 else (s.T if channels_first else s) for s in items]
    else:
        raise InputTypeError(f"{name} must be a 3-D or 2-D array or a list of 2-D arrays; received "
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
        _check_real(s, f"{name}[{i}]")
        try:
            s = s.astype(np.float32)
        except (TypeError, ValueError) as e:
            raise InputTypeError(f"{name}[{i}] must hold numbers only ({e})") from None
        if not np.isfinite(s).all():
            raise InputError(f"{name}[{i}] holds NaN or inf; fill or drop missing values first")
        if np.abs(s).max() > _MAX_ABS:
            raise InputError(f"{name}[{i}] holds values up to {np.abs(s).max():.3g}; rescale the data")
        if s.shape[1] != items[0].shape[1]:
            raise InputError(f"{name}[{i}] has {s.shape[1]} channels but {name}[0] has "
                             f"{items[0].shape[1]}; every sequence needs the same channels")
        sequences.append(s)
    return sequences


def columns(X) -> int | None:
    """The columns of a 2-D table ``X`` (its sequences' time steps): a 2-D array-like, or a list
    of equal-length lists of numbers (``X.tolist()``); else None (3-D arrays and lists of
    arrays hold sequences of any lengths)."""
    X = to_array(X)
    if isinstance(X, np.ndarray):
        return X.shape[1] if X.ndim == 2 else None
    rows = isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(s, (list, tuple)) for s in X)
    flat = rows and len({len(s) for s in X}) == 1 and len(X[0]) > 0
    if not flat or isinstance(X[0][0], (list, tuple, np.ndarray)):
        return None
    return len(X[0])


def check_columns(X, fitted: int | None, estimator: str) -> None:
    """A 2-D table ``X`` at predict has the ``fitted`` columns of the 2-D table fitted on (if any)."""
    width = columns(X)
    if width is not None and fitted not in (None, width):
        raise InputError(f"X has {width} features, but {estimator} is expecting {fitted} features as input "
                         "(the time steps of the 2-D X it was fitted on; a 3-D array or a list of "
                         "sequences may have any lengths)")


def _check_real(X: np.ndarray, name: str) -> None:
    if X.dtype.kind == "c":
        raise InputTypeError(f"{name} holds complex numbers (Complex data not supported); pass real values")


def _check_layout(shape: tuple[int, int], n: int, name: str, channels_first: bool) -> None:
    """Refuse a 3-D X whose (time, channels) ``shape`` reads as one step of several channels, or
    as steps with >= ``_WIDE`` times as many channels, and warn when it reads as fewer steps
    than channels: ``channels_first`` is likely the wrong way round (aeon loads (n, channels,
    time); its GunPoint is (50, 1, 150), BasicMotions (40, 6, 100))."""
    steps, channels = shape
    if channels <= steps:
        return
    if steps > 1 and channels < _WIDE * steps:  # (more channels than steps, not by far: say so)
        warnings.warn(f"{name} read as {'(n, channels, time)' if channels_first else '(n, time, channels)'} "
                      f"holds sequences of {steps} steps with {channels} channels; if that is the wrong way "
                      f"round, pass channels_first={not channels_first}", UserWarning, stacklevel=4)
        return
    read = "(n, channels, time)" if channels_first else "(n, time, channels)"
    other = "(n, time, channels)" if channels_first else "(n, channels, time), the layout aeon loads,"
    length = "1 step" if steps == 1 else f"{steps} steps"
    raise InputError(f"{name} read as {read} holds {n} sequences of {length} with {channels} "
                     f"channels; if it is {other} pass channels_first={not channels_first} (sequences "
                     "that truly have that many channels: pass a list of (time, channels) arrays)")


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
