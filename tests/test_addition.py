"""The addition problem, the encoder-decoder network and the addition demo."""

import numpy as np
import pytest
import torch

from lstmkit import InputError
from lstmkit.data.problems.addition import (
    END,
    PAD,
    START,
    VOCABULARY,
    addition,
    decode,
    encode,
    max_lengths,
)
from lstmkit.demos import run_demo
from lstmkit.demos.addition import _Sums, run_addition
from lstmkit.models import build

V = len(VOCABULARY)
TINY = {"digits": 2, "n_train": 4000, "epochs": 10, "n_test": 200}  # ~4 s


def test_targets_are_the_sums_of_terms_with_1_to_digits_digits():
    sources, targets = addition(2000, n_terms=3, digits=2, rng=0)
    assert len(sources) == len(targets) == 2000
    terms = [s.split("+") for s in sources]
    assert all(len(t) == 3 for t in terms)
    assert all(int(target) == sum(int(x) for x in t) for t, target in zip(terms, targets))
    lengths = {len(x) for t in terms for x in t}
    assert lengths == {1, 2}  # 0..99, written without leading zeros
    assert all(x == str(int(x)) for t in terms for x in t)
    assert addition(50, rng=1) == addition(50, rng=1)
    assert max_lengths(3, 2) == (8, 3) and max_lengths(2, 3) == (7, 4)


def test_encode_decode_round_trip():
    strings = ["12+345", "7", "999+999"]
    ids = encode(strings, 9, start=True, end=True)
    assert ids.shape == (3, 9) and ids.dtype == np.int64
    assert ids[0, 0] == START and ids[0, 7] == END and ids[0, 8] == PAD
    assert decode(ids) == strings
    left = encode(strings, 7, reverse=True, pad_left=True)
    assert left[1].tolist() == [PAD] * 6 + [VOCABULARY.index("7")]
    assert decode(left) == [s[::-1] for s in strings]
    assert decode(np.array([[VOCABULARY.index("4"), END, VOCABULARY.index("5")]])) == ["4"]


def test_encode_refuses_what_does_not_fit():
    with pytest.raises(InputError, match=r"'12\+345' needs 7 tokens; length is 6"):
        encode(["12+345"], 6, end=True)
    with pytest.raises(InputError, match=r"only digits and '\+'; received '1-2' with '-'"):
        encode(["1-2"], 5)


def _net(decoder, **options):
    return build("encoder-decoder", n_features=V, n_outputs=V, hidden_size=8, decoder=decoder,
                 n_steps_out=4, start_token=START, **options)


@pytest.mark.parametrize("decoder", ["attention", "repeat"])
def test_shapes_gradients_and_seeded_construction(decoder):
    src = torch.from_numpy(encode(["12+345", "7+8", "1+1"], 7, reverse=True, pad_left=True))
    tgt_in = torch.from_numpy(encode(["357", "15", "2"], 4, start=True))
    torch.manual_seed(0)
    net = _net(decoder)
    torch.manual_seed(0)
    twin = _net(decoder)
    logits = net(src, tgt_in)
    assert logits.shape == (3, 4, V)
    assert torch.equal(logits, twin(src, tgt_in))
    logits.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())
    net.eval()
    assert net(src).shape == (3, 4, V)  # free running, n_steps_out steps
    tokens = net.greedy(src, n_steps=6, start_token=START)
    assert tokens.shape == (3, 6) and tokens.dtype == torch.long
    assert tokens.min() >= 0 and tokens.max() < V


@pytest.mark.parametrize("score", ["dot", "general"])
def test_greedy_decoding_matches_teacher_forcing_on_its_own_outputs(score):
    torch.manual_seed(1)
    net = _net("attention", attention=score).eval()
    src = torch.randint(3, V, (5, 7))
    tokens = net.greedy(src, n_steps=4, start_token=START)  # (5, 4)
    fed = torch.cat([torch.full((5, 1), START), tokens[:, :-1]], dim=1)
    assert torch.equal(net(src, fed).argmax(-1), tokens)
    assert torch.allclose(net(src, fed), net(src), atol=1e-6)


def test_attention_gives_padding_no_weight():
    torch.manual_seed(0)
    net = _net("attention", attention="general")
    src = torch.from_numpy(encode(["12+345", "7"], 7, reverse=True, pad_left=True))
    memory = net.encoder(src)
    assert memory.mask.tolist()[1] == [False] * 6 + [True]
    _, weights = net.decoder.attention(torch.randn(2, 3, 8), memory.outputs, memory.mask)
    assert weights.shape == (2, 3, 7)
    assert torch.all(weights[1, :, :6] == 0) and torch.allclose(weights[1, :, 6], torch.ones(3))
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3))


def test_tiny_demo_adds_unseen_sums_far_better_than_the_baseline():
    result = run_addition(**TINY, seed=0)
    lstm, baseline = result["metrics"]["lstm"], result["metrics"]["most_common_answer"]
    assert result["task"] == "addition" and result["config"]["reverse_source"] is True
    assert lstm["exact_match"] >= 0.8 and baseline["exact_match"] <= 0.05
    assert lstm["char_accuracy"] > baseline["char_accuracy"] + 0.5
    assert result["timings"]["train"] > 0


def test_demo_is_repeatable_with_a_fixed_seed():
    small = {"digits": 2, "n_train": 1000, "epochs": 2, "n_test": 100, "hidden_size": 16}
    first, second = run_addition(**small, seed=3), run_addition(**small, seed=3)
    assert first["metrics"] == second["metrics"]
    assert first["metrics"] != run_addition(**small, seed=4)["metrics"]
    assert run_addition(**small, decoder="repeat", seed=3)["metrics"]["lstm"]["epochs"] == 2


def test_held_out_sums_are_distinct_and_never_drawn_for_training():
    sums = _Sums(n_terms=2, digits=1, rng=np.random.default_rng(0))  # only 100 distinct sums
    test, val = sums.draw_distinct(20), sums.draw_distinct(20)
    assert len(set(test[0]) | set(val[0])) == 40
    training = sums.draw(3000)[0]
    assert len(training) == 3000 and not set(training) & (set(test[0]) | set(val[0]))
    assert len(set(training)) == 60  # every other sum does turn up


def test_bad_arguments_are_one_line_errors_before_training():
    with pytest.raises(InputError, match="^digits must be an integer >= 1; received 0$"):
        addition(5, digits=0)
    with pytest.raises(InputError, match=r"^digits must be an integer in \[1, 9\]; received 12$"):
        addition(5, digits=12)
    with pytest.raises(InputError, match="^n_terms must be an integer >= 1; received 0$"):
        addition(5, n_terms=0)
    with pytest.raises(InputError, match="^decoder must be one of 'attention', 'repeat'; received 'lstm'$"):
        run_addition(decoder="lstm")
    with pytest.raises(InputError, match="^attention must be one of 'dot', 'general'; received 'luong'$"):
        run_addition(attention="luong")
    with pytest.raises(InputError, match="give only 100 distinct sums, too few to hold out n_test=1000"):
        run_addition(digits=1)
    with pytest.raises(InputError, match="^epochs must be an integer >= 1; received 0$"):
        run_demo("addition", epochs=0)
    with pytest.raises(InputError, match="demo 'addition' has no option --layers"):
        run_demo("addition", layers=2)
    with pytest.raises(InputError, match="^decoder must be one of 'attention', 'plain', 'repeat'; "
                       "received 'rnn'$"):
        _net("rnn")
