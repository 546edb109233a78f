"""TextClassifier: a label for each text (sentiment, topic) from an LSTM over its tokens.

The vocabulary is built from the training texts only (the ``max_vocab`` most frequent
tokens seen at least ``min_count`` times); anything else maps to the unknown token, so
unseen words never crash a prediction. Tokens are embedded and read by any sequence
network of the classifier (bidirectional by default), packed so that padding never changes
a prediction. The default bidirectional network reads the element-wise max over time of
its outputs rather than its final states (``arch_options={"pool": "max"}``): on a
validation split of the tweet benchmark's training part, macro-F1 0.7455 vs 0.7248.
Training, early stopping, folds and ensembling are SequenceClassifier's.
"""

from __future__ import annotations

import torch

from lstmkit.data.encoding import to_array
from lstmkit.data.tokens import LEVELS, Vocabulary, as_texts, encode_texts, tokenize
from lstmkit.errors import LIMITS, InputError
from lstmkit.models.embedded import Embedded
from lstmkit.models.registry import arch_options, build
from lstmkit.tasks._base import Choice, Int, Real
from lstmkit.tasks.classifier import SequenceClassifier


class TextClassifier(SequenceClassifier):
    """LSTM text classifier with scikit-learn's conventions.

    >>> from lstmkit import TextClassifier
    >>> clf = TextClassifier(random_state=0).fit(texts, labels)   # lists of str and labels
    >>> clf.predict(["what a great flight", "lost my bag again"])

    Parameters
    ----------
    level: "word" (links -> <url>, @names -> <user>, punctuation kept as tokens) or "char".
    max_vocab, min_count: vocabulary size cap and the count a token needs to be kept.
    max_length: keep the first ``max_length`` tokens of each text (None: all).
    embedding_dim, embedding_dropout: token vectors and the dropout applied to them.
    arch, hidden_size, arch_options, epochs, batch_size, lr, weight_decay, patience, n_folds,
    val_size, early_stopping, lr_schedule, class_weight, random_state, device, n_jobs, verbose: as in
    SequenceClassifier, except that a TextClassifier stops early on a held-out split by default.

    Attributes after fit: ``vocabulary_`` (``.tokens``: id -> token), ``classes_``,
    ``modules_``, ``history_``, ``oof_score_``.
    """

    _parameter_constraints = {
        "level": Choice(LEVELS), "min_count": Int(), "embedding_dim": Int(),
        "embedding_dropout": Real(strict=False, below=1), "max_vocab": Int(none=True),
        "max_length": Int(none=True), **SequenceClassifier._parameter_constraints,
    }

    def __init__(self, level: str = "word", max_vocab: int | None = 20000, min_count: int = 2,
                 max_length: int | None = None, embedding_dim: int = 64,
                 embedding_dropout: float = 0.2, arch: str = "bidirectional", hidden_size: int = 64,
                 arch_options: dict | None = None, epochs: int = 20, batch_size: int = 64,
                 lr: float = 3e-3, weight_decay: float = 0.0, patience: int = 3, n_folds: int = 1,
                 val_size: float = 0.1, early_stopping: bool = True, lr_schedule: str = "constant",
                 class_weight: str | None = None, random_state: int | None = None,
                 device: str = "auto", n_jobs: int = 1, verbose: bool = False,
                 time_budget: float | None = None):
        self.level = level
        self.max_vocab = max_vocab
        self.min_count = min_count
        self.max_length = max_length
        self.embedding_dim = embedding_dim
        self.embedding_dropout = embedding_dropout
        super().__init__(arch=arch, hidden_size=hidden_size, arch_options=arch_options,
                         epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         patience=patience, n_folds=n_folds, val_size=val_size,
                         early_stopping=early_stopping, lr_schedule=lr_schedule,
                         class_weight=class_weight, random_state=random_state, device=device,
                         n_jobs=n_jobs, verbose=verbose, time_budget=time_budget)

    def _validate(self, X) -> list[str]:
        return as_texts(to_array(X, "X"), "X")  # (to_array: sparse refused, a pandas Series read)

    def _set_n_features(self, X, texts: list[str]) -> None:
        pass  # texts have no features: no n_features_in_ (as scikit-learn's text vectorizers)

    def _check_columns(self, X) -> None:
        pass

    @staticmethod
    def _check_steps(network: str, texts: list[str]) -> None:
        pass  # (an empty text is one <unk> token; lstm-fcn is no text network)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a list of strings, as scikit-learn's CountVectorizer takes
        tags.input_tags.three_d_array = False
        tags.input_tags.string = True
        return tags

    def _fit_inputs(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = (tokenize(t, self.level)[: self.max_length] for t in texts)
        self.vocabulary_ = Vocabulary.build(tokens, self.max_vocab, self.min_count)
        return self._inputs(texts)

    def _inputs(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        longest = max(range(len(texts)), key=lambda i: len(texts[i]), default=None)
        if self.max_length is None and longest is not None and len(texts[longest]) > LIMITS["text_chars"]:
            raise InputError(f"X[{longest}] has {len(texts[longest]):,} characters, above the "
                             f"{LIMITS['text_chars']:,} a text may hold without max_length (a limit against "
                             "exhausting the machine: set_params(max_length=...) keeps each text's first "
                             "tokens, or raise lstmkit.errors.LIMITS['text_chars'] on purpose)")
        ids, lengths = encode_texts(texts, self.vocabulary_, self.level, self.max_length)
        return torch.from_numpy(ids).to(self.device_), torch.from_numpy(lengths).to(self.device_)

    def _network(self, network: str) -> torch.nn.Module:
        options = {"pool": "max"} if network == "bidirectional" else {}
        inner = build(network, n_features=self.embedding_dim, n_outputs=len(self.classes_),
                      hidden_size=self.hidden_size, **{**options, **arch_options(self.arch_options)})
        return Embedded(len(self.vocabulary_), self.embedding_dim, inner, self.embedding_dropout)

    def _get_inputs_state(self) -> dict:
        return {"tokens": self.vocabulary_.tokens[2:]}  # ids 0 and 1: padding and unknown

    def _set_inputs_state(self, state: dict) -> None:
        self.vocabulary_ = Vocabulary(list(state["tokens"]))
