"""Date normalisation: human-readable dates in 25 formats -> ISO 8601, with Seq2Seq."""

from __future__ import annotations

import time

from lstmkit.data.problems.dates import dates
from lstmkit.metrics import exact_match, token_accuracy
from lstmkit.tasks.seq2seq import Seq2Seq


def run_dates(n_train: int = 15_000, n_test: int = 1000, hidden_size: int = 64, epochs: int = 10,
              seed: int | None = 0, progress: bool = False) -> dict:
    """Train on generated pairs; score exact match on fresh dates whose text was never trained on."""
    seed = 0 if seed is None else seed
    start = time.perf_counter()
    sources, targets = dates(n_train, rng=seed)
    seen = set(sources)
    test = [(s, t) for s, t in zip(*dates(n_test + 500, rng=seed + 1)) if s not in seen][:n_test]
    model = Seq2Seq(hidden_size=hidden_size, embedding_dim=32, bidirectional=True, batch_size=256,
                    lr=5e-3, epochs=epochs, patience=2, random_state=seed, verbose=progress)
    model.fit(sources, targets)
    trained = time.perf_counter() - start
    test_sources, test_targets = [s for s, _ in test], [t for _, t in test]
    predicted = model.predict(test_sources)
    return {"task": "seq2seq dates",
            "config": {"n_train": n_train, "n_test": len(test), "hidden_size": hidden_size,
                       "epochs_run": len(model.history_),
                       "examples": list(zip(test_sources[:3], predicted[:3]))},
            "metrics": {"lstmkit seq2seq": {"exact_match": exact_match(test_targets, predicted),
                                            "token_accuracy": token_accuracy(test_targets, predicted)}},
            "timings": {"train": trained, "total": time.perf_counter() - start}}
