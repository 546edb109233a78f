"""Text -> token ids: a tokenizer, a vocabulary built from training texts.

Token id 0 is padding and 1 stands for any token the vocabulary does not hold (unseen in
training, or too rare), so new text never crashes a model.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from lstmkit.errors import InputError, InputTypeError, check_choice

PAD, UNK = 0, 1
LEVELS = ("word", "char")
_URL = re.compile(r"https?://\S+|www\.\S+")
_USER = re.compile(r"@\w+")
_WORD = re.compile(r"<url>|<user>|[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(text: str, level: str = "word") -> list[str]:
    """Lower-cased tokens. Words: links become "<url>", @names "<user>", punctuation and
    symbols are tokens of their own ("#", "!"). Characters: every character, as written.

    >>> tokenize("@united Great, thanks!! http://t.co/x")
    ['<user>', 'great', ',', 'thanks', '!', '!', '<url>']
    """
    if level == "char":
        return list(text)
    text = _USER.sub(" <user> ", _URL.sub(" <url> ", text.lower()))
    return _WORD.findall(text)


def as_texts(X, name: str = "X") -> list[str]:
    """Validate a collection of strings (list, array or Series); one-line errors otherwise."""
    texts, kind = as_sequences(X, name, tokens=False)
    return texts


def as_sequences(X, name: str = "X", tokens: bool = True, empty: str = "texts") -> tuple[list, str]:
    """A non-empty collection of strings (or, with ``tokens``, of lists of string tokens) as a
    list, and its kind: "text" or "tokens". One-line errors otherwise, a mix of kinds included;
    ``empty`` names the items in the error for an empty collection."""
    wanted = "strings (or of token lists)" if tokens else "strings"
    if isinstance(X, str) or not hasattr(X, "__len__"):
        raise InputTypeError(f"{name} must be a list of {wanted}; received {type(X).__name__}")
    items = list(X)
    if not items:
        raise InputError(f"{name} holds no {empty}")
    kinds = set()
    for i, item in enumerate(items):
        if isinstance(item, str):
            kinds.add("text")
        elif tokens and isinstance(item, (list, tuple)) and all(isinstance(t, str) for t in item):
            kinds.add("tokens")
        else:
            what = "a string or a list of string tokens" if tokens else "a string"
            raise InputTypeError(f"{name}[{i}] must be {what}; received {type(item).__name__}")
        if len(kinds) > 1:
            raise InputTypeError(f"{name} mixes strings and token lists (item {i}); pass one kind")
    return items, kinds.pop()


class Vocabulary:
    """Token <-> id over the training texts' most frequent tokens."""

    def __init__(self, tokens: list[str]):
        self.tokens = ["<pad>", "<unk>", *tokens]
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def build(cls, token_lists, max_size: int | None = None, min_count: int = 1) -> Vocabulary:
        """The ``max_size`` most frequent tokens seen at least ``min_count`` times (ties: first seen)."""
        counts = Counter(t for tokens in token_lists for t in tokens)
        kept = [t for t, c in counts.most_common(max_size) if c >= min_count]
        return cls(kept)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: list[str]) -> np.ndarray:
        return np.array([self.index.get(t, UNK) for t in tokens], dtype=np.int64)

    def decode(self, ids) -> list[str]:
        return [self.tokens[i] for i in ids]


def encode_texts(texts: list[str], vocabulary: Vocabulary, level: str, max_length: int | None):
    """Texts -> (padded ids (n, longest), lengths (n,)); an empty text becomes one <unk>."""
    check_choice("level", level, LEVELS)
    ids = [vocabulary.encode(tokenize(t, level)[:max_length]) for t in texts]
    ids = [i if len(i) else np.array([UNK]) for i in ids]
    from lstmkit.memory import check_fits, padded_bytes

    lengths = np.array([len(i) for i in ids], dtype=np.int64)
    check_fits(padded_bytes(len(ids), int(lengths.max()), itemsize=8), f"padding {len(ids):,} texts to the "
               f"longest ({int(lengths.max()):,} tokens)", "set max_length, or split the longest texts")
    out = np.full((len(ids), lengths.max()), PAD, dtype=np.int64)
    for row, i in enumerate(ids):
        out[row, : len(i)] = i
    return out, lengths
