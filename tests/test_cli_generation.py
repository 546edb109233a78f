"""lstmkit generate and lstmkit seq2seq."""

import json

from lstmkit import SequenceGenerator
from lstmkit.cli import main


def test_generate_samples_from_a_saved_model(tmp_path, capsys):
    model = SequenceGenerator(hidden_size=16, embedding_dim=8, context=16, epochs=2, random_state=0)
    model.fit(["to be or not to be, that is the question. " * 20]).save(tmp_path / "gen")
    argv = ["generate", "--model", str(tmp_path / "gen"), "--prompt", "to ", "--length", "30", "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["text"].startswith("to ") and len(first["text"]) == 33
    assert main(argv) == 0 and json.loads(capsys.readouterr().out)["text"] == first["text"]  # --seed 0
    assert main([*argv[:-1], "--temperature", "0"]) == 2
    assert "temperature" in capsys.readouterr().err


def test_seq2seq_dates_runs_end_to_end(capsys):
    assert main(["seq2seq", "--task", "dates", "--n-train", "300", "--epochs", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "seq2seq dates"
    assert 0.0 <= result["metrics"]["lstmkit seq2seq"]["exact_match"] <= 1.0


def test_predict_names_the_command_for_generators_and_seq2seq(tmp_path, capsys):
    from lstmkit import Seq2Seq

    gen = tmp_path / "gen"
    SequenceGenerator(hidden_size=8, embedding_dim=4, context=8, epochs=1, random_state=0).fit(
        ["hello world " * 20]).save(gen)
    s2s = tmp_path / "s2s"
    Seq2Seq(hidden_size=8, embedding_dim=4, epochs=1, random_state=0).fit(["ab", "cd"] * 10,
                                                                          ["ba", "dc"] * 10).save(s2s)
    data = tmp_path / "x.csv"
    data.write_text("label,t0\na,1\n")
    for model, expected in [(gen, f"`lstmkit generate --model {gen}`"),
                            (s2s, f"lstmkit.load({str(s2s)!r}).predict(sources) in Python")]:
        for argv in (["predict", str(model), str(data)], ["predict", str(model)]):
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and expected in err
            assert f"model {str(model)!r} is a {'SequenceGenerator' if model == gen else 'Seq2Seq'}" in err
