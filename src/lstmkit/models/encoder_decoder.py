"""Encoder-decoder LSTM on token ids: an encoder LSTM reads the source, a decoder writes the target.

Two decoders, picked by ``config.decoder`` when the network is built:

- ``"repeat"``: the classic fixed-length form (Keras's RepeatVector recipe). The encoder's
  final hidden state is repeated once per output step and read by a decoder LSTM; no
  prediction is fed back.
- ``"attention"``: an autoregressive decoder LSTM fed the previous target token (teacher
  forcing in training, its own greedy choice at inference) with Luong attention over the
  encoder outputs (Luong, Pham & Manning 2015: "dot" or "general" scores, with input
  feeding: each step also reads the previous attentional vector, so the decoder knows what
  it attended to last; on addition this carries the carry and was clearly more robust
  than attention without it). ``AttentionDecoder.step`` is the one-step unit that
  teacher forcing, greedy decoding (and beam search) loop over.

Both decoders offer ``forward(tgt_in, memory) -> logits`` (teacher forced) and
``generate(memory, n_steps, start_token) -> logits`` (free running), so the network
holds no branch on the decoder kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from lstmkit.errors import check_choice, check_positive_int
from lstmkit.models.init import forget_bias

DECODERS = ("attention", "repeat")
ATTENTION_SCORES = ("dot", "general")

State = tuple[torch.Tensor, torch.Tensor]  # LSTM (h, c), each (1, B, H)
DecoderState = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # (h, c, attentional vector), (B, H) each


class Memory(NamedTuple):
    """What the encoder hands the decoder."""

    outputs: torch.Tensor  # (B, S, H) encoder output at every source step
    state: State  # final encoder (h, c), each (1, B, H)
    mask: torch.Tensor  # (B, S) True where the source holds a real token (not padding)


class Encoder(nn.Module):
    """Source token ids (B, S) -> Memory."""

    def __init__(self, vocab_size: int, hidden_size: int, pad_token: int):
        super().__init__()
        self.pad_token = pad_token
        self.embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=pad_token)
        self.lstm = forget_bias(nn.LSTM(hidden_size, hidden_size, batch_first=True))

    def forward(self, src: torch.Tensor) -> Memory:
        outputs, state = self.lstm(self.embedding(src))  # (B, S, H), ((1, B, H), (1, B, H))
        return Memory(outputs, state, src != self.pad_token)


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


class AttentionDecoder(nn.Module):
    """Luong decoder with input feeding: previous token + previous attentional vector -> LSTM
    cell -> attention over the source -> attentional vector -> next-token logits."""

    def __init__(self, vocab_size: int, hidden_size: int, score: str):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.cell = forget_bias(nn.LSTMCell(2 * hidden_size, hidden_size))
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

    def forward(self, tgt_in: torch.Tensor, memory: Memory) -> torch.Tensor:
        """Teacher forcing: tgt_in (B, T) starts with the start token -> logits (B, T, V)."""
        state, steps = self.initial_state(memory), []
        for t in range(tgt_in.shape[1]):
            logits, state = self.step(tgt_in[:, t], state, memory)
            steps.append(logits)
        return torch.stack(steps, dim=1)  # (B, T, V)

    def generate(self, memory: Memory, n_steps: int, start_token: int) -> torch.Tensor:
        """Greedy free-running decoding -> logits (B, n_steps, V), each step fed the last argmax."""
        batch = memory.outputs.shape[0]
        tokens = torch.full((batch,), start_token, dtype=torch.long, device=memory.outputs.device)
        state, steps = self.initial_state(memory), []
        for _ in range(n_steps):
            logits, state = self.step(tokens, state, memory)  # (B, V)
            steps.append(logits)
            tokens = logits.argmax(dim=-1)  # (B,)
        return torch.stack(steps, dim=1)  # (B, n_steps, V)


class RepeatDecoder(nn.Module):
    """The final encoding, repeated once per output step, read by an LSTM -> logits per step."""

    def __init__(self, vocab_size: int, hidden_size: int):
        super().__init__()
        self.lstm = forget_bias(nn.LSTM(hidden_size, hidden_size, batch_first=True))
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tgt_in: torch.Tensor, memory: Memory) -> torch.Tensor:
        """Only the length T of tgt_in (B, T) is used: no token is fed back -> logits (B, T, V)."""
        return self.generate(memory, tgt_in.shape[1])

    def generate(self, memory: Memory, n_steps: int, start_token: int = 0) -> torch.Tensor:
        """-> logits (B, n_steps, V); start_token is unused (kept for a common interface)."""
        encoding = memory.state[0][-1]  # (B, H)
        repeated = encoding[:, None, :].expand(-1, n_steps, -1)  # (B, n_steps, H)
        h, _ = self.lstm(repeated)  # (B, n_steps, H)
        return self.head(h)  # (B, n_steps, V)


@dataclass
class EncoderDecoderConfig:
    n_features: int  # source vocabulary size (token ids 0 .. n_features - 1)
    n_outputs: int  # target vocabulary size
    hidden_size: int = 64  # LSTM memory cells (also the embedding size)
    decoder: str = "attention"  # "attention" (autoregressive, Luong) or "repeat" (fixed length)
    attention: str = "general"  # Luong score for the "attention" decoder: "dot" or "general"
    n_steps_out: int = 1  # output steps when forward() is given no decoder inputs
    pad_token: int = 0  # source id that marks padding: zero embedding, never attended to
    start_token: int = 1  # target id that starts decoding when forward() is given no inputs

    def __post_init__(self):
        check_positive_int("n_features", self.n_features)
        check_positive_int("n_outputs", self.n_outputs)
        check_positive_int("hidden_size", self.hidden_size)
        check_positive_int("n_steps_out", self.n_steps_out)
        check_choice("decoder", self.decoder, DECODERS)
        check_choice("attention", self.attention, ATTENTION_SCORES)


class EncoderDecoder(nn.Module):
    """src (batch, S) token ids [+ tgt_in (batch, T)] -> logits (batch, T, n_outputs).

    Example: ``net = EncoderDecoder(EncoderDecoderConfig(n_features=14, n_outputs=14))``;
    ``net(src, tgt_in)`` for training, ``net.greedy(src, n_steps=5, start_token=1)`` to decode.
    """

    def __init__(self, config: EncoderDecoderConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config.n_features, config.hidden_size, config.pad_token)
        if config.decoder == "attention":
            self.decoder = AttentionDecoder(config.n_outputs, config.hidden_size, config.attention)
        else:
            self.decoder = RepeatDecoder(config.n_outputs, config.hidden_size)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced logits (B, T, V) given tgt_in (B, T); without it, free-running
        greedy logits (B, n_steps_out, V) from ``config.start_token``."""
        memory = self.encoder(src)
        if tgt_in is None:
            return self.decoder.generate(memory, self.config.n_steps_out, self.config.start_token)
        return self.decoder(tgt_in, memory)

    def greedy(self, src: torch.Tensor, n_steps: int, start_token: int) -> torch.Tensor:
        """Greedy decoding: src (B, S) -> token ids (B, n_steps)."""
        return self.decoder.generate(self.encoder(src), n_steps, start_token).argmax(dim=-1)
