"""The addition problem: read "12+345", write "357" (Zaremba & Sutskever 2014; Keras's addition RNN).

Strings become int arrays over one fixed character vocabulary (``VOCABULARY``: padding,
start, end, the ten digits and "+"); ``encode`` pads them to a fixed length and ``decode``
turns predicted ids back into strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lstmkit.errors import InputError, check_positive_int

VOCABULARY = ("<pad>", "<start>", "<end>", *"0123456789", "+")
PAD, START, END = 0, 1, 2
_ID = {token: i for i, token in enumerate(VOCABULARY)}
MAX_DIGITS = 9  # sums stay exact in int64 for any sane number of terms


def addition(n: int, n_terms: int = 2, digits: int = 3, rng=None) -> tuple[list[str], list[str]]:
    """``n`` random sums of ``n_terms`` terms, each uniform in [0, 10**digits) (so 1..digits digits).

    Returns ``(sources, targets)``, two lists of n strings: ``"12+345"`` -> ``"357"``.
    """
    n = check_positive_int("n", n)
    n_terms = check_positive_int("n_terms", n_terms)
    digits = check_digits(digits)
    values = np.random.default_rng(rng).integers(0, 10**digits, size=(n, n_terms))  # (n, n_terms)
    sources = ["+".join(map(str, row)) for row in values.tolist()]
    targets = [str(total) for total in values.sum(axis=1).tolist()]
    return sources, targets


def check_digits(digits) -> int:
    """``digits`` as an int in [1, MAX_DIGITS], or a one-line InputError."""
    value = check_positive_int("digits", digits)
    if value > MAX_DIGITS:
        raise InputError(f"digits must be an integer in [1, {MAX_DIGITS}]; received {digits!r}")
    return value


def max_lengths(n_terms: int, digits: int) -> tuple[int, int]:
    """(longest source, longest answer) in characters for these settings."""
    return n_terms * (digits + 1) - 1, len(str(n_terms * (10**digits - 1)))


def encode(
    strings: Sequence[str],
    length: int,
    reverse: bool = False,
    pad_left: bool = False,
    start: bool = False,
    end: bool = False,
) -> np.ndarray:
    """Strings -> ids (n, length) int64, padded with PAD; a string that does not fit raises.

    ``reverse`` reverses each string's characters (Sutskever et al. 2014's trick for
    sources); ``pad_left`` puts the padding first (so an encoder ends on real input);
    ``start`` / ``end`` add the START / END tokens around the string.
    """
    ids = np.full((len(strings), length), PAD, dtype=np.int64)
    for row, text in enumerate(strings):
        chars = text[::-1] if reverse else text
        try:
            tokens = [START] * start + [_ID[ch] for ch in chars] + [END] * end
        except KeyError as missing:
            raise InputError(f"strings may hold only digits and '+'; received {text!r} "
                             f"with {missing.args[0]!r}") from None
        if len(tokens) > length:
            raise InputError(f"{text!r} needs {len(tokens)} tokens; length is {length}")
        if pad_left:
            ids[row, length - len(tokens):] = tokens
        else:
            ids[row, : len(tokens)] = tokens
    return ids


def decode(ids: np.ndarray) -> list[str]:
    """Ids (n, T) -> n strings: characters up to the first END; PAD and START are skipped."""
    strings = []
    for row in np.asarray(ids).tolist():
        chars = []
        for token in row:
            if token == END:
                break
            if token not in (PAD, START):
                chars.append(VOCABULARY[token])
        strings.append("".join(chars))
    return strings
