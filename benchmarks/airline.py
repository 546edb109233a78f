"""Airline benchmark (issue: foundation): accuracy over seeds and speed, side by side.

    python benchmarks/airline.py            # 5 seeds, writes the 'airline' section of BENCHMARKS.md
    python benchmarks/airline.py --seeds 2 --no-write

Accuracy: train on the first 96 months, test on the last 48 (rolling one-step and one
48-step forecast), lstmkit's default next to the tutorial's model, naive, seasonal naive
and statsforecast's AutoETS / AutoARIMA / AutoTheta, all computed in this run.
Speed: `lstmkit forecast` end to end in a fresh process; the tutorial's seed config
(batch size 1, 100 epochs) in lstmkit vs a minimal hand-written PyTorch loop on the same
model and data; the echo demo's training time to 100% on fresh sequences.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from _report import machine, spread, table, write_section

from lstmkit import Forecaster, datasets
from lstmkit.baselines import Naive, SeasonalNaive
from lstmkit.demos.airline import TutorialForecaster
from lstmkit.demos.echo import run_echo
from lstmkit.evaluation import evaluate_forecasters

N_TRAIN = 96


def lstm_rows(seeds: list[int]) -> tuple[list, dict]:
    y = datasets.load_airpassengers()
    variants = {
        "lstmkit default": lambda s: Forecaster(random_state=s),
        "lstmkit transform='log'": lambda s: Forecaster(transform="log", random_state=s),
        "tutorial LSTM (seed config, scaler fit on train)": lambda s: TutorialForecaster(random_state=s),
    }
    rows, fit_seconds = [], {}
    for name, make in variants.items():
        one, multi, seconds = [], [], []
        for s in seeds:
            result = evaluate_forecasters({name: make(s)}, y, N_TRAIN)
            one.append(result["metrics"][name]["one_step"]["rmse"])
            multi.append(result["metrics"][name]["multi_step"]["rmse"])
            seconds.append(result["timings"][name])
        fit_seconds[name] = seconds
        rows.append([name, spread(one), spread(multi), f"{max(one):.2f} / {max(multi):.2f}",
                     spread(seconds)])
    result = evaluate_forecasters({"naive": Naive(), "seasonal naive": SeasonalNaive()}, y, N_TRAIN)
    for name, m in result["metrics"].items():
        rows.append([name, f"{m['one_step']['rmse']:.2f}", f"{m['multi_step']['rmse']:.2f}", "",
                     f"{result['timings'][name]:.3f}"])
    rows += statsforecast_rows(y)
    return rows, fit_seconds


def statsforecast_rows(y) -> list:
    try:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta
    except ImportError:
        return [["statsforecast", "not installed (pip install -e '.[bench]')", "", "", ""]]
    frame = y.rename("y").rename_axis("ds").reset_index().assign(unique_id="air")
    models = [AutoETS(season_length=12), AutoARIMA(season_length=12), AutoTheta(season_length=12)]
    start = time.perf_counter()
    sf = StatsForecast(models=models, freq="MS", n_jobs=1)
    one = sf.cross_validation(df=frame, h=1, n_windows=len(y) - N_TRAIN, step_size=1, refit=False)
    multi = sf.forecast(df=frame.iloc[:N_TRAIN], h=len(y) - N_TRAIN)
    seconds = time.perf_counter() - start
    rows = []
    for model in ("AutoETS", "AutoARIMA", "AutoTheta"):
        rmse1 = float(np.sqrt(np.mean((one[model].to_numpy() - one["y"].to_numpy()) ** 2)))
        rmse48 = float(np.sqrt(np.mean((multi[model].to_numpy() - y.to_numpy()[N_TRAIN:]) ** 2)))
        rows.append([f"statsforecast {model}", f"{rmse1:.2f}", f"{rmse48:.2f}", "",
                     f"{seconds:.2f} (all three)"])
    return rows


def cli_seconds(repeats: int) -> list[float]:
    """Wall time of `lstmkit forecast` (plot included) in a fresh process, start-up included."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "lstmkit.cli", "forecast", "--plot",
                            f"{tmp}/plot.png"], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def handwritten_seed_config_seconds(seed: int) -> float:
    """The tutorial's model trained by the plainest PyTorch loop: torch.optim.Adam, batch 1."""
    y = datasets.load_airpassengers().to_numpy()[:N_TRAIN]
    scaled = (y - y.min()) / (y.max() - y.min())
    x = torch.tensor(np.lib.stride_tricks.sliding_window_view(scaled[:-1], 3)[..., None],
                     dtype=torch.float32)
    t = torch.tensor(scaled[3:, None], dtype=torch.float32)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(1, 4, batch_first=True)
            self.head = torch.nn.Linear(4, 1)

        def forward(self, x):
            return self.head(self.lstm(x)[1][0][-1])

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(100):
        for i in torch.randperm(len(x)).tolist():
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(net(x[i : i + 1]), t[i : i + 1]).backward()
            optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cli-repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    seeds = list(range(args.seeds))

    rows, fit_seconds = lstm_rows(seeds)
    accuracy = table(["model", "one-step RMSE median (min-max)", "48-step RMSE median (min-max)",
                      "worst seed one-step / 48-step", "fit+predict s"], rows)

    cli = cli_seconds(args.cli_repeats)
    handwritten = [handwritten_seed_config_seconds(s) for s in seeds]
    ours = fit_seconds["tutorial LSTM (seed config, scaler fit on train)"]
    echo = [run_echo(seed=s) for s in seeds]
    echo_seconds = [r["timings"]["train"] for r in echo]
    echo_accuracy = [r["metrics"]["lstm"]["accuracy"] for r in echo]
    speed = table(["what", "seconds median (min-max)", "bar", "reference in this run"], [
        ["`lstmkit forecast` end to end (fresh process, plot included)", spread(cli), "<= 10", ""],
        ["seed config fit+predict (LSTM(4), batch 1, 100 epochs) in lstmkit", spread(ours), "<= 5",
         f"hand-written PyTorch loop {spread(handwritten)}: lstmkit takes "
         f"{statistics.median(ours) / statistics.median(handwritten):.2f}x its time"],
        [f"echo to 100% on fresh sequences (accuracy on 1,000 fresh: "
         f"{', '.join(f'{a:.3f}' for a in echo_accuracy)})", spread(echo_seconds), "<= 2",
         "Keras's 10,000 single-sample fits: 126 s (issue text, not rerun here)"],
    ])
    body = (f"## AirPassengers: train 96 months, test 48 (`python benchmarks/airline.py`)\n\n"
            f"Machine: {machine()}. Seeds {seeds[0]}..{seeds[-1]}.\n\n{accuracy}\n\n"
            f"The test months never reach `fit`: scalers, early stopping and every choice see "
            f"only the first 96.\n\n### Speed\n\n{speed}\n")
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('airline', body)}")


if __name__ == "__main__":
    main()
