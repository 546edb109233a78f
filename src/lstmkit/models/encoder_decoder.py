"""Encoder-decoder LSTM on token ids: an encoder LSTM reads the source, a decoder writes the target.

The encoder reads right-padded sources (packed, so padding never changes an encoding and is
never attended to); ``bidirectional=True`` reads them both ways, merged by projections.

Decoders, picked by ``config.decoder`` (and ``config.attention``) when the network is built:

- ``"attention"`` with ``attention="dot"`` or ``"general"``: Luong, Pham & Manning (2015),
  with input feeding: each step also reads the previous attentional vector (on addition
  this carries the carry: clearly more robust than attention without it).
- ``"attention"`` with ``attention="bahdanau"``: Bahdanau, Cho & Bengio (2015): additive
  scores from the previous decoder state; the context is read by the LSTM cell.
- ``"plain"``: no attention (Sutskever et al. 2014): the decoder starts from the encoder's
  final state and is fed only the previous token.
- ``"repeat"``: Keras's RepeatVector recipe: the encoder's final hidden state is repeated
  once per output step and read by a decoder LSTM; no prediction is fed back.

Every autoregressive decoder offers ``step(tokens, state, memory) -> (logits, state)``: the
one-step unit that teacher forcing, greedy decoding and beam search loop over. All
decoders offer ``forward(tgt_in, memory) -> logits`` (teacher forced; with
``teacher_forcing < 1`` some steps in training are fed the model's own greedy choice) and
``generate(memory, n_steps, start_token) -> logits`` (free running), so the network holds
no branch on the decoder kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from lstmkit.errors import InputError, check_choice, check_positive_int
from lstmkit.models.init import forget_bias

DECODERS = ("attention", "plain", "repeat")
ATTENTION_SCORES = ("dot", "general", "bahdanau")

State = tuple[torch.Tensor, torch.Tensor]  # LSTM (h, c), each (1, B, H)
DecoderState = tuple[torch.Tensor, ...]  # (B, H) each: h, c [, attentional vector]


class Memory(NamedTuple):
    """What the encoder hands the decoder."""

    outputs: torch.Tensor  # (B, S, H) encoder output at every source step
    state: State  # final encoder (h, c), each (1, B, H)
    mask: torch.Tensor  # (B, S) True where the source holds a real token (not padding)
    keys: torch.Tensor | None = None  # (B, S, H) projected outputs, where a decoder precomputes them

    def repeat(self, k: int) -> Memory:
        """Each row repeated k times in place (row i -> rows i*k .. i*k+k-1), for beam search."""
        keys = None if self.keys is None else self.keys.repeat_interleave(k, 0)
        state = tuple(s.repeat_interleave(k, 1) for s in self.state)
        return Memory(self.outputs.repeat_interleave(k, 0), state, self.mask.repeat_interleave(k, 0), keys)


class Encoder(nn.Module):
    """Source token ids (B, S), right-padded with ``pad_token`` -> Memory."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, pad_token: int,
                 bidirectional: bool = False):
        super().__init__()
        self.pad_token = pad_token
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_token)
        self.lstm = forget_bias(nn.LSTM(embedding_dim, hidden_size, batch_first=True,
                                        bidirectional=bidirectional))
        # Two directions -> one: outputs, final h and final c each get a projection.
        self.merge = nn.ModuleList([nn.Linear(2 * hidden_size, hidden_size) for _ in range(3)]
                                   if bidirectional else [])

    def forward(self, src: torch.Tensor) -> Memory:
        real = src != self.pad_token  # (B, S)
        steps = torch.arange(1, src.shape[1] + 1, device=src.device)
        lengths = (real * steps).amax(dim=1)  # (B,) up to the last real token (inner padding is read)
        longest = max(int(lengths.max()), 1)
        src, real = src[:, :longest], real[:, :longest]
        real[:, 0] |= lengths == 0  # an all-padding row still attends somewhere
        embedded = self.embedding(src)  # (B, S, E)
        if bool((lengths == longest).all()):
            outputs, (h, c) = self.lstm(embedded)
        else:
            packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths.clamp(min=1).cpu(),
                                                       batch_first=True, enforce_sorted=False)
            outputs, (h, c) = self.lstm(packed)
            outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=longest)
        if self.merge:  # h, c: (2, B, H) forward and backward -> (1, B, H)
            outputs = torch.tanh(self.merge[0](outputs))
            h = torch.tanh(self.merge[1](torch.cat([h[0], h[1]], dim=-1)))[None]
            c = self.merge[2](torch.cat([c[0], c[1]], dim=-1))[None]
        return Memory(outputs, (h, c), real)


class LuongAttention(nn.Module):
    """Luong scores: "dot" q.k, or "general" (Wq).k; padded source steps get no weight."""

    def __init__(self, hidden_size: int, score: str = "general"):
        super().__init__()
        self.project = nn.Linear(hidden_size, hidden_size, bias=False) if score == "general" else None

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """query (B, T, H), keys (B, S, H), mask (B, S) -> context (B, T, H), weights (B, T, S)."""
        if self.project is not None:
            query = self.project(query)  # (B, T, H): projecting T queries is cheaper than S keys
        scores = query @ keys.transpose(1, 2)  # (B, T, S)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = scores.softmax(dim=-1)  # (B, T, S)
        return weights @ keys, weights  # (B, T, H), (B, T, S)


class AdditiveAttention(nn.Module):
    """Bahdanau scores v . tanh(W q + U k); the keys' projection U k is computed once per source."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.key = nn.Linear(hidden_size, hidden_size, bias=False)
        self.query = nn.Linear(hidden_size, hidden_size)
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, query: torch.Tensor, memory: Memory) -> tuple[torch.Tensor, torch.Tensor]:
        """query (B, H) -> context (B, H), weights (B, S)."""
        scores = self.v(torch.tanh(memory.keys + self.query(query)[:, None, :]))[..., 0]  # (B, S)
        weights = scores.masked_fill(~memory.mask, float("-inf")).softmax(dim=-1)  # (B, S)
        return (weights[:, None, :] @ memory.outputs)[:, 0], weights  # (B, H), (B, S)


class StepDecoder(nn.Module):
    """What every autoregressive decoder shares: teacher-forced and free-running loops over
    ``step``. Subclasses define ``initial_state`` and ``step`` (and may ``prepare`` memory)."""

    teacher_forcing = 1.0  # share of training steps fed the true previous token

    def prepare(self, memory: Memory) -> Memory:
        return memory

    def forward(self, tgt_in: torch.Tensor, memory: Memory) -> torch.Tensor:
        """Teacher forcing: tgt_in (B, T) starts with the start token -> logits (B, T, V).

        In training with ``teacher_forcing < 1``, each later step of each row is fed the
        model's own greedy choice instead of the true token with probability
        ``1 - teacher_forcing`` (scheduled sampling, Bengio et al. 2015).
        """
        sample = self.training and self.teacher_forcing < 1.0
        state, steps, tokens = self.initial_state(memory), [], tgt_in[:, 0]
        for t in range(tgt_in.shape[1]):
            if t > 0:
                tokens = tgt_in[:, t]
                if sample:
                    own = steps[-1].detach().argmax(dim=-1)
                    keep = torch.rand(tokens.shape, device=tokens.device) < self.teacher_forcing
                    tokens = torch.where(keep, tokens, own)
            logits, state = self.step(tokens, state, memory)
            steps.append(logits)
        return torch.stack(steps, dim=1)  # (B, T, V)

    def generate(self, memory: Memory, n_steps: int, start_token: int,
                 end_token: int | None = None) -> torch.Tensor:
        """Greedy free-running decoding -> logits (B, n, V), each step fed the last argmax.

        With ``end_token``, decoding stops early once every row has produced it (n <= n_steps).
        """
        batch = memory.outputs.shape[0]
        tokens = torch.full((batch,), start_token, dtype=torch.long, device=memory.outputs.device)
        ended = torch.zeros(batch, dtype=torch.bool, device=tokens.device)
        state, steps = self.initial_state(memory), []
        for _ in range(n_steps):
            logits, state = self.step(tokens, state, memory)  # (B, V)
            steps.append(logits)
            tokens = logits.argmax(dim=-1)  # (B,)
            if end_token is not None:
                ended |= tokens == end_token
                if bool(ended.all()):
                    break
        return torch.stack(steps, dim=1)  # (B, n, V)


class AttentionDecoder(StepDecoder):
    """Luong decoder with input feeding: previous token + previous attentional vector -> LSTM
    cell -> attention over the source -> attentional vector -> next-token logits."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, score: str):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.cell = forget_bias(nn.LSTMCell(embedding_dim + hidden_size, hidden_size))
        self.attention = LuongAttention(hidden_size, score)
        self.combine = nn.Linear(2 * hidden_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def initial_state(self, memory: Memory) -> DecoderState:
        h, c = memory.state  # (1, B, H) each
        return h[-1], c[-1], torch.zeros_like(h[-1])  # (B, H) each: h, c, attentional vector

    def step(
        self, tokens: torch.Tensor, state: DecoderState, memory: Memory
    ) -> tuple[torch.Tensor, DecoderState]:
        """tokens (B,) -> logits (B, V) and the next state."""
        h, c, attended = state
        h, c = self.cell(torch.cat([self.embedding(tokens), attended], dim=-1), (h, c))  # (B, H)
        context, _ = self.attention(h[:, None, :], memory.outputs, memory.mask)  # (B, 1, H)
        attended = torch.tanh(self.combine(torch.cat([context[:, 0], h], dim=-1)))  # (B, H)
        return self.head(attended), (h, c, attended)  # (B, V)


class BahdanauDecoder(StepDecoder):
    """Bahdanau decoder: the previous state scores the source (additive), the LSTM cell reads
    the previous token and that context, and logits come from the new state and the context."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.attention = AdditiveAttention(hidden_size)
        self.cell = forget_bias(nn.LSTMCell(embedding_dim + hidden_size, hidden_size))
        self.combine = nn.Linear(2 * hidden_size, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def prepare(self, memory: Memory) -> Memory:
        return memory._replace(keys=self.attention.key(memory.outputs))  # (B, S, H), once

    def initial_state(self, memory: Memory) -> DecoderState:
        h, c = memory.state
        return h[-1], c[-1]

    def step(self, tokens: torch.Tensor, state: DecoderState, memory: Memory):
        h, c = state
        context, _ = self.attention(h, memory)  # (B, H)
        h, c = self.cell(torch.cat([self.embedding(tokens), context], dim=-1), (h, c))
        return self.head(torch.tanh(self.combine(torch.cat([h, context], dim=-1)))), (h, c)


class PlainDecoder(StepDecoder):
    """No attention: an LSTM cell started from the encoder's final state, fed the previous token."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.cell = forget_bias(nn.LSTMCell(embedding_dim, hidden_size))
        self.head = nn.Linear(hidden_size, vocab_size)

    def initial_state(self, memory: Memory) -> DecoderState:
        h, c = memory.state
        return h[-1], c[-1]

    def step(self, tokens: torch.Tensor, state: DecoderState, memory: Memory):
        h, c = self.cell(self.embedding(tokens), state)
        return self.head(h), (h, c)


class RepeatDecoder(nn.Module):
    """The final encoding, repeated once per output step, read by an LSTM -> logits per step."""

    def __init__(self, vocab_size: int, hidden_size: int):
        super().__init__()
        self.lstm = forget_bias(nn.LSTM(hidden_size, hidden_size, batch_first=True))
        self.head = nn.Linear(hidden_size, vocab_size)

    def prepare(self, memory: Memory) -> Memory:
        return memory

    def forward(self, tgt_in: torch.Tensor, memory: Memory) -> torch.Tensor:
        """Only the length T of tgt_in (B, T) is used: no token is fed back -> logits (B, T, V)."""
        return self.generate(memory, tgt_in.shape[1])

    def generate(self, memory: Memory, n_steps: int, start_token: int = 0,
                 end_token: int | None = None) -> torch.Tensor:
        """-> logits (B, n_steps, V); start_token and end_token are unused (a common interface)."""
        encoding = memory.state[0][-1]  # (B, H)
        repeated = encoding[:, None, :].expand(-1, n_steps, -1)  # (B, n_steps, H)
        h, _ = self.lstm(repeated)  # (B, n_steps, H)
        return self.head(h)  # (B, n_steps, V)


@dataclass
class EncoderDecoderConfig:
    n_features: int  # source vocabulary size (token ids 0 .. n_features - 1)
    n_outputs: int  # target vocabulary size
    hidden_size: int = 64  # LSTM memory cells
    embedding_dim: int | None = None  # token vector size (None: hidden_size)
    decoder: str = "attention"  # "attention", "plain" (no attention) or "repeat" (fixed length)
    attention: str = "general"  # "dot" or "general" (Luong) or "bahdanau" (additive)
    bidirectional: bool = False  # encoder reads the source both ways
    teacher_forcing: float = 1.0  # share of training steps fed the true previous token
    n_steps_out: int = 1  # output steps when forward() is given no decoder inputs
    pad_token: int = 0  # source id that marks padding: zero embedding, never attended to
    start_token: int = 1  # target id that starts decoding when forward() is given no inputs

    def __post_init__(self):
        check_positive_int("n_features", self.n_features)
        check_positive_int("n_outputs", self.n_outputs)
        check_positive_int("hidden_size", self.hidden_size)
        if self.embedding_dim is not None:
            check_positive_int("embedding_dim", self.embedding_dim)
        check_positive_int("n_steps_out", self.n_steps_out)
        check_choice("decoder", self.decoder, DECODERS)
        check_choice("attention", self.attention, ATTENTION_SCORES)
        if not 0.0 <= self.teacher_forcing <= 1.0:
            raise InputError(f"teacher_forcing must be a fraction in [0, 1]; "
                             f"received {self.teacher_forcing!r}")


class EncoderDecoder(nn.Module):
    """src (batch, S) token ids [+ tgt_in (batch, T)] -> logits (batch, T, n_outputs).

    Example: ``net = EncoderDecoder(EncoderDecoderConfig(n_features=14, n_outputs=14))``;
    ``net(src, tgt_in)`` for training, ``net.greedy(src, n_steps=5, start_token=1)`` or
    ``net.beam_search(src, 5, start_token=1, end_token=2, beam_width=4)`` to decode.
    """

    def __init__(self, config: EncoderDecoderConfig):
        super().__init__()
        self.config = config
        hidden, embedding = config.hidden_size, config.embedding_dim or config.hidden_size
        self.encoder = Encoder(config.n_features, embedding, hidden, config.pad_token, config.bidirectional)
        if config.decoder == "repeat":
            self.decoder = RepeatDecoder(config.n_outputs, hidden)
        elif config.decoder == "plain":
            self.decoder = PlainDecoder(config.n_outputs, embedding, hidden)
        elif config.attention == "bahdanau":
            self.decoder = BahdanauDecoder(config.n_outputs, embedding, hidden)
        else:
            self.decoder = AttentionDecoder(config.n_outputs, embedding, hidden, config.attention)
        self.decoder.teacher_forcing = config.teacher_forcing

    def encode(self, src: torch.Tensor) -> Memory:
        return self.decoder.prepare(self.encoder(src))

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced logits (B, T, V) given tgt_in (B, T); without it, free-running
        greedy logits (B, n_steps_out, V) from ``config.start_token``."""
        memory = self.encode(src)
        if tgt_in is None:
            return self.decoder.generate(memory, self.config.n_steps_out, self.config.start_token)
        return self.decoder(tgt_in, memory)

    def greedy(self, src: torch.Tensor, n_steps: int, start_token: int,
               end_token: int | None = None) -> torch.Tensor:
        """Greedy decoding: src (B, S) -> token ids (B, n_steps); with ``end_token`` it stops
        once every row has produced it (fewer columns)."""
        return self.decoder.generate(self.encode(src), n_steps, start_token, end_token).argmax(dim=-1)

    def beam_search(self, src: torch.Tensor, n_steps: int, start_token: int, end_token: int,
                    beam_width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The most probable output of each row among ``beam_width`` kept hypotheses.

        src (B, S) -> token ids (B, n <= n_steps) and their summed log-probabilities (B,)
        (up to and including the first ``end_token``; no length penalty). A hypothesis that
        has ended keeps its score and is extended by ``end_token`` only. Width 1 is greedy.
        A beam can lose the greedy path (its prefix may fall out of the beam and the beam's
        hypotheses fare worse later), so the greedy output is decoded alongside and kept
        where it is more probable: the result is never less probable than greedy's.
        """
        beam_width = check_positive_int("beam_width", beam_width)
        if not isinstance(self.decoder, StepDecoder):
            raise InputError("beam search needs an autoregressive decoder; decoder 'repeat' writes "
                             "every step at once (use greedy)")
        batch, k = src.shape[0], beam_width
        encoded = self.encode(src)
        memory = encoded.repeat(k)  # (B*k, ...)
        state = self.decoder.initial_state(memory)
        device = src.device
        tokens = torch.full((batch * k,), start_token, dtype=torch.long, device=device)
        scores = torch.full((batch, k), float("-inf"), device=device)
        scores[:, 0] = 0.0  # one live hypothesis at first
        ended = torch.zeros(batch, k, dtype=torch.bool, device=device)
        written = torch.zeros(batch, k, 0, dtype=torch.long, device=device)
        rows = torch.arange(batch, device=device)[:, None] * k  # (B, 1)
        for t in range(n_steps):
            logits, state = self.decoder.step(tokens, state, memory)
            log_probs = logits.float().log_softmax(dim=-1).view(batch, k, -1)  # (B, k, V)
            vocab = log_probs.shape[-1]
            frozen = torch.full((vocab,), float("-inf"), device=device)
            frozen[end_token] = 0.0
            log_probs = torch.where(ended[..., None], frozen, log_probs)
            scores, index = (scores[..., None] + log_probs).view(batch, k * vocab).topk(k, dim=1)
            beam, token = index // vocab, index % vocab  # (B, k) each
            written = torch.cat([written.gather(1, beam[..., None].expand(-1, -1, t)), token[..., None]], 2)
            ended = ended.gather(1, beam) | (token == end_token)
            chosen = (beam + rows).view(-1)  # (B*k,) rows of the flat state to carry on
            state = tuple(s.index_select(0, chosen) for s in state)
            tokens = token.view(-1)
            if bool(ended[:, 0].all()):  # every best hypothesis has ended: none can overtake it
                break
        greedy, greedy_scores = self._scored_greedy(encoded, n_steps, start_token, end_token)
        best, best_scores = written[:, 0], scores[:, 0]
        width = max(best.shape[1], greedy.shape[1])
        best, greedy = (nn.functional.pad(x, (0, width - x.shape[1]), value=end_token)
                        for x in (best, greedy))
        better = greedy_scores > best_scores  # (B,)
        return torch.where(better[:, None], greedy, best), torch.where(better, greedy_scores, best_scores)

    def _scored_greedy(self, memory: Memory, n_steps: int, start_token: int,
                       end_token: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy token ids (B, n) and their summed log-probabilities up to the first end_token."""
        log_probs = self.decoder.generate(memory, n_steps, start_token, end_token).float().log_softmax(-1)
        picked, tokens = log_probs.max(dim=-1)  # (B, n) each
        is_end = (tokens == end_token).long()
        counted = (is_end.cumsum(dim=1) - is_end) == 0  # up to and including the first end_token
        return tokens, (picked * counted).sum(dim=1)
