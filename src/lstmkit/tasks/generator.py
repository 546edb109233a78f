"""SequenceGenerator: a next-token LSTM language model over characters (or any tokens).

Texts are strings (one token per character) or lists of string tokens. The vocabulary is
built from the training texts; id 0 starts every text and id 1 stands for any token the
vocabulary lacks, so unseen characters never crash ``score`` or ``sample``.

Training reads windows of ``context`` tokens that start at random places of the training
text, drawn afresh for every batch (as nanoGPT's ``get_batch``) and read from a zero state.
Why random windows rather than stateful batches that carry the LSTM state from one batch to
the next: every batch is an unbiased sample of the whole text, no batch depends on the one
before (so the one training loop, its early stopping and its checkpoints apply unchanged),
and resumed runs repeat the same draws. ``score`` and ``sample`` do carry the state: a text
of any length is read in chunks, each token conditioned on everything before it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn
from torch.nn import functional as F

from lstmkit.checkpoints import checkpoint_path, fingerprint
from lstmkit.data.tokens import PAD, UNK, Vocabulary, as_sequences
from lstmkit.errors import (
    InputError,
    InputTypeError,
    check_fitted,
    check_positive_int,
)
from lstmkit.memory import check_parameters
from lstmkit.metrics import bits_per_char
from lstmkit.models.registry import build
from lstmkit.persistence import Persistable
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.tasks._base import Choice, Device, Int, Real, check_learned, check_params, fit_params
from lstmkit.tasks.generator_sampling import SamplingPace, scaled
from lstmkit.tasks.generator_windows import TokenWindows, next_token_loss
from lstmkit.training import (
    TrainConfig,
    lr_phases,
    one_fit,
    resolve_device,
    threads_for,
    torch_threads,
    train,
)

START = PAD  # id 0 opens every text: the first token is predicted from it
SCORE_CHUNK = 512  # time steps per forward call while scoring
SCORE_BATCH = 64  # texts read side by side while scoring
VAL_WINDOWS = 512  # at most this many validation windows, spread evenly, after each epoch
EVAL_BATCH = 256  # validation windows per forward pass (bounds the logits' memory)
FIRST_PHASE = 0.75  # with lr_drop: the share of epochs (and of max_minutes) at the first lr
PRECISIONS = ("auto", "float32", "bfloat16")


class SequenceGenerator(Persistable, BaseEstimator):
    """LSTM language model with scikit-learn's conventions.

    >>> from lstmkit.tasks.generator import SequenceGenerator
    >>> gen = SequenceGenerator(max_minutes=5, random_state=0).fit(train_texts, validation=val_texts)
    >>> gen.bits_per_char(test_texts)                # lower is better (score() is minus this)
    >>> print(gen.sample(400, prompt="ROMEO:", temperature=0.8, random_state=0))

    Parameters
    ----------
    hidden_size, n_layers, embedding_dim, dropout: the network (see models/language.py).
    context: tokens per training window (truncated backpropagation through time); the
        windows are capped at the training and validation texts' lengths less one.
    batch_size, lr: windows per Adam step and its learning rate.
    lr_drop: training runs at ``lr`` until early stopping, or for 3/4 of the epochs (and of
        ``max_minutes``), then goes on from the best weights at ``lr * lr_drop``, with a fresh
        patience (None: one phase at ``lr``).
    epochs, steps_per_epoch: at most ``epochs`` epochs of ``steps_per_epoch`` batches (None:
        as many as cover the training text once); after each, the loss on at most 512
        validation windows, spread over the validation text, decides early stopping.
    max_minutes: stop once another epoch would not fit in this wall-clock budget, validation
        included (None: no budget). It counts this call's time: a resumed fit starts afresh.
    patience: epochs without a better validation loss before stopping; the best weights are
        kept (None: train every epoch and keep the last weights).
    val_size: without ``validation`` texts, the fraction at the end of the training text that
        is held out for early stopping.
    min_count: tokens seen fewer times in training map to the unknown token.
    n_threads: torch CPU threads (None: training and validation pick by model size, as
        ``training.threads_for``; ``score`` and ``sample`` use one).
    precision: "float32", "bfloat16" (training's forward pass under autocast; the weights,
        ``score`` and ``sample`` stay float32) or "auto": bfloat16 on CPUs that compute it
        natively (measured here: twice the tokens/s, the same loss), else float32.
    random_state, device ("auto": CUDA when present), verbose (progress bar).

    Attributes after fit: ``vocabulary_`` (``.tokens``: id -> token), ``module_``,
    ``history_`` (per epoch: training and validation loss in nats per token, seconds),
    ``context_``, ``char_level_`` (fitted on strings, so ``sample`` returns a string).
    """

    _parameter_constraints = {
        **{name: Int() for name in ("hidden_size", "n_layers", "embedding_dim", "context", "batch_size",
                                    "epochs", "min_count")},
        **{name: Int(none=True) for name in ("steps_per_epoch", "patience", "n_threads")},
        "dropout": Real(strict=False, below=1), "lr": Real(), "lr_drop": Real(at_most=1, none=True),
        "precision": Choice(PRECISIONS), "max_minutes": Real(none=True), "device": Device(),
    }

    def __init__(self, hidden_size: int = 256, n_layers: int = 1, embedding_dim: int = 64,
                 dropout: float = 0.0, context: int = 128, batch_size: int = 64, lr: float = 5e-3,
                 lr_drop: float | None = 0.2, epochs: int = 20, steps_per_epoch: int | None = None,
                 max_minutes: float | None = None, patience: int | None = 3, val_size: float = 0.1,
                 min_count: int = 1, n_threads: int | None = None, precision: str = "auto",
                 random_state: int | None = None, device: str = "auto", verbose: bool = False):
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.embedding_dim = embedding_dim
        self.dropout = dropout
        self.context = context
        self.batch_size = batch_size
        self.lr = lr
        self.lr_drop = lr_drop
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.max_minutes = max_minutes
        self.patience = patience
        self.val_size = val_size
        self.min_count = min_count
        self.n_threads = n_threads
        self.precision = precision
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    @one_fit
    def fit(self, texts, validation=None, checkpoint_dir=None, resume: bool = False) -> SequenceGenerator:
        """Learn to predict the next token of ``texts`` (strings, or lists of tokens); returns self.

        ``validation``: texts for early stopping (default: the last ``val_size`` of ``texts``).
        ``checkpoint_dir``/``resume``: write a checkpoint after every epoch / continue it.
        Ctrl-C stops training cleanly and keeps the best weights so far.
        """
        self._check_params()
        items = as_sequences(texts, "texts")[0]
        if not any(len(t) for t in items):
            raise InputError("texts holds only empty texts; pass some text to learn from")
        self.char_level_ = isinstance(items[0], str)
        _check_kind(items, self.char_level_, "texts")
        self.vocabulary_ = Vocabulary.build(items, min_count=self.min_count)
        if len(self.vocabulary_) <= 2:
            raise InputError(f"min_count {self.min_count} keeps no token of texts; lower it")
        self._lookup = None
        train_ids, val_ids = self._split(items, validation)
        self.context_ = min(self.context, len(train_ids) - 1, len(val_ids) - 1)
        self.device_ = resolve_device(self.device)
        self._bf16()  # a precision this device cannot run fails here, before training
        seed = resolve_seed(self.random_state)
        check_parameters(self._network, advice="lower hidden_size, n_layers or embedding_dim",
                         device=self.device_)
        data = torch.from_numpy(np.concatenate([train_ids, val_ids])).to(self.device_)
        with seeded(seed, self.device_):
            self.module_ = self._network().to(self.device_)
            self.history_ = self._train(data, len(train_ids), len(val_ids), seed, checkpoint_dir, resume)
        check_learned([self.history_], len(self.vocabulary_), self.lr, SequenceGenerator().lr)
        self.module_.eval()
        return self

    def _train(self, data, n_train: int, n_val: int, seed: int, checkpoint_dir, resume: bool) -> list:
        """Train on random windows of the first ``n_train`` tokens, validated on windows spread
        over the rest, in phases (``lr``, then ``lr * lr_drop`` from the best weights)."""
        steps = self.steps_per_epoch or math.ceil(n_train / (self.batch_size * self.context_))
        windows = TokenWindows(data, n_train, self.context_, n_windows=steps * self.batch_size)
        val = torch.arange(0, n_val - self.context_, self.context_)
        val = n_train + val[torch.linspace(0, len(val) - 1, min(len(val), VAL_WINDOWS)).long()]
        validation = TokenWindows(data, n_train, self.context_, starts=val.to(self.device_))
        threads = self.n_threads or threads_for(self.module_, self.batch_size)
        config = TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience, shuffle=False,
            n_threads=threads if self.device_.type == "cpu" else None, eval_batch_size=EVAL_BATCH,
            phases=lr_phases(self.lr_drop, FIRST_PHASE), precision="bfloat16" if self._bf16() else "float32",
            max_seconds=None if self.max_minutes is None else 60.0 * self.max_minutes)
        checkpoint = checkpoint_path(checkpoint_dir, 0)
        signature = fingerprint(self._fit_params(), seed, data) if checkpoint else ""
        return train(self.module_, next_token_loss, windows, None, config, validation=validation, seed=seed,
                     progress=self.verbose, description="language model", checkpoint=checkpoint,
                     resume=resume, fingerprint=signature)

    def _bf16(self) -> bool:
        """Whether training computes in bfloat16 (``precision``; "auto": CPUs with native bf16)."""
        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        if self.precision == "auto":
            return self.device_.type == "cpu" and native
        if self.precision == "bfloat16" and self.device_.type == "cpu" and not native:
            raise InputError("precision 'bfloat16' needs a CPU with native bfloat16 (AVX-512 BF16 or AMX) "
                             "or a CUDA device; this CPU has none: use 'auto' or 'float32'")
        return self.precision == "bfloat16"

    def _split(self, items: list, validation) -> tuple[np.ndarray, np.ndarray]:
        """Token-id streams for training and validation (a tail of the training text by default)."""
        stream = self._stream(items)
        if validation is not None:
            val_items = as_sequences(validation, "validation")[0]
            _check_kind(val_items, self.char_level_, "validation")
            val_stream = self._stream(val_items)
            if len(val_stream) < 2:
                raise InputError("validation holds only empty texts; pass some text or None")
            return stream, val_stream
        if not 0 < self.val_size < 1:
            raise InputError(f"val_size must be a fraction in (0, 1); received {self.val_size!r}")
        n_val = int(round(self.val_size * len(stream)))
        if n_val < 2 or len(stream) - n_val < 2:
            raise InputError(f"texts hold {len(stream)} tokens (with one start token per text); "
                             f"val_size {self.val_size} leaves too few for training or validation")
        return stream[:-n_val], stream[-n_val:]

    def _fit_params(self) -> dict:
        return fit_params(self)

    def _check_params(self) -> None:
        check_params(self)

    def _network(self) -> nn.Module:
        return build("language", vocab_size=len(self.vocabulary_), embedding_dim=self.embedding_dim,
                     hidden_size=self.hidden_size, n_layers=self.n_layers, dropout=self.dropout)

    # ------------------------------------------------------------------ encoding
    def _encode(self, text) -> np.ndarray:
        """Token ids of one text (unknown tokens -> UNK)."""
        if not self.char_level_:
            return self.vocabulary_.encode(list(text))
        if getattr(self, "_lookup", None) is None:  # sorted code points of the tokens, their ids
            chars = [(ord(t), i) for i, t in enumerate(self.vocabulary_.tokens) if i > UNK]
            self._lookup = tuple(np.array(col, dtype=np.int64) for col in zip(*sorted(chars)))
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)
        keys, ids = self._lookup
        at = np.minimum(np.searchsorted(keys, points), len(keys) - 1)
        return np.where(keys[at] == points, ids[at], UNK)

    def _stream(self, items: list) -> np.ndarray:
        """All non-empty texts, each preceded by START, as one id array."""
        parts = [np.r_[START, self._encode(t)] for t in items if len(t)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


    def _threads(self) -> int | None:
        return None if self.device_.type != "cpu" else (self.n_threads or 1)

    # ------------------------------------------------------------------ prediction
    def score(self, texts) -> float:
        """Minus ``bits_per_char(texts)``: greater is better, as scikit-learn's searches expect."""
        return -self.bits_per_char(texts)

    @torch.inference_mode()
    def bits_per_char(self, texts) -> float:
        """Bits per character (per token) of ``texts``: the mean of -log2 p(token | all before it)
        over every token, each text read from its start; empty texts are skipped."""
        check_fitted(self, "module_", "fit(texts)")
        items = as_sequences(texts, "texts")[0]
        _check_kind(items, self.char_level_, "texts")
        streams = sorted((np.r_[START, self._encode(t)] for t in items if len(t)), key=len)
        if not streams:
            raise InputError("texts holds only empty texts; there is nothing to score")
        self.module_.eval()
        total = 0.0
        with torch_threads(self._threads()):
            for i in range(0, len(streams), SCORE_BATCH):
                total += self._nll(streams[i : i + SCORE_BATCH])
        return bits_per_char(total, sum(len(s) - 1 for s in streams))

    def _nll(self, streams: list[np.ndarray]) -> float:
        """Summed negative log-likelihood (nats) of every token after START, texts side by side."""
        width = max(len(s) for s in streams)
        ids = np.full((len(streams), width), START, dtype=np.int64)
        targets = np.full((len(streams), width), -100, dtype=np.int64)  # -100: ignored
        for row, s in enumerate(streams):
            ids[row, : len(s)], targets[row, : len(s) - 1] = s, s[1:]
        ids, targets = torch.from_numpy(ids).to(self.device_), torch.from_numpy(targets).to(self.device_)
        total, state = 0.0, None
        for t in range(0, width - 1, SCORE_CHUNK):
            logits, state = self.module_(ids[:, t : t + SCORE_CHUNK], state)
            total += float(F.cross_entropy(logits.flatten(0, 1).float(),
                                           targets[:, t : t + SCORE_CHUNK].flatten(), reduction="sum"))
        return total

    @torch.inference_mode()
    def sample(self, n_tokens: int, prompt="", temperature: float = 1.0, top_k: int | None = None,
               random_state: int | None = None):
        """``n_tokens`` new tokens that continue ``prompt`` (a string, or a list of tokens).

        The prompt is not repeated in the result. It may be longer than ``context``: it is read
        whole, one chunk after another, and the state carries on (nothing is cut). Tokens
        unseen in training read as the unknown token, which is never sampled.
        ``temperature`` > 0 divides the logits (lower: safer text); ``top_k`` keeps only the k
        most probable tokens at each step (1: greedy); near 0, temperature becomes greedy too.
        A sample that its first second's pace puts above ``LIMITS['sample_seconds']`` (120 s)
        is refused then (``generator_sampling.SamplingPace``). Returns a string for a model
        fitted on strings, else a list of tokens.
        """
        check_fitted(self, "module_", "fit(texts)")
        n_tokens = check_positive_int("n_tokens", n_tokens)
        temperature = _check_temperature(temperature)
        if top_k is not None:
            top_k = min(check_positive_int("top_k", top_k), len(self.vocabulary_) - 2)
        prompt = _check_prompt(prompt, self.char_level_)
        generator = torch.Generator().manual_seed(resolve_seed(random_state))
        ids = torch.from_numpy(np.r_[START, self._encode(prompt)].astype(np.int64)).to(self.device_)
        self.module_.eval()
        out = []
        with torch_threads(self._threads()):
            state = None
            for chunk in ids.split(SCORE_CHUNK):
                logits, state = self.module_(chunk[None], state)
            logits = logits[0, -1:]
            pace = SamplingPace(n_tokens)
            for i in range(n_tokens):
                pace.token(i)
                scores = logits[0].float().cpu()
                scores[[START, UNK]] = -math.inf
                scores = scaled(scores, temperature)
                if top_k is not None:
                    scores[scores < scores.topk(top_k).values[-1]] = -math.inf
                token = torch.multinomial(torch.softmax(scores, dim=0), 1, generator=generator)
                out.append(int(token))
                if i + 1 < n_tokens:
                    logits, state = self.module_.step(token.to(self.device_), state)
        tokens = self.vocabulary_.decode(out)
        return "".join(tokens) if self.char_level_ else tokens

    # ------------------------------------------------------------------ persistence hooks
    def _fitted_modules(self) -> list[nn.Module]:
        return [self.module_]

    def _get_state(self) -> dict:
        return {"tokens": self.vocabulary_.tokens[2:], "char_level": self.char_level_,
                "context": self.context_, "history": self.history_}

    def _set_state(self, state: dict) -> None:
        self.vocabulary_ = Vocabulary(list(state["tokens"]))
        self._lookup = None
        self.char_level_ = bool(state["char_level"])
        self.context_ = int(state["context"])
        self.history_ = state["history"]
        self.device_ = resolve_device(self.device)

    def _fresh_modules(self) -> list[nn.Module]:
        self._check_params()
        return [self._network()]

    def _set_modules(self, modules: list[nn.Module]) -> None:
        self.module_ = modules[0].to(self.device_).eval()


def _check_kind(items: list, char_level: bool, name: str) -> None:
    """All strings for a character model, all token lists for a token model."""
    for i, t in enumerate(items):
        if isinstance(t, str) != char_level:
            wanted = "a string" if char_level else "a list of tokens"
            raise InputTypeError(f"{name}[{i}] must be {wanted}, as the texts this model was fitted "
                                 f"on; received {type(t).__name__}")


def _check_prompt(prompt, char_level: bool):
    """The prompt as the model reads it: a string, or a list of string tokens ("": none)."""
    if isinstance(prompt, str) and not prompt:
        return prompt if char_level else []
    tokens = isinstance(prompt, (list, tuple)) and all(isinstance(t, str) for t in prompt)
    if char_level and not isinstance(prompt, str) or not char_level and not tokens:
        wanted = "a string" if char_level else "a list of string tokens"
        raise InputTypeError(f"prompt must be {wanted}, as the texts this model was fitted on; "
                             f"received {type(prompt).__name__}")
    return prompt


def _check_temperature(value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise InputError(f"temperature must be a number > 0; received {value!r}")
    return float(value)
