"""``lstmkit forecast data.csv --column y --future COLS --past COLS``."""

import json

import numpy as np
import pandas as pd
import pytest

from lstmkit.cli import main


@pytest.fixture
def promo_csv(tmp_path):
    """Monthly sales lifted by a promotion; the last 6 rows are the plan (sales empty)."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2015-01-01", periods=96, freq="MS")
    promo = (rng.random(96) < 0.3).astype(float)
    lead = rng.normal(0, 1, 96)
    sales = 100 + 10 * np.sin(np.arange(96) * 2 * np.pi / 12) + 30 * promo + rng.normal(0, 1, 96)
    frame = pd.DataFrame({"month": dates.strftime("%Y-%m-%d"), "sales": sales.round(2), "promo": promo,
                          "lead": lead.round(3)})
    frame.loc[90:, "sales"] = np.nan
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    return path


def run_json(capsys, *args):
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_forecast_with_future_and_past_covariates(capsys, promo_csv, tmp_path):
    plot, out = tmp_path / "plot.png", tmp_path / "next.csv"
    result = run_json(capsys, "forecast", str(promo_csv), "--column", "sales", "--future", "promo", "--past",
                      "lead", "--horizon", "6", "--test-size", "12", "--epochs", "30", "--plot", str(plot),
                      "--out", str(out))
    assert result["data"]["n_train"] == 78 and result["data"]["n_test"] == 12  # 90 values, 6 plan rows
    assert result["data"]["future"] == ["promo"] and result["data"]["past"] == ["lead"]
    assert set(result["metrics"]) == {"lstmkit", "lstmkit (y only)", "naive", "seasonal naive"}
    assert list(result["metrics"]["lstmkit"]) == ["multi_step"]
    assert plot.read_bytes()[:4] == b"\x89PNG"
    ahead = pd.read_csv(out, parse_dates=["ds"])
    assert len(ahead) == 6 and ahead["ds"].iloc[0] == pd.Timestamp("2022-07-01")


def test_the_promotion_plan_moves_the_written_forecast(capsys, promo_csv, tmp_path):
    frame = pd.read_csv(promo_csv)
    ahead = {}
    for plan in (0.0, 1.0):
        frame.loc[90:, "promo"] = plan
        path = tmp_path / f"plan{int(plan)}.csv"
        frame.to_csv(path, index=False)
        out = tmp_path / f"next{int(plan)}.csv"
        run_json(capsys, "forecast", str(path), "--column", "sales", "--future", "promo", "--horizon", "6",
                 "--test-size", "12", "--epochs", "60", "--no-plot", "--out", str(out))
        ahead[plan] = pd.read_csv(out)["forecast"].to_numpy()
    assert (ahead[1.0] - ahead[0.0]).mean() > 5  # the promotion lifts sales by 30 in the data


def test_future_values_from_a_future_file(capsys, promo_csv, tmp_path):
    frame = pd.read_csv(promo_csv)
    known, plan = frame.iloc[:90], frame.iloc[90:][["month", "promo"]]
    known.to_csv(tmp_path / "known.csv", index=False)
    plan.to_csv(tmp_path / "plan.csv", index=False)
    out = tmp_path / "next.csv"
    run_json(capsys, "forecast", str(tmp_path / "known.csv"), "--column", "sales", "--future", "promo",
             "--future-file", str(tmp_path / "plan.csv"), "--horizon", "6", "--test-size", "12", "--epochs",
             "5", "--no-plot", "--out", str(out), "--report", str(tmp_path / "r.html"))
    assert len(pd.read_csv(out)) == 6
    assert "Multi-step forecast" in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("extra, message", [
    (["--future", "promo", "--past", "promo"], "named both in --future and --past"),
    (["--future", "price"], "--future column 'price' is not a covariate column"),
    (["--past", "sales"], "--past column 'sales' is not a covariate column"),
    (["--future", "promo", "--level", "180"], "--level must be percentages in (0, 100)"),
    (["--future", "promo", "--out", "OUT", "--horizon", "8"], "over the 8 steps after the last value"),
    (["--future-file", "x.csv"], "--future-file x.csv needs --future"),
    (["--future", "promo", "--arch", "mlp"], "covariates work with arch"),
])
def test_covariate_flags_bad_input_is_one_line_before_training(extra, message, promo_csv, tmp_path, capsys,
                                                                  monkeypatch):
    import lstmkit.tasks.forecaster
    import lstmkit.tasks.global_forecaster

    for module in (lstmkit.tasks.forecaster, lstmkit.tasks.global_forecaster):
        monkeypatch.setattr(module, "train", lambda *a, **k: pytest.fail("trained before the check"))
    extra = [str(tmp_path / "o.csv") if e == "OUT" else e for e in extra]
    code = main(["forecast", str(promo_csv), "--column", "sales", "--test-size", "12", "--no-plot", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err


def test_covariates_need_the_column_and_dates(tmp_path, capsys):
    path = tmp_path / "nodates.csv"
    pd.DataFrame({"sales": np.arange(40.0), "promo": np.zeros(40)}).to_csv(path, index=False)
    assert main(["forecast", str(path), "--future", "promo", "--no-plot"]) == 2
    assert "need --column" in capsys.readouterr().err
    assert main(["forecast", str(path), "--column", "sales", "--future", "promo", "--no-plot"]) == 2
    assert "need dates" in capsys.readouterr().err


def test_forecast_with_calendar_and_holidays_needs_no_covariate_columns(capsys, tmp_path):
    dates = pd.date_range("2021-01-01", periods=400, freq="D")
    rng = np.random.default_rng(0)
    sales = 100 + 10 * np.sin(np.arange(400) * 2 * np.pi / 7) + rng.normal(0, 1, 400)
    path = tmp_path / "daily.csv"
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "sales": sales.round(2)}).to_csv(path, index=False)
    out = tmp_path / "next.csv"
    result = run_json(capsys, "forecast", str(path), "--column", "sales", "--calendar", "--holidays", "GB",
                      "--horizon", "14", "--test-size", "28", "--epochs", "5", "--no-plot", "--out", str(out))
    assert set(result["metrics"]) >= {"lstmkit", "lstmkit (y only)", "seasonal naive"}
    ahead = pd.read_csv(out)
    assert len(ahead) == 14 and ahead["forecast"].notna().all()


def test_an_unknown_holiday_country_is_one_line(capsys, promo_csv):
    code = main(["forecast", str(promo_csv), "--column", "sales", "--holidays", "XX", "--epochs", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "holidays='XX'" in err and len(err.strip().splitlines()) == 1


def test_levels_with_covariates_give_bands_and_their_coverage(capsys, promo_csv):
    result = run_json(capsys, "forecast", str(promo_csv), "--column", "sales", "--future", "promo",
                      "--horizon", "6", "--test-size", "12", "--epochs", "5", "--no-plot", "--level", "80")
    scores = result["metrics"]["lstmkit"]["multi_step"]
    assert 0 <= scores["coverage_80"] <= 1, scores
