"""Memory checks of SequenceClassifier and TextClassifier (``memory.py``'s rules), before any
allocation: the networks' weights while training, one training batch's activations, and
the batches a prediction reads (long sequences are read a few at a time, or alone)."""

from __future__ import annotations

import torch

from lstmkit import memory

PREDICT_BATCH = 256  # sequences per prediction batch, fewer where they are long (memory.predict_rows)


def check_training(estimator, x: torch.Tensor, lengths: torch.Tensor, batch_size: int) -> None:
    """Before training: the weights of every network (``memory.check_parameters``, counted on
    the meta device), then one batch of the longest sequences (``memory.training_bytes``:
    short probes, scaled), fit in the memory available."""
    network = estimator._check_params()
    at_once = min(estimator.n_jobs, estimator.n_folds) if estimator.device_.type == "cpu" else 1
    memory.check_parameters(lambda: estimator._network(network), estimator.n_folds, at_once,
                            "lower hidden_size, the layers (arch_options n_layers) or n_folds",
                            estimator.device_)
    with torch.random.fork_rng(devices=[]):
        module = estimator._network(network).to(estimator.device_)
    need = memory.training_bytes(module, x, lengths, batch_size)
    longest = int(lengths.max())
    memory.check_fits(need, f"training on batches of {batch_size} sequences of up to {longest:,} steps",
                      "lower batch_size, shorten the sequences (max_length for texts) or lower hidden_size",
                      estimator.device_)


def predict_batch(estimator, inputs: tuple[torch.Tensor, torch.Tensor]) -> int:
    """Rows per prediction batch for padded ``inputs`` (x, lengths): ``PREDICT_BATCH``, fewer
    where sequences are long (``memory.predict_rows``); raises when even that batch's
    activations (``memory.inference_bytes`` of a short probe, scaled) cannot fit."""
    x, lengths = inputs
    longest = int(lengths.max())
    rows = memory.predict_rows(longest, len(lengths), PREDICT_BATCH)
    k = min(longest, memory.PROBE_STEPS)
    probe = (x[:1, :k], torch.full_like(lengths[:1], k))
    per_step = max(memory.inference_bytes(m, probe) for m in estimator.modules_) / k
    advice = "shorten the texts, or cut them with set_params(max_length=...)" \
        if hasattr(estimator, "vocabulary_") else "shorten the sequences"
    memory.check_predict(per_step, rows, longest, estimator.device_, advice)
    return rows
