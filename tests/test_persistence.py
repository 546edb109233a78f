import json

import numpy as np
import pandas as pd
import pytest

import lstmkit
from lstmkit import (
    AnomalyDetector,
    Forecaster,
    InputError,
    NotFittedError,
    SequenceClassifier,
    TextClassifier,
)
from lstmkit.datasets import load_airpassengers


@pytest.fixture(scope="module")
def forecaster():
    return Forecaster(hidden_size=8, epochs=5, n_models=2, random_state=0).fit(load_airpassengers()[:96])


@pytest.fixture(scope="module")
def classifier():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(n), 2)) for n in rng.integers(5, 15, size=24)]
    y = np.array(["up", "down", "flat"] * 8)
    clf = SequenceClassifier(hidden_size=8, epochs=3, n_folds=2, random_state=0,
                             arch_options={"conv_channels": (4, 4, 4)}).fit(X, y)
    return clf, X


def test_forecaster_round_trip_is_bit_identical(forecaster, tmp_path):
    path = forecaster.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "preprocessing.json",
                                                      "weights.safetensors"]
    loaded = lstmkit.load(path)
    assert type(loaded) is Forecaster and loaded.get_params() == forecaster.get_params()
    pd.testing.assert_series_equal(loaded.predict(12), forecaster.predict(12), check_exact=True)
    y = load_airpassengers()
    pd.testing.assert_series_equal(loaded.backtest(y, 96), forecaster.backtest(y, 96), check_exact=True)
    assert loaded.history_ == forecaster.history_ and loaded.y_.index.freqstr == "MS"


def test_classifier_round_trip_keeps_labels_and_probabilities(classifier, tmp_path):
    clf, X = classifier
    loaded = lstmkit.load(clf.save(tmp_path / "clf"))
    assert type(loaded) is SequenceClassifier and loaded.classes_.tolist() == ["down", "flat", "up"]
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.oof_score_ == clf.oof_score_ and len(loaded.modules_) == 2


def test_text_and_anomaly_round_trips(tmp_path):
    texts, labels = ["good day", "bad day", "so good", "so bad"] * 5, ["p", "n", "p", "n"] * 5
    text = TextClassifier(embedding_dim=4, hidden_size=4, epochs=2, min_count=1, random_state=0).fit(
        texts, labels)
    loaded = lstmkit.load(text.save(tmp_path / "text"))
    assert loaded.vocabulary_.tokens == text.vocabulary_.tokens
    assert np.array_equal(loaded.predict_proba(["good", "unseen words"]),
                          text.predict_proba(["good", "unseen words"]))
    y = np.sin(np.arange(400) / 5)
    detector = AnomalyDetector(forecaster_params={"epochs": 2, "lookback": 8, "hidden_size": 4},
                               random_state=0).fit(y, train_size=200)
    again = lstmkit.load(detector.save(tmp_path / "anomaly"))
    assert np.array_equal(again.score_samples(y), detector.score_samples(y))


def test_integer_labels_keep_their_type(tmp_path):
    X, y = np.random.default_rng(1).normal(size=(12, 6, 1)), np.array([3, 7] * 6)
    clf = SequenceClassifier(arch="vanilla", hidden_size=4, epochs=1, n_folds=1, random_state=0)
    clf.fit(X, y)
    loaded = lstmkit.load(clf.save(tmp_path / "m"))
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert loaded.predict(X).tolist() == clf.predict(X).tolist()


def test_saving_over_a_model_replaces_it_and_never_over_other_files(forecaster, classifier, tmp_path):
    path = tmp_path / "model"
    forecaster.save(path)
    classifier[0].save(path)
    assert type(lstmkit.load(path)) is SequenceClassifier
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temporary folders left
    other = tmp_path / "notes"
    other.mkdir()
    (other / "a.txt").write_text("mine")
    with pytest.raises(InputError, match="non-empty folder that holds no lstmkit model"):
        forecaster.save(other)
    with pytest.raises(NotFittedError, match="not fitted"):
        Forecaster().save(tmp_path / "x")
    assert not (tmp_path / "x").exists()


def _edit_config(path, **changes):
    config = json.loads((path / "config.json").read_text())
    for key, value in changes.items():
        if key == "params":
            config["params"].update(value)
        else:
            config[key] = value
    (path / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "weights.safetensors").unlink(), "is not an lstmkit model: it lacks weights.safetensors"),
    (lambda p: _edit_config(p, format_version=99), "format version 99; this lstmkit reads version 1"),
    (lambda p: _edit_config(p, estimator="Pickle"), "names estimator 'Pickle'"),
    (lambda p: _edit_config(p, params={"evil": 1}), "unknown Forecaster parameter 'evil'"),
    (lambda p: (p / "config.json").write_text("{not json"), "config.json is not valid JSON"),
    (lambda p: (p / "weights.safetensors").write_bytes((p / "weights.safetensors").read_bytes()[:-10]),
     "its header describes .*: the file was truncated or extended"),
    (lambda p: (p / "weights.safetensors").write_bytes(
        (p / "weights.safetensors").read_bytes()[:-4] + b"\x00\x00\x80\x7f"), "does not match the checksum"),
    (lambda p: _edit_config(p, params={"hidden_size": 16}), "has shape"),
    (lambda p: (p / "preprocessing.json").write_text("{}"), "preprocessing.json is incomplete"),
])
def test_damaged_models_give_one_line_errors(forecaster, tmp_path, damage, message):
    path = forecaster.save(tmp_path / "model")
    damage(path)
    with pytest.raises(InputError, match=message) as error:
        lstmkit.load(path)
    assert "\n" not in str(error.value)


def test_checksum_passes_but_weights_file_is_garbage(forecaster, tmp_path):
    path = forecaster.save(tmp_path / "model")
    (path / "weights.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{bad}")
    import hashlib
    _edit_config(path, weights_sha256=hashlib.sha256((path / "weights.safetensors").read_bytes()).hexdigest())
    with pytest.raises(InputError, match="weights.safetensors cannot be read"):
        lstmkit.load(path)


def test_predict_from_a_new_history(forecaster):
    y = load_airpassengers()
    later = forecaster.predict(6, y=y[:120])
    assert later.index[0] == y.index[120] and len(later) == 6
    with pytest.raises(InputError, match="y must have at least"):
        forecaster.predict(3, y=y[:5])


def test_cli_saves_and_predicts(tmp_path, capsys):
    from lstmkit.cli import main

    model = tmp_path / "air"
    assert main(["forecast", "--epochs", "3", "--no-plot", "--save", str(model), "--json"]) == 0
    capsys.readouterr()
    series = tmp_path / "recent.csv"
    load_airpassengers()[:120].rename("passengers").to_csv(series, index_label="month")
    out = tmp_path / "preds.csv"
    assert main(["predict", str(model), str(series), "--horizon", "6", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["data"]["estimator"] == "Forecaster" and len(result["predictions"]) == 6
    written = pd.read_csv(out)
    assert list(written.columns) == ["ds", "forecast"] and written.ds[0].startswith("1959-01-01")
    expected = lstmkit.load(model).predict(6, y=load_airpassengers()[:120])
    assert np.allclose(written.forecast, expected.to_numpy())


def test_cli_classifier_predict_scores_labelled_rows(tmp_path, capsys):
    from lstmkit.cli import main

    train = tmp_path / "train.csv"
    rng = np.random.default_rng(0)
    rows = [[lab, *(rng.normal(size=6) + (3 if lab == "hi" else 0))] for lab in ["hi", "lo"] * 10]
    pd.DataFrame(rows, columns=["label", *[f"t{i}" for i in range(6)]]).to_csv(train, index=False)
    model = tmp_path / "clf"
    assert main(["classify", "--train", str(train), "--test", str(train), "--arch", "vanilla",
                 "--epochs", "30", "--no-plot", "--save", str(model), "--json"]) == 0
    capsys.readouterr()
    assert main(["predict", str(model), str(train), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["lstmkit"]["accuracy"] >= 0.9 and len(result["predictions"]) == 20
    assert main(["predict", str(tmp_path / "nothing")]) == 2
    assert "is not an lstmkit model" in capsys.readouterr().err


def test_save_refuses_a_file_in_the_way_and_never_deletes_other_files(forecaster, tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    with pytest.raises(InputError, match=r"path '.*afile' is a file; a model is saved as a folder"):
        forecaster.save(afile)
    with pytest.raises(InputError, match=r"path '.*afile/sub' cannot be written: '.*afile' is a file, not a"):
        forecaster.save(afile / "sub")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    with pytest.raises(InputError, match="path '.' is the current folder; save the model into a new"):
        forecaster.save(".")
    model = forecaster.save(tmp_path / "model")
    (model / "NOTES.txt").write_text("mine")
    with pytest.raises(InputError, match=r"holds an lstmkit model and other files \(NOTES.txt\), which"):
        forecaster.save(model)
    assert (model / "NOTES.txt").read_text() == "mine" and lstmkit.load(model).get_params()
    assert afile.read_text() == "mine" and list(empty.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "empty", "model"]


def test_checkpoint_dir_that_is_a_file_is_a_one_line_error(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    epochs = []
    with pytest.raises(InputError, match="checkpoint_dir '.*afile' is a file, not a folder"):
        Forecaster(hidden_size=4, epochs=1, random_state=0).fit(load_airpassengers()[:96],
                                                                checkpoint_dir=afile, on_epoch=epochs.append)
    assert afile.read_text() == "mine" and epochs == []  # before any training


def test_model_files_follow_the_umask(forecaster, tmp_path):
    import os

    old = os.umask(0o002)
    try:
        path = forecaster.save(tmp_path / "model")
    finally:
        os.umask(old)
    assert {p.name: p.stat().st_mode & 0o777 for p in path.iterdir()} == dict.fromkeys(
        ["config.json", "preprocessing.json", "weights.safetensors"], 0o664)
    assert path.stat().st_mode & 0o777 == 0o775


def test_outputs_commit_all_or_nothing(tmp_path, monkeypatch):
    """A move that fails while committing: the outputs already moved are taken back and the
    files they replaced restored; no temporary file or created folder is left."""
    import os

    import lstmkit.files
    from lstmkit.files import Outputs

    (tmp_path / "a.txt").write_text("old a")
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("b.txt"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    with Outputs() as outputs:
        outputs.file(tmp_path / "a.txt", lambda tmp: open(tmp, "w").write("new a"))
        outputs.folder(tmp_path / "new" / "model", lambda folder: (folder / "x").write_text("x"))
        outputs.file(tmp_path / "b.txt", lambda tmp: open(tmp, "w").write("new b"))
        monkeypatch.setattr(lstmkit.files.os, "replace", replace)
        with pytest.raises(OSError, match="No space"):
            outputs.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_text() == "old a"
    monkeypatch.setattr(lstmkit.files.os, "replace", real_replace)
    with Outputs() as outputs:
        outputs.file(tmp_path / "a.txt", lambda tmp: open(tmp, "w").write("new a"))
        outputs.file(tmp_path / "b.txt", lambda tmp: open(tmp, "w").write("new b"))
        outputs.commit()
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt")] == ["new a", "new b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_cli_predict_classifier_data_errors_are_one_line(classifier, tmp_path, capsys):
    from lstmkit.cli import main

    model = classifier[0].save(tmp_path / "clf")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("label,t0\ncaf\xe9,1\n".encode("latin-1"))
    for data, message in [(tmp_path / "missing.csv", f"data file {str(tmp_path / 'missing.csv')!r} does "
                                                     "not exist"),
                          (latin, f"{latin} is not UTF-8 text")]:
        assert main(["predict", str(model), str(data)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert main(["predict", str(model), str(latin), "--out", str(tmp_path)]) == 2
    assert f"--out {str(tmp_path)!r} is a folder" in capsys.readouterr().err
