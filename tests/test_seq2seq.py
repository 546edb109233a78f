"""Seq2Seq: learning, greedy and beam decoding, bad input, date generator, persistence."""

import datetime as dt
import re

import numpy as np
import pytest
import torch
from sklearn.base import clone

from lstmkit import InputError, NotFittedError
from lstmkit.data.problems.dates import FORMATS, SHORT_YEARS, WEEKDAYS, dates, ordinal, write_date
from lstmkit.data.tokens import UNK
from lstmkit.metrics import exact_match, token_accuracy
from lstmkit.models import build
from lstmkit.tasks.seq2seq import END, START, Seq2Seq

TINY = {"hidden_size": 32, "embedding_dim": 16, "batch_size": 32, "lr": 1e-2, "random_state": 0,
        "device": "cpu"}


def reversal(n, seed):
    rng = np.random.default_rng(seed)
    sources = ["".join(rng.choice(list("abcdef"), size=rng.integers(1, 7))) for _ in range(n)]
    return sources, [s[::-1] for s in sources]


@pytest.fixture(scope="module")
def model():
    return Seq2Seq(epochs=8, **TINY).fit(*reversal(1500, 0))  # ~5-10 s


@pytest.fixture(scope="module")
def rough():
    """A model trained too briefly to be sure of itself: greedy and beam search can differ."""
    return Seq2Seq(epochs=1, **TINY).fit(*reversal(600, 2))


def test_learns_to_reverse_unseen_strings(model):
    sources, targets = reversal(300, 1)
    predicted = model.predict(sources)
    assert all(isinstance(p, str) for p in predicted)
    assert exact_match(targets, predicted) >= 0.97
    assert model.score(sources, targets) == exact_match(targets, predicted)
    assert [r["epoch"] for r in model.history_] == list(range(1, len(model.history_) + 1))
    assert {"loss", "val_loss", "val_exact_match", "seconds", "lr"} <= set(model.history_[-1])


def test_beam_width_1_is_greedy():
    torch.manual_seed(0)
    net = build("encoder-decoder", n_features=9, n_outputs=7, hidden_size=8, start_token=START).eval()
    src = torch.randint(4, 9, (40, 6))
    src[:20, 4:] = 0  # padded rows too
    with torch.no_grad():
        greedy = net.greedy(src, 8, START)  # no early stop: all 8 steps
        beam, scores = net.beam_search(src, 8, START, END, beam_width=1)
    for g, b in zip(greedy.tolist(), beam.tolist()):
        cut = g.index(END) + 1 if END in g else len(g)
        assert b[:cut] == g[:cut]
    assert torch.isfinite(scores).all()


def test_beam_search_is_never_less_probable_than_greedy(model, rough):
    sources = reversal(200, 3)[0] + ["", "fedcbaabcdef"]
    for fitted in (model, rough):
        assert fitted.predict(sources, beam_width=1) == fitted.predict(sources)
        greedy, beam = fitted.predict(sources), fitted.predict(sources, beam_width=4)
        gained = fitted.log_prob(sources, beam) - fitted.log_prob(sources, greedy)
        assert (gained >= -1e-4).all()
    assert (gained > 1e-4).any()  # on the rough model beam search does find better outputs


def test_unseen_characters_read_as_unknown_and_empty_sources_are_answered(model):
    assert model.source_vocabulary_.encode(list("a€x")).tolist()[1:] == [UNK, UNK]
    predicted = model.predict(["ab€", "€€€", "", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"], beam_width=2)
    assert len(predicted) == 4 and all(isinstance(p, str) for p in predicted)
    assert len(predicted[3]) <= model.max_output_length_


def test_token_lists_in_token_lists_out():
    sources = [["the", "cat"], ["a", "dog"], ["the", "dog"], ["a", "cat"]] * 50
    targets = [list(reversed(s)) for s in sources]
    fitted = Seq2Seq(level="word", epochs=3, **TINY).fit(sources, targets)
    predicted = fitted.predict([["the", "cat"], ["unseen", "word"]])
    assert all(isinstance(p, list) for p in predicted)
    assert predicted[0] == ["cat", "the"]
    words = Seq2Seq(level="word", epochs=1, **TINY).fit([" ".join(s) for s in sources],
                                                        [" ".join(t) for t in targets])
    assert isinstance(words.predict(["the  cat"])[0], str)


@pytest.mark.parametrize("options", [{"attention": "bahdanau", "bidirectional": True},
                                     {"attention": None, "teacher_forcing": 0.5},
                                     {"arch_options": {"decoder": "repeat"}, "beam_width": 3}])
def test_every_decoder_trains_and_predicts(options):
    sources, targets = reversal(200, 4)
    fitted = Seq2Seq(epochs=1, **TINY, **options).fit(sources, targets)
    assert len(fitted.predict(sources[:5])) == 5
    assert len(fitted.predict(sources[:5], beam_width=2)) == 5


def test_bad_input_is_a_one_line_error(model):
    with pytest.raises(InputError, match="^beam_width must be an integer >= 1; received 0$"):
        model.predict(["abc"], beam_width=0)
    with pytest.raises(InputError, match="^attention must be one of 'luong', 'bahdanau', None; "
                                         "received 'transformer'$"):
        Seq2Seq(attention="transformer").fit(["ab"] * 10, ["ba"] * 10)
    with pytest.raises(InputError, match="^beam_width must be an integer >= 1; received 0$"):
        Seq2Seq(beam_width=0).fit(["ab"] * 10, ["ba"] * 10)
    with pytest.raises(InputError, match="^sources and targets must have the same length"):
        Seq2Seq().fit(["ab", "cd"], ["ba"])
    with pytest.raises(InputError, match="^sources holds no sequences$"):
        Seq2Seq().fit([], [])
    with pytest.raises(InputError, match=r"^sources\[1\] must be a string or a list of string tokens"):
        Seq2Seq().fit(["ab", 3], ["ba", "3"])
    with pytest.raises(InputError, match="^teacher_forcing must be a fraction in"):
        Seq2Seq(teacher_forcing=1.5).fit(["ab"] * 10, ["ba"] * 10)
    with pytest.raises(InputError, match=r"^arch_options\['decoder'\] must be one of"):
        Seq2Seq(arch_options={"decoder": "rnn"}).fit(["ab"] * 10, ["ba"] * 10)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Seq2Seq().predict(["ab"])
    with pytest.raises(InputError, match="^bidirectional must be one of True, False; received 'no'$"):
        Seq2Seq(bidirectional="no").fit(["ab"] * 10, ["ba"] * 10)
    with pytest.raises(InputError, match="^lr must be a number > 0; received 'x'$"):
        Seq2Seq(lr="x").fit(["ab"] * 10, ["ba"] * 10)


def test_clone_keeps_the_parameters():
    twin = clone(Seq2Seq(attention=None, beam_width=3))
    assert twin.get_params()["attention"] is None and twin.get_params()["beam_width"] == 3


def test_save_and_load_round_trip(model, tmp_path):
    from lstmkit.persistence import load, save

    sources = reversal(50, 5)[0] + ["", "a€"]
    save(model, tmp_path / "model")
    loaded = load(tmp_path / "model")
    assert isinstance(loaded, Seq2Seq)
    assert loaded.predict(sources) == model.predict(sources)
    assert loaded.predict(sources, beam_width=3) == model.predict(sources, beam_width=3)
    assert loaded.history_ == model.history_


def test_metrics_on_sequences():
    assert exact_match(["357", "15"], ["357", "16"]) == 0.5
    assert token_accuracy(["357", "15"], ["35", "165"]) == pytest.approx(3 / 5)
    assert exact_match([["a", "b"]], [["a", "b"]]) == 1.0
    with pytest.raises(InputError, match="equally long and non-empty"):
        exact_match(["1"], [])


def _strptime_format(form: str) -> str:
    template = form.removesuffix(".upper").removesuffix(".lower")
    for field, code in (("{dd}", "%d"), ("{d}", "%d"), ("{th}", "%d"), ("{mm}", "%m"), ("{m}", "%m"),
                        ("{B}", "%B"), ("{b}", "%b"), ("{A}", "%A"), ("{a}", "%a"), ("{Y}", "%Y"),
                        ("{y}", "%y")):
        template = template.replace(field, code)
    return template


@pytest.mark.parametrize("form", FORMATS)
def test_every_date_format_parses_back_to_its_iso_date(form):
    sources, targets = dates(300, rng=0, formats=(form,))
    for source, target in zip(sources, targets):
        year = int(target[:4])
        if "{y}" in form and not SHORT_YEARS[0] <= year <= SHORT_YEARS[1]:
            assert source == target  # two-digit years only where they are unambiguous
            continue
        plain = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", source)
        parsed = dt.datetime.strptime(plain, _strptime_format(form)).date()
        assert parsed.isoformat() == target, (form, source)
        if "{A}" in form or "{a}" in form:
            assert WEEKDAYS[parsed.weekday()][:3].lower() in source.lower()


def test_date_generator_is_seeded_and_covers_its_range():
    assert dates(50, rng=3) == dates(50, rng=3) != dates(50, rng=4)
    sources, targets = dates(5000, rng=0)
    years = [int(t[:4]) for t in targets]
    assert min(years) < 1905 and max(years) > 2094 and len(set(sources)) > 4900
    assert [ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]
    assert write_date(dt.date(1998, 3, 3), "{A}, {B} {d}, {Y}") == "Tuesday, March 3, 1998"
    with pytest.raises(InputError, match="formats must be a non-empty selection"):
        dates(5, formats=("%d/%m",))


def test_checkpoints_resume_to_the_same_model(tmp_path):
    data = reversal(300, 6)
    first = Seq2Seq(epochs=3, patience=1, **TINY).fit(*data, checkpoint_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir())[0] == "network-0.safetensors"
    again = Seq2Seq(epochs=3, patience=1, **TINY).fit(*data, checkpoint_dir=tmp_path, resume=True)
    assert again.predict(data[0][:50]) == first.predict(data[0][:50])
    assert [r["loss"] for r in again.history_] == [r["loss"] for r in first.history_]


def test_a_source_past_the_limit_or_memory_is_refused_before_decoding(model, monkeypatch):
    from lstmkit import memory
    from lstmkit.errors import LIMITS

    start = __import__("time").perf_counter()
    with pytest.raises(InputError, match=r"^sources\[1\] has 5,000,000 tokens; a Seq2Seq reads sources of at "
                                         r"most 100,000 \(a limit .*LIMITS\['source_length'\] on purpose\)$"):
        model.predict(["ab", "ab" * 2_500_000])
    assert __import__("time").perf_counter() - start < 5
    monkeypatch.setitem(LIMITS, "source_length", 20)
    with pytest.raises(InputError, match=r"^sources\[0\] has 21 tokens"):
        model.predict(["a" * 21])
    assert model.predict(["a" * 20])  # at the limit: read
    monkeypatch.setitem(LIMITS, "source_length", 100_000)
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 2 * 2**20)  # 2 MB free
    with pytest.raises(InputError, match=r"^predicting a sequence of 50,002 steps needs about .* and 2 MB is "
                                         r"available; shorten the sources or lower beam_width"):
        model.predict(["abc" * 16_667], beam_width=3)  # (50,001 tokens, then the end token)
    assert model.predict(["abc"]) == ["cba"]  # short sources still fit


def test_a_network_too_big_for_memory_is_refused_before_it_is_built(monkeypatch):
    from lstmkit import memory

    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 2**30)  # 1 GB free
    with pytest.raises(InputError, match=r"^training a network of [\d,]+ parameters .* and 1.0 GB is "
                                         r"available; lower hidden_size"):
        Seq2Seq(hidden_size=8192, embedding_dim=8192, epochs=1).fit(*reversal(40, 0))


def test_long_sources_are_decoded_a_few_at_a_time():
    from lstmkit import memory
    from lstmkit.tasks.seq2seq import _decode_rows

    net = build("encoder-decoder", n_features=10, n_outputs=10, hidden_size=8, embedding_dim=4, n_steps_out=5,
                pad_token=0, start_token=START)
    assert _decode_rows(net, torch.ones(3000, 7, dtype=torch.long), 1, "cpu") == 2048  # short: as before
    long = torch.ones(64, 100_001, dtype=torch.long)
    assert _decode_rows(net, long, 1, "cpu") == memory.PREDICT_STEPS // 100_001
    assert _decode_rows(net, torch.ones(4, 2_000_000, dtype=torch.long), 8, "cpu") == 1
