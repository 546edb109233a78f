"""Seq2Seq: token sequences in, token sequences out (addition, date normalisation, transliteration).

Sources and targets are strings (read as characters or whitespace-separated words) or
lists of tokens. Each side gets its own vocabulary built from the training pairs, with
padding (0), unknown (1), start (2) and end (3) tokens: a token unseen in training reads
as unknown, so new input never crashes a prediction. Every source is followed by the end
token, so an empty source is a valid input (the model answers what it learned for it).
Training is teacher forced (optionally scheduled sampling) over batches of padded
sequences (the encoder packs them), with cross-entropy over the target tokens (padding
ignored) and early stopping on a validation split carved from the training pairs.
Prediction is greedy or beam search.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch.nn import functional as F

from lstmkit import memory
from lstmkit.checkpoints import checkpoint_path, fingerprint
from lstmkit.data.tokens import LEVELS, PAD, Vocabulary, as_sequences
from lstmkit.errors import (
    LIMITS,
    InputError,
    InputTypeError,
    check_choice,
    check_fitted,
    check_positive_int,
)
from lstmkit.metrics import exact_match
from lstmkit.models.registry import build
from lstmkit.persistence import Persistable
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.tasks._base import (
    FLAG,
    Choice,
    Device,
    Fraction,
    Int,
    Real,
    check_learned,
    check_params,
    fit_params,
)
from lstmkit.training import (
    TrainConfig,
    lr_phases,
    one_fit,
    resolve_device,
    threads_for,
    torch_threads,
    train,
)

START, END = 2, 3
SPECIALS = ("<pad>", "<unk>", "<start>", "<end>")
ATTENTIONS = ("luong", "bahdanau", None)
ARCH_OPTIONS = {"decoder": ("attention", "plain", "repeat"), "attention": ("dot", "general", "bahdanau")}
DECODE_BATCH = 2048  # hypotheses decoded at once


class _ArchOptions:
    """None or a dict (its entries are checked against ``ARCH_OPTIONS``)."""

    def check(self, name: str, value) -> None:
        if value is not None and not isinstance(value, dict):
            raise InputTypeError(f"{name} must be None or a dict; received {value!r}")


class Seq2Seq(Persistable, BaseEstimator):
    """Encoder-decoder LSTM with scikit-learn's conventions.

    >>> from lstmkit.tasks.seq2seq import Seq2Seq
    >>> model = Seq2Seq(random_state=0).fit(["12+345", "7+8"], ["357", "15"])
    >>> model.predict(["40+2"], beam_width=3)

    Parameters
    ----------
    level: "char" (strings are read character by character) or "word" (split on whitespace,
        written back joined by single spaces). Lists of tokens are taken as they are; outputs
        are strings when the training targets were strings, token lists otherwise.
    hidden_size, embedding_dim: LSTM memory cells and token vector size.
    attention: "luong" (general score, input feeding), "bahdanau" (additive) or None (the
        decoder sees only the encoder's final state).
    bidirectional: the encoder reads each source both ways.
    reverse_input: read sources backwards (Sutskever et al. 2014).
    reverse_target: learn targets backwards and turn predictions back (e.g. lowest digit
        first for addition, so carries flow forward in time).
    teacher_forcing: share of training steps fed the true previous token; below 1 the rest
        are fed the model's own greedy choice (scheduled sampling).
    arch_options: further network options: {"attention": "dot"} for Luong's dot score,
        {"decoder": "repeat"} for the fixed-length RepeatVector form (no feedback; greedy
        only); these entries win over ``attention``.
    epochs, batch_size, lr, patience: training (Adam, gradient clipping, early stopping on
        validation loss; the best weights are kept).
    lr_decay: after early stopping, train again from the best weights at ``lr * lr_decay``
        (with the same patience); None trains once.
    val_size: fraction of the training pairs held out for early stopping.
    max_output_length: the most tokens a prediction may have (None: twice the longest
        training target, plus 2).
    beam_width: 1 is greedy decoding; k > 1 keeps the k most probable hypotheses.
    random_state, device ("auto": CUDA when present), verbose (progress bar).

    Attributes after fit: ``source_vocabulary_``, ``target_vocabulary_`` (``.tokens``: id ->
    token), ``module_``, ``history_`` (per epoch: loss, val_loss, val_exact_match, seconds).
    """

    _parameter_constraints = {
        "level": Choice(LEVELS), "attention": Choice(ATTENTIONS),
        **{name: Int() for name in ("hidden_size", "embedding_dim", "epochs", "batch_size", "patience")},
        "max_output_length": Int(none=True), "beam_width": Int(), "teacher_forcing": Fraction(closed=True),
        "val_size": Fraction(), "lr": Real(), "bidirectional": FLAG, "lr_decay": Fraction(none=True),
        "arch_options": _ArchOptions(), "device": Device(),
    }

    def __init__(self, level: str = "char", hidden_size: int = 64, embedding_dim: int = 32,
                 attention: str | None = "luong", bidirectional: bool = False,
                 reverse_input: bool = False, reverse_target: bool = False,
                 teacher_forcing: float = 1.0, arch_options: dict | None = None, epochs: int = 50,
                 batch_size: int = 64, lr: float = 3e-3, patience: int = 4,
                 lr_decay: float | None = 0.1, val_size: float = 0.1,
                 max_output_length: int | None = None, beam_width: int = 1,
                 random_state: int | None = None, device: str = "auto", verbose: bool = False):
        self.level = level
        self.hidden_size = hidden_size
        self.embedding_dim = embedding_dim
        self.attention = attention
        self.bidirectional = bidirectional
        self.reverse_input = reverse_input
        self.reverse_target = reverse_target
        self.teacher_forcing = teacher_forcing
        self.arch_options = arch_options
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.patience = patience
        self.lr_decay = lr_decay
        self.val_size = val_size
        self.max_output_length = max_output_length
        self.beam_width = beam_width
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    @one_fit
    def fit(self, sources, targets, checkpoint_dir=None, resume: bool = False) -> Seq2Seq:
        """Learn to write ``targets[i]`` for ``sources[i]``; returns self.

        ``checkpoint_dir``: write a checkpoint there after every epoch; ``resume=True``
        continues the checkpoints found there (same settings and data).
        """
        self._check_params()
        source_tokens, _ = self._tokens(sources, "sources")
        target_tokens, kind = self._tokens(targets, "targets")
        if len(source_tokens) != len(target_tokens):
            raise InputError(f"sources and targets must have the same length; received "
                             f"{len(source_tokens)} and {len(target_tokens)}")
        n = len(source_tokens)
        n_val = int(round(self.val_size * n))
        if n_val < 1 or n_val >= n:
            raise InputError(f"val_size {self.val_size} leaves no training or validation pairs of {n}; "
                             "pass more pairs")
        seed = resolve_seed(self.random_state)
        order = torch.from_numpy(np.random.default_rng(seed).permutation(n))
        val_idx, train_idx = order[:n_val], order[n_val:]
        self.source_vocabulary_ = _vocabulary(source_tokens)
        self.target_vocabulary_ = _vocabulary(target_tokens)
        self.target_kind_ = kind
        longest = max(len(t) for t in target_tokens)
        self.max_output_length_ = self.max_output_length or 2 * longest + 2
        self.device_ = resolve_device(self.device)
        src = self._source_ids(source_tokens)
        tgt_in, tgt_out = self._target_ids(target_tokens)
        data = ((src[train_idx], tgt_in[train_idx]), tgt_out[train_idx])
        validation = ((src[val_idx], tgt_in[val_idx]), tgt_out[val_idx])
        memory.check_parameters(self._network, advice="lower hidden_size", device=self.device_)
        with seeded(seed, self.device_):
            self.module_ = self._network().to(self.device_)
        val_targets = [target_tokens[i] for i in val_idx.tolist()]

        def score_validation(record: dict) -> bool:
            decoded = self._decode_ids(validation[0][0], beam_width=1)
            record["val_exact_match"] = exact_match(val_targets, [self._output_tokens(d) for d in decoded])
            return False

        config = TrainConfig(  # reseed: scheduled sampling draws from torch's generator
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, patience=self.patience, clip=1.0,
            n_threads=self._threads(), phases=lr_phases(self.lr_decay), reseed=True)
        self.history_ = train(self.module_, _loss, *data, config, validation=validation, seed=seed,
                              progress=self.verbose, description="seq2seq", on_epoch=score_validation,
                              checkpoint=checkpoint_path(checkpoint_dir, 0), resume=resume,
                              fingerprint=fingerprint(self._fit_params(), seed, data, validation))
        check_learned([self.history_], len(self.target_vocabulary_), self.lr, Seq2Seq().lr)
        self.module_.eval()
        return self

    def _fit_params(self) -> dict:
        """The parameters that change training (for checkpoint fingerprints)."""
        return fit_params(self, ignore=("verbose", "device", "beam_width", "max_output_length"))

    def _check_params(self) -> None:
        check_params(self)
        for key, value in (self.arch_options or {}).items():
            check_choice("arch_options key", key, tuple(ARCH_OPTIONS))
            check_choice(f"arch_options[{key!r}]", value, ARCH_OPTIONS[key])

    def _network(self) -> torch.nn.Module:
        options = {"decoder": "plain"} if self.attention is None else {
            "decoder": "attention", "attention": "general" if self.attention == "luong" else "bahdanau"}
        options.update(self.arch_options or {})
        return build("encoder-decoder", n_features=len(self.source_vocabulary_),
                     n_outputs=len(self.target_vocabulary_), hidden_size=self.hidden_size,
                     embedding_dim=self.embedding_dim, bidirectional=bool(self.bidirectional),
                     teacher_forcing=float(self.teacher_forcing),
                     n_steps_out=self.max_output_length_ + 1, pad_token=PAD, start_token=START, **options)

    # ------------------------------------------------------------------ encoding
    def _tokens(self, sequences, name: str) -> tuple[list[list[str]], str]:
        """Validated sequences as token lists, and their kind: "text" (strings) or "tokens"."""
        items, kind = as_sequences(sequences, name, empty="sequences")
        if kind == "tokens":
            return [list(item) for item in items], kind
        return [list(item) if self.level == "char" else item.split() for item in items], kind

    def _source_ids(self, token_lists: list[list[str]]) -> torch.Tensor:
        """Right-padded source ids (n, longest + 1): tokens (reversed if asked), then END; a
        source longer than ``LIMITS['source_length']`` tokens is refused first."""
        _check_source_lengths(token_lists)
        rows = [self.source_vocabulary_.encode(t[::-1] if self.reverse_input else t) for t in token_lists]
        ids = np.full((len(rows), max(len(r) for r in rows) + 1), PAD, dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            ids[i, len(row)] = END
        return torch.from_numpy(ids).to(self.device_)

    def _target_ids(self, token_lists: list[list[str]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder inputs [START, t1 .. tn] and decoder targets [t1 .. tn, END], right-padded."""
        rows = [self.target_vocabulary_.encode(t[::-1] if self.reverse_target else t) for t in token_lists]
        width = max(len(r) for r in rows) + 1
        tgt_in = np.full((len(rows), width), PAD, dtype=np.int64)
        tgt_out = np.full((len(rows), width), PAD, dtype=np.int64)
        for i, row in enumerate(rows):
            tgt_in[i, 0], tgt_in[i, 1 : len(row) + 1] = START, row
            tgt_out[i, : len(row)], tgt_out[i, len(row)] = row, END
        return torch.from_numpy(tgt_in).to(self.device_), torch.from_numpy(tgt_out).to(self.device_)

    def _output_tokens(self, ids: list[int]) -> list[str]:
        """Decoded ids (up to the first END) -> tokens, in reading order."""
        ids = ids[: ids.index(END)] if END in ids else ids[: self.max_output_length_]
        tokens = [self.target_vocabulary_.tokens[i] for i in ids if i not in (PAD, START)]
        return tokens[::-1] if self.reverse_target else tokens

    def _join(self, tokens: list[str]):
        if self.target_kind_ == "tokens":
            return tokens
        return "".join(tokens) if self.level == "char" else " ".join(tokens)

    def _threads(self) -> int | None:
        """Torch CPU threads for training and decoding (None: leave torch alone, e.g. on CUDA).

        A decoder runs one small step per output token, so a second thread buys little and
        costs much when the other core is busy (measured: the dates model, 132k parameters
        at batch 256, took 12.8 s an epoch on one thread and 44 s on two). One thread unless
        the network is large.
        """
        if self.device_.type != "cpu":
            return None
        return 1 if self.hidden_size < 256 else threads_for(self.module_, self.batch_size)

    # ------------------------------------------------------------------ prediction

    @torch.inference_mode()
    def _decode_ids(self, src: torch.Tensor, beam_width: int) -> list[list[int]]:
        """Decoded ids of each source row (greedy, or beam search when beam_width > 1)."""
        module = self.module_.eval()
        beam = beam_width > 1 and module.config.decoder != "repeat"  # repeat: every step at once
        chunk = _decode_rows(module, src, beam_width if beam else 1, self.device_)
        n_steps = self.max_output_length_ + 1  # the tokens, then END
        threads = self._threads()
        out: list[list[int]] = []
        with torch_threads(threads):
            for i in range(0, len(src), chunk):
                rows = src[i : i + chunk]
                if beam:
                    ids, _ = module.beam_search(rows, n_steps, START, END, beam_width)
                else:
                    ids = module.greedy(rows, n_steps, START, END)
                out.extend(ids.cpu().tolist())
        return out

    def predict_tokens(self, sources, beam_width: int | None = None) -> list[list[str]]:
        """The predicted output of each source as a list of tokens."""
        check_fitted(self, "module_", "fit(sources, targets)")
        width = check_positive_int("beam_width", self.beam_width if beam_width is None else beam_width)
        tokens, _ = self._tokens(sources, "sources")
        return [self._output_tokens(ids) for ids in self._decode_ids(self._source_ids(tokens), width)]

    def predict(self, sources, beam_width: int | None = None) -> list:
        """The predicted output of each source: strings (or token lists when the model was
        fitted on token-list targets). ``beam_width`` overrides the fitted setting."""
        return [self._join(t) for t in self.predict_tokens(sources, beam_width)]

    def score(self, sources, targets, beam_width: int | None = None) -> float:
        """Exact match: the fraction of sources whose whole output is right."""
        predicted = self.predict_tokens(sources, beam_width)
        return exact_match(self._tokens(targets, "targets")[0], predicted)

    @torch.inference_mode()
    def log_prob(self, sources, targets) -> np.ndarray:
        """The log-probability the model gives each target (its tokens, then the end token)."""
        check_fitted(self, "module_", "fit(sources, targets)")
        src = self._source_ids(self._tokens(sources, "sources")[0])
        tgt_in, tgt_out = self._target_ids(self._tokens(targets, "targets")[0])
        if len(src) != len(tgt_in):
            raise InputError(f"sources and targets must have the same length; received {len(src)} "
                             f"and {len(tgt_in)}")
        module = self.module_.eval()
        totals = []
        for i in range(0, len(src), DECODE_BATCH):
            rows = slice(i, i + DECODE_BATCH)
            log_probs = module(src[rows], tgt_in[rows]).float().log_softmax(dim=-1)  # (B, T, V)
            picked = log_probs.gather(2, tgt_out[rows, :, None])[..., 0]  # (B, T)
            totals.append(picked.masked_fill(tgt_out[rows] == PAD, 0.0).sum(dim=1))
        return torch.cat(totals).cpu().numpy()

    # ------------------------------------------------------------------ persistence hooks
    def _fitted_modules(self) -> list[torch.nn.Module]:
        return [self.module_]

    def _get_state(self) -> dict:
        return {"source_tokens": self.source_vocabulary_.tokens[len(SPECIALS):],
                "target_tokens": self.target_vocabulary_.tokens[len(SPECIALS):],
                "target_kind": self.target_kind_, "max_output_length": self.max_output_length_,
                "history": self.history_}

    def _set_state(self, state: dict) -> None:
        self.source_vocabulary_ = Vocabulary([*SPECIALS[2:], *state["source_tokens"]])
        self.target_vocabulary_ = Vocabulary([*SPECIALS[2:], *state["target_tokens"]])
        self.target_kind_ = check_choice("target_kind", state["target_kind"], ("text", "tokens"))
        self.max_output_length_ = int(state["max_output_length"])
        self.history_ = state["history"]
        self.device_ = resolve_device(self.device)

    def _fresh_modules(self) -> list[torch.nn.Module]:
        self._check_params()
        return [self._network()]

    def _set_modules(self, modules: list[torch.nn.Module]) -> None:
        self.module_ = modules[0].to(self.device_).eval()


def _check_source_lengths(token_lists: list[list[str]]) -> None:
    """Refuse a source longer than ``LIMITS['source_length']`` tokens (a model trained on short
    sources has nothing to say about one of millions, and reading it costs gigabytes)."""
    lengths = [len(t) for t in token_lists]
    longest = max(lengths, default=0)
    if longest > LIMITS["source_length"]:
        raise InputError(f"sources[{lengths.index(longest)}] has {longest:,} tokens; a Seq2Seq reads sources "
                         f"of at most {LIMITS['source_length']:,} (a limit against exhausting the machine: "
                         "raise lstmkit.errors.LIMITS['source_length'] on purpose)")


def _decode_rows(module, src: torch.Tensor, hypotheses: int, device) -> int:
    """Sources decoded at once: ``DECODE_BATCH`` hypotheses, fewer where sources are long (at
    most ``memory.PREDICT_STEPS`` source steps of hypotheses a batch); raises when even that
    batch cannot fit: the encoder's leaf outputs on a short probe (``memory.inference_bytes``),
    scaled, for each hypothesis and twice more (attention keys, transient scores)."""
    longest = src.shape[1]
    rows = max(1, min(DECODE_BATCH // hypotheses, memory.PREDICT_STEPS // (longest * hypotheses)))
    k = min(longest, memory.PROBE_STEPS)
    per_step = memory.inference_bytes(module.encoder, (src[:1, :k],)) / k * (2 + hypotheses)
    memory.check_predict(per_step, min(rows, len(src)), longest, device,
                         "shorten the sources or lower beam_width")
    return rows


def _vocabulary(token_lists: list[list[str]]) -> Vocabulary:
    """Specials (pad 0, unknown 1, start 2, end 3), then the tokens, most frequent first."""
    counts = Counter(t for tokens in token_lists for t in tokens)
    kept = [t for t, _ in counts.most_common() if t not in SPECIALS]
    return Vocabulary([*SPECIALS[2:], *kept])


def _loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of logits (B, T, V) against target ids (B, T); padding is ignored."""
    return F.cross_entropy(logits.transpose(1, 2).float(), target, ignore_index=PAD)
