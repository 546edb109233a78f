"""Learn to add: a Seq2Seq estimator reads "12+345" one character at a time and writes "357".

The demo is the library's one seq2seq code path: it draws sums, fits ``Seq2Seq`` on them
and scores its predictions. The test sums are drawn first, distinct, and excluded from
every training draw, so the score is on sums never trained on; Seq2Seq carves its own
validation pairs from the training sums for early stopping (and drops its learning rate
10x once, from the best weights, when validation loss stalls). Sources are read reversed
(Sutskever et al. 2014) and answers written reversed, lowest digit first, so carries flow
forward in time; Seq2Seq turns answers back before they are scored. The baseline answers
every sum with the most common training answer.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from lstmkit.data.problems.addition import addition, check_digits, max_lengths
from lstmkit.errors import InputError, check_choice, check_positive_int
from lstmkit.metrics import exact_match, token_accuracy
from lstmkit.seeding import resolve_seed
from lstmkit.tasks.seq2seq import Seq2Seq

DECODERS = ("attention", "repeat")
ATTENTION_SCORES = ("dot", "general")  # Luong's scores
REVERSE_SOURCE = True  # read "12+345" as "543+21"
REVERSE_TARGET = True  # write "357" as "753" (lowest digit first); turned back before scoring
LEARNING_RATE = 1e-2  # Adam; dropped 10x once when validation loss stalls
BATCH_SIZE = 128


def addition_model(hidden_size: int = 64, epochs: int = 12, decoder: str = "attention",
                   attention: str = "dot", patience: int = 3, seed: int | None = 0,
                   progress: bool = False, **overrides) -> Seq2Seq:
    """The demo's Seq2Seq settings (``overrides`` replace any of them, e.g. for ablations)."""
    options = {"attention": attention} if decoder == "attention" else {"decoder": "repeat"}
    params = dict(level="char", hidden_size=hidden_size, embedding_dim=hidden_size, attention="luong",
                  arch_options=options, reverse_input=REVERSE_SOURCE, reverse_target=REVERSE_TARGET,
                  epochs=epochs, batch_size=BATCH_SIZE, lr=LEARNING_RATE, patience=patience,
                  val_size=0.1, random_state=seed, device="cpu", verbose=progress)
    params.update(overrides)
    return Seq2Seq(**params)


def run_addition(
    n_terms: int = 2,
    digits: int = 3,
    hidden_size: int = 64,
    epochs: int = 12,
    decoder: str = "attention",
    attention: str = "dot",
    n_train: int = 30_000,
    n_test: int = 1000,
    patience: int = 3,
    seed: int | None = 0,
    progress: bool = False,
) -> dict:
    """Fit Seq2Seq on ``n_train`` sums; score exact match and per-character accuracy on
    ``n_test`` unseen test sums.

    Example: ``run_addition(digits=2)["metrics"]["lstm"]["exact_match"]``.
    """
    started = time.perf_counter()
    n_terms, digits = check_positive_int("n_terms", n_terms), check_digits(digits)
    for name, value in (("hidden_size", hidden_size), ("epochs", epochs), ("n_train", n_train),
                        ("n_test", n_test), ("patience", patience)):
        check_positive_int(name, value)
    check_choice("decoder", decoder, DECODERS)
    check_choice("attention", attention, ATTENTION_SCORES)
    n_val = min(n_test, 1000)
    if 2 * (n_test + n_val) > 10 ** (digits * n_terms):
        raise InputError(f"n_terms={n_terms}, digits={digits} give only {10 ** (digits * n_terms)} distinct "
                         f"sums, too few to hold out n_test={n_test} and {n_val} validation sums; "
                         f"raise digits or lower n_test")
    seed = resolve_seed(seed)
    sums = Sums(n_terms, digits, np.random.default_rng(seed))
    test = sums.draw_distinct(n_test)
    train_sums = sums.draw(n_train)  # never a test sum
    model = addition_model(hidden_size, epochs, decoder, attention, patience, seed, progress,
                           max_output_length=max_lengths(n_terms, digits)[1])
    start = time.perf_counter()
    model.fit(*train_sums)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(test[0])
    predict_seconds = time.perf_counter() - start
    most_common = Counter(train_sums[1]).most_common(1)[0][0]
    return {
        "task": "addition",
        "config": {"n_terms": n_terms, "digits": digits, "hidden_size": hidden_size,
                   "decoder": decoder, "attention": attention, "reverse_source": REVERSE_SOURCE,
                   "reverse_target": REVERSE_TARGET, "n_train": n_train, "n_test": n_test,
                   "seed": seed},
        "metrics": {
            "lstm": {**_scores(predicted, test[1]), "epochs": len(model.history_),
                     "samples_seen": len(model.history_) * (n_train - round(0.1 * n_train))},
            "most_common_answer": _scores([most_common] * n_test, test[1]),
        },
        "timings": {"train": train_seconds, "predict": predict_seconds,
                    "total": time.perf_counter() - started},
    }


class Sums:
    """Draws sums, never one already held out."""

    def __init__(self, n_terms: int, digits: int, rng: np.random.Generator):
        self.n_terms, self.digits, self.rng = n_terms, digits, rng
        self.held_out: set[str] = set()

    def draw(self, n: int) -> tuple[list[str], list[str]]:
        """n fresh (sources, targets), none of them held out."""
        sources, targets = [], []
        while len(sources) < n:
            for s, t in zip(*addition(n - len(sources), self.n_terms, self.digits, self.rng)):
                if s not in self.held_out:
                    sources.append(s)
                    targets.append(t)
        return sources, targets

    def draw_distinct(self, n: int) -> tuple[list[str], list[str]]:
        """n sums with distinct sources, held out from every later draw."""
        chosen: dict[str, str] = {}
        while len(chosen) < n:
            for s, t in zip(*self.draw(n - len(chosen))):
                if s not in chosen and len(chosen) < n:
                    chosen[s] = t
        self.held_out |= set(chosen)
        return list(chosen), list(chosen.values())


_Sums = Sums  # the name the tests knew


def _scores(predicted: list[str], targets: list[str]) -> dict:
    """Exact match (whole answer right) and accuracy over the true answers' characters."""
    return {"exact_match": exact_match(targets, predicted),
            "char_accuracy": token_accuracy(targets, predicted)}
