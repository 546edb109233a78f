"""Property-based round trips for encoding: padding + lengths, vocabularies, text ids."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmkit.data.encoding import as_sequences, pad_sequences
from lstmkit.data.tokens import PAD, UNK, Vocabulary, encode_texts, tokenize

finite = st.floats(-1e6, 1e6, allow_nan=False, width=32)
sequence = st.integers(1, 4).flatmap(
    lambda c: st.lists(arrays(np.float32, st.tuples(st.integers(1, 12), st.just(c)), elements=finite),
                       min_size=1, max_size=6))


@given(sequences=sequence)
def test_padding_keeps_every_value_and_length(sequences):
    padded, lengths = pad_sequences(as_sequences(sequences))
    assert padded.shape == (len(sequences), max(len(s) for s in sequences), sequences[0].shape[1])
    for s, row, n in zip(sequences, padded, lengths):
        assert n == len(s) and np.array_equal(row[:n], s) and not row[n:].any()


@given(texts=st.lists(st.text(alphabet="abc xyz!'", min_size=0, max_size=30), min_size=1, max_size=8))
@settings(max_examples=60)
def test_char_ids_decode_back_to_the_text(texts):
    vocab = Vocabulary.build((tokenize(t, "char") for t in texts), max_size=None, min_count=1)
    ids, lengths = encode_texts(texts, vocab, "char", None)
    for text, row, n in zip(texts, ids, lengths):
        if text:
            assert "".join(vocab.decode(row[:n])) == text and PAD not in row[:n]
        else:
            assert row[:n].tolist() == [UNK]  # an empty text is one unknown token
        assert (row[n:] == PAD).all()


@given(words=st.lists(st.sampled_from(["good", "bad", "flight", "crew", "late"]), min_size=1, max_size=20),
       unseen=st.sampled_from(["zebra", "qwerty"]))
def test_unseen_words_map_to_unknown_and_known_words_round_trip(words, unseen):
    vocab = Vocabulary.build([words], max_size=None, min_count=1)
    ids = vocab.encode([*words, unseen])
    assert vocab.decode(ids[:-1]) == words and ids[-1] == UNK
