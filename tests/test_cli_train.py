"""The `lstmkit train` and `lstmkit predict` commands: long data, config errors, global models."""

import json

import pandas as pd
import pytest

from lstmkit.cli import main


def _long_csv(path, dates=None):
    rows = [(f"s{i}", str(d.date()), float(t + i)) for i in range(3)
            for t, d in enumerate(pd.date_range("2000-01-01", periods=30, freq="MS"))]
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    if dates is not None:
        frame.loc[4, "ds"] = dates
    frame.to_csv(path, index=False)
    return path


def _train_yaml(d, **config):
    import yaml

    config = {"task": "forecast", "data": str(_long_csv(d / "long.csv")), "output": str(d / "model"),
              "params": {"strategy": "direct", "horizon": 3, "epochs": 1, "hidden_size": 4}} | config
    (d / "train.yaml").write_text(yaml.safe_dump(config))
    return str(d / "train.yaml")


@pytest.mark.parametrize("make_config, message", [
    (lambda d: _train_yaml(d, data=str(_long_csv(d / "bad.csv", "notadate"))),
     "column 'ds' holds 'notadate' (row 6), which is not a date"),
    (lambda d: _train_yaml(d, data=str(d / "empty.csv")), "(config key 'data') is empty"),
    (lambda d: _train_yaml(d, params={"bogus": 1}), "config key 'params' has unknown Forecaster parameter "
                                                    "'bogus'; valid: alias, arch, "),
    (lambda d: _train_yaml(d, output=str(d / "afile")), "config key 'output' '"),
    (lambda d: _train_yaml(d, checkpoint_dir=str(d / "afile")), "config key 'checkpoint_dir' '"),
    (lambda d: _train_yaml(d, data=None), "config key 'data' must be a path (a non-empty string); "
                                          "received None"),
    (lambda d: _train_yaml(d, output=3), "config key 'output' must be a path (a non-empty string); "
                                         "received 3"),
    (lambda d: _train_yaml(d, resume="false"), "config key 'resume' must be true or false (unquoted)"),
])
def test_train_config_errors_are_one_line_before_training(make_config, message, tmp_path, capsys,
                                                          monkeypatch):
    import lstmkit

    monkeypatch.setattr(lstmkit.Forecaster, "fit", lambda *a, **k: pytest.fail("trained before the check"))
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "afile").write_text("mine")
    assert main(["train", make_config(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not (tmp_path / "model").exists()


def test_predict_global_model_reads_long_data_with_one_line_errors(tmp_path, capsys):
    from lstmkit import Forecaster

    model = tmp_path / "global"
    frame = pd.read_csv(_long_csv(tmp_path / "long.csv"), parse_dates=["ds"])
    Forecaster(strategy="direct", horizon=3, epochs=1, hidden_size=4, random_state=0).fit(frame).save(model)
    (tmp_path / "empty.csv").write_text("")
    for data, message in [("nope.csv", "data file 'nope.csv' does not exist\n"),
                          (str(_long_csv(tmp_path / "bad.csv", "31/02/2001")),
                           f"data file {str(tmp_path / 'bad.csv')!r}: column 'ds' holds '31/02/2001' "
                           "(row 6), which is not a date (day-first dates such as 13/01/2022: --dayfirst "
                           "or --date-format %d/%m/%Y in the CLI, pd.to_datetime(..., dayfirst=True) in "
                           "Python)\n"),
                          (str(tmp_path / "empty.csv"), "is empty; it needs a header row and values\n")]:
        assert main(["predict", str(model), data, "--horizon", "3"]) == 2
        err = capsys.readouterr().err
        assert err.endswith(message) and err.count("\n") == 1 and "config" not in err
    assert main(["predict", str(model), str(tmp_path / "long.csv"), "--horizon", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 9


def test_train_reads_numbers_yaml_leaves_as_text_for_numeric_parameters_only(tmp_path, capsys):
    import yaml

    params = {"strategy": "direct", "horizon": 3, "epochs": "1e0", "hidden_size": 4, "lr": "1e-3",
              "weight_decay": "+2.5E-4"}
    path = _train_yaml(tmp_path, params=params)
    assert "lr: 1e-3" in (tmp_path / "train.yaml").read_text()  # as a user writes it: YAML reads text
    assert isinstance(yaml.safe_load((tmp_path / "train.yaml").read_text())["params"]["lr"], str)
    assert main(["train", path, "--json"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert config["lr"] == 0.001 and config["weight_decay"] == 0.00025 and config["epochs"] == 1
    assert isinstance(config["epochs"], int)
    for strict, message in (({"verbose": "true"}, "verbose must be one of True, False; received 'true'"),
                            ({"hidden_size": "4.5"}, "hidden_size must be an integer >= 1; received '4.5'"),
                            ({"lr": "1e-3x"}, "lr must be a number > 0; received '1e-3x'"),
                            ({"lr": "nan"}, "lr must be a number > 0; received 'nan'")):
        assert main(["train", _train_yaml(tmp_path, params={**params, **strict})]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
