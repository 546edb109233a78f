"""SequenceClassifier: a label for a whole sequence, with scikit-learn's conventions.

Sequences may differ in length: they are padded inside and packed for the LSTM, so the
padding never changes a prediction. Each channel is standardised with the mean and spread
of the training sequences; training stops early on a stratified validation split carved
from the training data and keeps the best weights.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

from lstmkit.data.encoding import as_sequences, pad_sequences
from lstmkit.errors import InputError, NotFittedError, check_positive_int
from lstmkit.models.registry import build, check_arch
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.training import TrainConfig, predict_batches, resolve_device, train

ARCHS = ("lstm-fcn", "vanilla", "stacked", "bidirectional")  # networks that read packed sequences


class SequenceClassifier(ClassifierMixin, BaseEstimator):
    """LSTM classifier for sequences (univariate or multivariate, any lengths).

    >>> from lstmkit import SequenceClassifier
    >>> from lstmkit.datasets import load_ucr
    >>> X, y = load_ucr("GunPoint", "train")            # (50, 150, 1), labels "1"/"2"
    >>> clf = SequenceClassifier(random_state=0).fit(X, y)
    >>> clf.score(*load_ucr("GunPoint", "test"))

    Parameters
    ----------
    arch: "vanilla", "stacked" or "bidirectional".
    hidden_size: LSTM memory cells; arch_options: extra network options (e.g. n_layers).
    channels_first: X arrives as (n, channels, time), the layout aeon loads.
    epochs, batch_size, lr, weight_decay, patience: training settings (see TrainConfig).
    val_size: fraction of the training sequences held out (stratified) for early stopping.
    refit: then train a fresh network on all training sequences for the epoch count that
        early stopping chose. Off by default: with no validated checkpoint to fall back on,
        refit runs varied far more from seed to seed on the small UCR sets.
    random_state, device ("auto": CUDA when present), verbose (progress bar).

    Attributes after fit: ``classes_``, ``n_channels_``, ``mean_``/``scale_`` (per channel),
    ``module_``, ``history_`` (the early-stopping run's per-epoch train and validation loss).
    """

    def __init__(self, arch: str = "bidirectional", hidden_size: int = 64,
                 arch_options: dict | None = None, channels_first: bool = False,
                 epochs: int = 200, batch_size: int = 32, lr: float = 3e-3,
                 weight_decay: float = 0.0, patience: int = 30, val_size: float = 0.2,
                 refit: bool = False, random_state: int | None = None, device: str = "auto",
                 verbose: bool = False):
        self.arch = arch
        self.hidden_size = hidden_size
        self.arch_options = arch_options
        self.channels_first = channels_first
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_size = val_size
        self.refit = refit
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def fit(self, X, y) -> SequenceClassifier:
        """Train on sequences ``X`` and labels ``y`` (any hashable labels); returns self."""
        check_arch(self.arch, ARCHS, "sequence classification")
        for name in ("hidden_size", "epochs", "batch_size", "patience"):
            check_positive_int(name, getattr(self, name))
        if not 0 < self.val_size < 1:
            raise InputError(f"val_size must be a fraction in (0, 1); received {self.val_size!r}")
        sequences = as_sequences(X, "X", self.channels_first)
        labels = np.asarray(y)
        if labels.ndim != 1 or len(labels) != len(sequences):
            raise InputError(f"X and y must have the same length; received {len(sequences)} "
                             f"sequences and {labels.shape[0] if labels.ndim else 0} labels")
        encoder = LabelEncoder().fit(labels)
        if len(encoder.classes_) < 2:
            only = encoder.classes_.tolist()[0]
            raise InputError(f"y must hold at least 2 classes; received only {only!r}")
        self.classes_, self.n_channels_ = encoder.classes_, sequences[0].shape[1]
        stacked = np.concatenate(sequences)
        self.mean_ = stacked.mean(axis=0)
        self.scale_ = np.where(stacked.std(axis=0) > 1e-8, stacked.std(axis=0), 1.0)
        self.device_ = resolve_device(self.device)
        seed = resolve_seed(self.random_state)
        codes = encoder.transform(labels)
        train_idx, val_idx = self._split(codes, seed)
        x, lengths = self._tensors(sequences)
        target = torch.as_tensor(codes, device=self.device_)
        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                             weight_decay=self.weight_decay, patience=self.patience)
        data = ((x[train_idx], lengths[train_idx]), target[train_idx])
        validation = ((x[val_idx], lengths[val_idx]), target[val_idx])
        self.module_, self.history_ = self._train(data, config, validation, seed)
        if self.refit:
            best_epoch = min(self.history_, key=lambda r: r["val_loss"])["epoch"]
            config.epochs, config.patience = best_epoch, None
            self.module_, _ = self._train(((x, lengths), target), config, None, seed)
        return self

    def _train(self, data, config: TrainConfig, validation, seed: int):
        with seeded(seed, self.device_):
            module = build(self.arch, n_features=self.n_channels_, n_outputs=len(self.classes_),
                           hidden_size=self.hidden_size, **(self.arch_options or {})).to(self.device_)
            history = train(module, torch.nn.functional.cross_entropy, *data, config,
                            validation=validation, seed=seed, progress=self.verbose,
                            description="classifier")
        return module, history

    def _split(self, codes: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        index = np.arange(len(codes))
        counts = np.bincount(codes)
        n_val = int(round(self.val_size * len(codes)))
        stratify = codes if counts.min() >= 2 and n_val >= len(counts) else None
        if n_val < 1 or n_val >= len(codes):
            raise InputError(f"val_size {self.val_size} leaves no training or validation sequences "
                             f"of {len(codes)}; pass more sequences")
        return train_test_split(index, test_size=n_val, random_state=seed, stratify=stratify)

    def _tensors(self, sequences: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        scaled = [(s - self.mean_) / self.scale_ for s in sequences]
        padded, lengths = pad_sequences(scaled)
        return torch.from_numpy(padded).to(self.device_), torch.from_numpy(lengths).to(self.device_)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        if not hasattr(self, "module_"):
            raise NotFittedError("this SequenceClassifier is not fitted yet; call fit(X, y) first")
        sequences = as_sequences(X, "X", self.channels_first)
        if sequences[0].shape[1] != self.n_channels_:
            raise InputError(f"X has {sequences[0].shape[1]} channels; this classifier was fitted "
                             f"on {self.n_channels_}")
        logits = predict_batches(self.module_, self._tensors(sequences), batch_size=256)
        return torch.softmax(logits.float(), dim=1).cpu().numpy()

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sequence."""
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[proba.argmax(axis=1)]
