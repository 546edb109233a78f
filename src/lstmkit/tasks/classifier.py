"""SequenceClassifier: a label for a whole sequence, with scikit-learn's conventions.

Sequences may differ in length: they are padded inside and packed for the LSTM, so the
padding never changes a prediction. Each channel is standardised with the mean and spread
of the training sequences.

By default ``n_folds`` networks (3) are trained on every training sequence, each with its
own seed, for a fixed number of epochs (300) with a learning rate that decays along half a
cosine; predictions average their probabilities. No sequence is spent on validation,
which matters on the small sets of the UCR archive. Both choices were made on UCR sets
outside the benchmark, each scored on its own test split (`benchmarks/classification.py
--dev`, 3 seeds): on ArrowHead (36 training sequences) 300 epochs gave 0.83, 200 epochs
0.80, and networks that stopped early on folds 0.61.

With ``early_stopping=True`` the training sequences are split instead into k stratified
folds (or one ``val_size`` split with ``n_folds=1``); each network stops early on its own
fold and keeps its best weights, and the out-of-fold predictions give an accuracy
estimate (``oof_score_``) without touching any test data. It is optimistic: each network
keeps the epoch that did best on the very fold it then scores. On ItalyPowerDemand's
training split it read 0.967 (5 seeds), against 0.949 for networks trained without early
stopping, which do not peek.
"""

from __future__ import annotations

import functools
import time

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.preprocessing import LabelEncoder

from lstmkit.archs import CLASSIFIER_ARCHS
from lstmkit.checkpoints import checkpoint_path, fingerprint
from lstmkit.data.encoding import as_sequences, check_columns, columns, pad_sequences
from lstmkit.diagnosis import Diagnosable
from lstmkit.errors import InputError, check_fitted
from lstmkit.models.registry import arch_options, build
from lstmkit.persistence import Persistable
from lstmkit.seeding import network_seed, resolve_seed, seeded
from lstmkit.tasks import classifier_memory, time_budget
from lstmkit.tasks._base import (
    FLAG,
    WEIGHT_DECAY,
    Arch,
    Choice,
    Device,
    Fraction,
    Int,
    Options,
    Real,
    check_learned,
    check_params,
    fit_networks,
    fit_params,
    one_or_many,
)
from lstmkit.tasks.class_labels import (
    ClassWeight,
    check_labels,
    check_sample_weight,
    check_weighted_classes,
    class_weight_from_json,
    class_weight_to_json,
    class_weights,
    weighted_cross_entropy,
)
from lstmkit.training import TrainConfig, one_fit, predict_batches, resolve_device, train

ARCHS = CLASSIFIER_ARCHS  # networks that read packed sequences (named in archs.py for the CLI)
# "cnn-lstm" was this estimator's name for LSTM-FCN before the registry's "cnn-lstm" (a CNN
# feeding an LSTM, ``models/cnn_lstm.py``) took that name: old code and saved models still
# pass it, and it still means LSTM-FCN here.
ALIASES = {"cnn-lstm": "lstm-fcn"}


class SequenceClassifier(Persistable, Diagnosable, ClassifierMixin, BaseEstimator):
    """LSTM classifier for sequences (univariate or multivariate, any lengths).

    >>> from lstmkit import SequenceClassifier
    >>> from lstmkit.datasets import load_ucr
    >>> X, y = load_ucr("GunPoint", "train")            # (50, 150, 1), labels "1"/"2"
    >>> clf = SequenceClassifier(random_state=0).fit(X, y)
    >>> clf.score(*load_ucr("GunPoint", "test"))

    Parameters
    ----------
    arch: "lstm-fcn" (a convolutional branch beside an LSTM branch, Karim et al. 2017; the old
        spelling "cnn-lstm" is accepted and means the same), "vanilla", "stacked" or
        "bidirectional".
    hidden_size: LSTM memory cells; arch_options: extra network options (e.g. n_layers,
        conv_channels).
    channels_first: X arrives as (n, channels, time), the layout aeon loads. X may also be 2-D
        (n, time): univariate sequences. A 3-D X that reads as sequences of one step, or of
        10x more channels than steps (aeon's GunPoint (50, 1, 150) or BasicMotions (40, 6, 100)
        without ``channels_first=True``), is refused naming ``channels_first``; one that reads as
        fewer steps than channels warns.
    epochs, batch_size, lr, weight_decay, lr_schedule ("cosine" or "constant"), patience:
        training settings (see TrainConfig); patience counts only with early stopping.
    n_folds: the number of networks, whose probabilities are averaged (k times the training
        time). Without early stopping (the default) each trains on every sequence with its
        own seed for ``epochs`` epochs. With early stopping, k > 1 trains them on stratified
        folds, each stopping early on its own fold, and 1 trains one network that stops
        early on a stratified ``val_size`` split.
    early_stopping: False (default) or True, as above.
    val_size: with early stopping and n_folds=1, the fraction held out for early stopping.
    class_weight: None, "balanced" to weight the loss by inverse class frequency, or a dict
        {label: weight} (labels left out weigh 1); ``fit(..., sample_weight=)`` weighs sequences.
    random_state, device ("auto": CUDA when present), verbose (progress bar).
    time_budget: seconds the whole fit may take; epochs are planned to fit it (``time_budget.py``).
    n_jobs: networks trained at once, in worker processes on the CPU (each network trains
        with the threads it would get alone, so the weights are the same for any n_jobs);
        one at a time on CUDA, with ``on_epoch`` or a progress bar, and inside another
        joblib worker (e.g. cross_val_score(..., n_jobs=2)), where processes would nest.
        Ctrl-C during a fit in worker processes stops them and raises KeyboardInterrupt.

    Attributes after fit: ``classes_``, ``n_channels_``, ``n_features_in_`` (scikit-learn's: the
    columns of a 2-D X, i.e. its time steps; else ``n_channels_``), ``mean_``/``scale_`` (per channel),
    ``modules_`` (one network per fold or seed), ``history_`` (per-epoch train and validation loss:
    a list of epochs, or one such list per network), ``oof_score_`` (accuracy of each
    training sequence's prediction by the network that validated on it; None without early
    stopping).
    """

    _parameter_constraints = {
        "arch": Arch((*ARCHS, "cnn-lstm"), "sequence classification", tuple(ALIASES.items())),
        **{name: Int() for name in ("hidden_size", "epochs", "batch_size", "patience", "n_folds", "n_jobs")},
        "lr": Real(), "weight_decay": WEIGHT_DECAY, "class_weight": ClassWeight(),
        "lr_schedule": Choice(("constant", "cosine")), "early_stopping": FLAG, "channels_first": FLAG,
        "device": Device(), "arch_options": Options(), "time_budget": Real(none=True),
    }

    def __init__(self, arch: str = "lstm-fcn", hidden_size: int = 64,
                 arch_options: dict | None = None, channels_first: bool = False,
                 epochs: int = 300, batch_size: int = 32, lr: float = 3e-3,
                 weight_decay: float = 0.0, patience: int = 30, n_folds: int = 3,
                 val_size: float = 0.2, early_stopping: bool = False,
                 lr_schedule: str = "cosine", class_weight: str | None = None,
                 random_state: int | None = None, device: str = "auto", n_jobs: int = 1,
                 verbose: bool = False, time_budget: float | None = None):
        self.arch = arch
        self.hidden_size = hidden_size
        self.arch_options = arch_options
        self.channels_first = channels_first
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.n_folds = n_folds
        self.val_size = val_size
        self.early_stopping = early_stopping
        self.lr_schedule = lr_schedule
        self.class_weight = class_weight
        self.random_state = random_state
        self.device = device
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.time_budget = time_budget

    @one_fit
    def fit(self, X, y, sample_weight=None, checkpoint_dir=None, resume: bool = False,
            on_epoch=None) -> SequenceClassifier:
        """Train on sequences ``X`` and labels ``y`` (any hashable labels); returns self.

        ``sample_weight``: one weight >= 0 per sequence, multiplying its loss (None: all 1).
        ``checkpoint_dir``: write a checkpoint there after every epoch (one file per fold);
        ``resume=True`` continues the checkpoints found there (same settings and data).
        ``on_epoch(record)``: called after every epoch of every fold; True stops that fold.
        """
        started, network = time.perf_counter(), self._check_params()
        sequences = self._validate(X)
        labels = check_labels(y, len(sequences))
        weights = check_sample_weight(sample_weight, len(sequences))
        encoder = LabelEncoder().fit(labels)
        if len(encoder.classes_) < 2:
            only = encoder.classes_.tolist()[0]
            raise InputError(f"y must hold at least 2 classes; received only {only!r}")
        codes = encoder.transform(labels)
        check_weighted_classes(encoder.classes_, codes, weights)
        per_class = class_weights(self.class_weight, encoder.classes_, codes)
        self._check_steps(network, sequences)
        seed = resolve_seed(self.random_state)
        folds = self._folds(codes, seed)  # checks sizes before any training
        self.classes_ = encoder.classes_
        self.device_ = resolve_device(self.device)
        x, lengths = self._fit_inputs(sequences)
        self._set_n_features(X, sequences)
        self._check_memory(x, lengths, min(self.batch_size, len(codes)))
        target = torch.as_tensor(codes, device=self.device_)
        per_class = None if per_class is None else torch.as_tensor(per_class, dtype=torch.float32,
                                                                    device=self.device_)
        loss = functools.partial(torch.nn.functional.cross_entropy, weight=per_class)
        if weights is not None:  # (n, 2): codes and weights, batched together
            target = torch.as_tensor(np.stack([codes, weights], axis=1), dtype=torch.float32,
                                     device=self.device_)
            loss = functools.partial(weighted_cross_entropy, weight=per_class)
        jobs = [(k, train_idx, val_idx) for k, (train_idx, val_idx) in enumerate(folds)]
        n_jobs = min(self.n_jobs, len(jobs))
        epochs, seconds = time_budget.epochs_for(self, (x, lengths), target, loss, len(folds[0][0]),
                                                 len(jobs), n_jobs, started)
        config = TrainConfig(epochs=epochs, batch_size=self.batch_size, lr=self.lr, max_seconds=seconds,
                             weight_decay=self.weight_decay, lr_schedule=self.lr_schedule,
                             patience=self.patience if self.early_stopping else None)
        fit_one = functools.partial(self._fit_one, x, lengths, target, loss, config, seed, len(folds),
                                    checkpoint_dir, resume, on_epoch)
        if n_jobs > 1 and self.device_.type == "cpu" and on_epoch is None and not self.verbose \
                and _top_level():
            from joblib import Parallel, delayed

            results = Parallel(n_jobs=n_jobs, backend="loky")(delayed(fit_one)(*job) for job in jobs)
        else:
            predicted = {}

            def train_one(k: int, own: int):
                module, history, predicted[k] = fit_one(*jobs[k])
                return module, history

            modules, histories = fit_networks(len(jobs), seed, self.device_, train_one)
            results = [(m, hist, predicted[k]) for k, (m, hist) in enumerate(zip(modules, histories))]
            jobs = jobs[: len(results)]
        histories = [history for _, history, _ in results]
        check_learned(histories, len(self.classes_), self.lr, type(self)().lr)  # (before modules_ change)
        self.modules_ = [module for module, _, _ in results]
        oof = np.empty(len(codes), dtype=np.int64)
        for (_, _, val_idx), (_, _, predicted) in zip(jobs, results):
            oof[val_idx] = predicted
        covered = np.concatenate([v for _, _, v in jobs])
        self.oof_score_ = float(np.mean(oof[covered] == codes[covered])) if len(covered) else None
        self.history_ = one_or_many(histories)
        return self

    def _fit_one(self, x, lengths, target, loss, config, seed, n_networks, checkpoint_dir, resume, on_epoch,
                 k, train_idx, val_idx):
        """Train network ``k`` on ``train_idx`` (early-stopping on ``val_idx`` when not empty);
        returns (network, history, predicted codes of ``val_idx``)."""
        data = ((x[train_idx], lengths[train_idx]), target[train_idx])
        validation = ((x[val_idx], lengths[val_idx]), target[val_idx]) if len(val_idx) else None
        own = network_seed(seed, k)
        with seeded(own, self.device_):
            module = self._network(self._check_params()).to(self.device_)
            history = train(module, loss, *data, config,
                            validation=validation, seed=own, progress=self.verbose,
                            description=f"fold {k + 1}/{n_networks}",
                            checkpoint=checkpoint_path(checkpoint_dir, k), resume=resume,
                            on_epoch=on_epoch,
                            fingerprint=fingerprint(self._fit_params(), own, data, validation))
        predicted = np.empty(0, dtype=np.int64)
        if validation is not None:
            logits = predict_batches(module, (x[val_idx], lengths[val_idx]), batch_size=256)
            predicted = logits.argmax(dim=1).cpu().numpy()
        return module, history, predicted

    def _check_memory(self, x: torch.Tensor, lengths: torch.Tensor, batch_size: int) -> None:
        """Before training: the networks' weights and one batch fit in memory (classifier_memory)."""
        classifier_memory.check_training(self, x, lengths, batch_size)

    def _fit_params(self) -> dict:
        """The parameters that change training (for checkpoint fingerprints)."""
        return fit_params(self, ignore=("verbose", "device", "n_jobs"))

    def _check_params(self) -> str:
        """Checks every parameter; returns the network's registry name."""
        check_params(self)
        if self.early_stopping and self.n_folds == 1:
            Fraction().check("val_size", self.val_size)
        return ALIASES.get(self.arch, self.arch)

    def _folds(self, codes: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(train, validation) index pairs: one stratified split, or n_folds stratified folds."""
        index = np.arange(len(codes))
        if not self.early_stopping:  # n_folds networks, each on every sequence
            return [(index, index[:0])] * self.n_folds
        smallest = np.bincount(codes).min()
        if self.n_folds > 1:
            if self.n_folds > len(codes):
                raise InputError(f"n_folds must be at most the number of sequences ({len(codes)}); "
                                 f"received {self.n_folds}")
            splitter = (StratifiedKFold if smallest >= self.n_folds else KFold)(
                self.n_folds, shuffle=True, random_state=seed)
            return list(splitter.split(index, codes))
        n_val = int(round(self.val_size * len(codes)))
        if n_val < 1 or n_val >= len(codes):
            raise InputError(f"val_size {self.val_size} leaves no training or validation sequences "
                             f"of {len(codes)}; pass more sequences")
        stratify = codes if smallest >= 2 and n_val >= len(np.bincount(codes)) else None
        return [tuple(train_test_split(index, test_size=n_val, random_state=seed, stratify=stratify))]

    # The hooks below are what a classifier of other inputs (e.g. TextClassifier) replaces.
    def _validate(self, X) -> list[np.ndarray]:
        return as_sequences(X, "X", self.channels_first)

    def _set_n_features(self, X, sequences: list[np.ndarray]) -> None:
        """scikit-learn's ``n_features_in_``: the columns of a 2-D X (``n_columns_``, which a 2-D X
        at predict must match), else the channels (``n_columns_`` None: any lengths)."""
        self.n_columns_ = columns(X)
        self.n_features_in_ = self.n_channels_ if self.n_columns_ is None else self.n_columns_

    def _check_columns(self, X) -> None:
        check_columns(X, getattr(self, "n_columns_", None), type(self).__name__)

    @staticmethod
    def _check_steps(network: str, sequences: list[np.ndarray]) -> None:
        if network == "lstm-fcn" and max(len(s) for s in sequences) == 1:
            raise InputError("X holds only 1-step sequences (n_features = 1 time step); arch 'lstm-fcn' "
                             "needs >= 2 steps for its batch normalisation: pass longer sequences or "
                             "arch='vanilla'")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True  # (n, time, channels); 2-D (n, time) too
        return tags

    def _fit_inputs(self, sequences: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Learn the preprocessing from the training sequences; return their network inputs."""
        self.n_channels_ = sequences[0].shape[1]
        stacked = np.concatenate(sequences)
        self.mean_ = stacked.mean(axis=0).astype(np.float32)
        self.scale_ = np.where(stacked.std(axis=0) > 1e-8, stacked.std(axis=0), 1.0).astype(np.float32)
        return self._inputs(sequences)

    def _inputs(self, sequences: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Network inputs (padded scaled sequences, lengths) for validated sequences."""
        if sequences[0].shape[1] != self.n_channels_:
            raise InputError(f"X has {sequences[0].shape[1]} channels; this classifier was fitted "
                             f"on {self.n_channels_}")
        scaled = [(s - self.mean_) / self.scale_ for s in sequences]
        padded, lengths = pad_sequences(scaled)
        return torch.from_numpy(padded).to(self.device_), torch.from_numpy(lengths).to(self.device_)

    def _network(self, network: str) -> torch.nn.Module:
        return build(network, n_features=self.n_channels_, n_outputs=len(self.classes_),
                     hidden_size=self.hidden_size, **arch_options(self.arch_options))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in the order of ``classes_``."""
        check_fitted(self, "modules_", "fit(X, y)")
        self._check_columns(X)
        inputs = self._inputs(self._validate(X))
        rows = classifier_memory.predict_batch(self, inputs)  # (fewer rows a batch for long sequences)
        proba = [torch.softmax(predict_batches(m, inputs, batch_size=rows).float(), dim=1)
                 for m in self.modules_]
        return torch.stack(proba).mean(0).cpu().numpy()

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sequence."""
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[proba.argmax(axis=1)]

    # ------------------------------------------------------------------ persistence hooks
    def _fitted_modules(self) -> list[torch.nn.Module]:
        return self.modules_

    def _get_state(self) -> dict:
        return {"classes": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str,
                "n_modules": len(self.modules_), "oof_score": self.oof_score_,
                "history": self.history_, **self._get_inputs_state()}

    def _get_inputs_state(self) -> dict:
        return {"n_channels": self.n_channels_, "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "n_features_in": self.n_features_in_, "n_columns": self.n_columns_}

    def _set_state(self, state: dict) -> None:
        self.classes_ = np.array(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        self.n_modules_, self.oof_score_ = int(state["n_modules"]), state["oof_score"]
        self.history_ = state["history"]
        self.device_ = resolve_device(self.device)
        self._set_inputs_state(state)

    def _set_inputs_state(self, state: dict) -> None:
        self.n_channels_ = int(state["n_channels"])
        self.mean_ = np.asarray(state["mean"], dtype=np.float32)
        self.scale_ = np.asarray(state["scale"], dtype=np.float32)
        self.n_features_in_ = int(state.get("n_features_in", self.n_channels_))  # (older models: none)
        self.n_columns_ = None if state.get("n_columns") is None else int(state["n_columns"])

    def _params_to_json(self) -> dict:
        return class_weight_to_json(self.get_params(deep=False))

    @classmethod
    def _params_from_json(cls, params: dict) -> dict:
        return class_weight_from_json(params)

    def _fresh_modules(self) -> list[torch.nn.Module]:
        network = self._check_params()
        return [self._network(network) for _ in range(self.n_modules_)]

    def _set_modules(self, modules: list[torch.nn.Module]) -> None:
        self.modules_ = [m.to(self.device_).eval() for m in modules]


def _top_level() -> bool:
    """Whether this process may start joblib workers: not itself inside a joblib worker,
    where the nested backend would run the networks in threads that share torch's seeds."""
    from joblib.parallel import get_active_backend

    return getattr(get_active_backend()[0], "nesting_level", 0) == 0
