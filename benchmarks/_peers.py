"""The peers of the speed benchmark (benchmarks/speed.py): Keras 3, Darts and NeuralForecast.

Each function builds, trains and scores one peer on one task and returns its wall time
(imports excluded: the caller imports first, with ``available``) and its score. They
install only with the benchmark extra (``pip install -e '.[bench]'``), never with lstmkit.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time

import numpy as np
import pandas as pd

from lstmkit.data.problems import echo

os.environ.setdefault("KERAS_BACKEND", "torch")  # keras is imported later, inside the functions

LOOK_BACK = 3  # the tutorial's airline window


def available(package: str) -> bool:
    """True when ``package`` is importable (importing it, so later timings exclude imports)."""
    if importlib.util.find_spec(package) is None:
        return False
    __import__(package)
    return True


# ---------------------------------------------------------------------- Keras 3 (torch backend)
def keras_airline(y: pd.Series, n_train: int, seed: int, epochs: int = 100) -> tuple[float, float]:
    """The tutorial's airline model in Keras: (fit + predict seconds, one-step test RMSE).

    LSTM(4) on windows of 3 MinMax-scaled values (time steps, 1 feature), Dense(1), Adam,
    mean squared error, ``epochs`` at batch size 1. The scaler is fit on the training part
    only, as in lstmkit's TutorialForecaster; the test windows end just before each test month.
    """
    import keras

    keras.utils.set_random_seed(seed)
    values = y.to_numpy(dtype=np.float64)
    start = time.perf_counter()
    low, high = values[:n_train].min(), values[:n_train].max()
    scaled = ((values - low) / (high - low)).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(scaled[:-1], LOOK_BACK)[..., None]
    targets = scaled[LOOK_BACK:, None]
    n_fit = n_train - LOOK_BACK  # windows whose target is a training month
    model = keras.Sequential([keras.Input((LOOK_BACK, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    model.compile(loss="mean_squared_error", optimizer="adam")
    model.fit(windows[:n_fit], targets[:n_fit], epochs=epochs, batch_size=1, verbose=0)
    predicted = model.predict(windows[n_fit:], verbose=0)[:, 0]
    seconds = time.perf_counter() - start
    forecast = predicted * (high - low) + low
    return seconds, float(np.sqrt(np.mean((forecast - values[n_train:]) ** 2)))


def keras_echo(seed: int, n_calls: int, n_test: int = 1000) -> tuple[float, float]:
    """The tutorial's echo loop in Keras: (seconds for ``n_calls`` fit calls, test accuracy).

    LSTM(25) on one-hot sequences of length 5 over 10 values, Dense(10, softmax),
    categorical cross-entropy, Adam; each call is ``model.fit`` on one fresh sequence for
    one epoch, as the tutorial does 10,000 times. Accuracy: on ``n_test`` fresh sequences
    after these calls.
    """
    import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng([seed, 3])
    x, labels = echo(n_calls, 5, 10, 2, rng)
    targets = np.eye(10, dtype=np.float32)[labels]
    start = time.perf_counter()
    model = keras.Sequential([keras.Input((5, 10)), keras.layers.LSTM(25),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
    for i in range(n_calls):
        model.fit(x[i : i + 1], targets[i : i + 1], epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    test_x, test_y = echo(n_test, 5, 10, 2, rng)
    accuracy = float(np.mean(model.predict(test_x, verbose=0).argmax(1) == test_y))
    return seconds, accuracy


def keras_latencies(n_calls: int) -> list[float]:
    """Seconds of ``model.predict`` on one window of the tutorial's airline model (untrained)."""
    import keras

    model = keras.Sequential([keras.Input((LOOK_BACK, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    x = np.zeros((1, LOOK_BACK, 1), dtype=np.float32)
    model.predict(x, verbose=0)
    times = []
    for _ in range(n_calls):
        start = time.perf_counter()
        model.predict(x, verbose=0)
        times.append(time.perf_counter() - start)
    return times


# ---------------------------------------------------------------------- Darts, NeuralForecast
def _quiet_lightning() -> dict:
    """Silence Lightning's banners; returns trainer options that turn off bars and loggers."""
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return {"enable_progress_bar": False, "logger": False, "enable_model_summary": False}


def darts_airline(y: pd.Series, n_train: int, seed: int, n_epochs: int | None = None) -> tuple[float, float]:
    """Darts' RNNModel (LSTM) with its documented defaults: (fit + predict seconds, one-step RMSE).

    ``RNNModel(model="LSTM", input_chunk_length=12)`` (one season; the only required
    argument), every other argument at its default (hidden_dim 25, training_length 24,
    100 epochs, batch 32, Adam 1e-3), on a float32 series scaled by Darts' ``Scaler``
    (MinMax) fit on the training part, as Darts' examples do. One-step forecasts of the
    test months by ``historical_forecasts(retrain=False)``.
    """
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import RNNModel

    trainer = _quiet_lightning()
    series = TimeSeries.from_series(y.astype(np.float32))
    start = time.perf_counter()
    scaler = Scaler().fit(series[:n_train])
    scaled = scaler.transform(series)
    options = {} if n_epochs is None else {"n_epochs": n_epochs}
    model = RNNModel(model="LSTM", input_chunk_length=12, random_state=seed,
                     pl_trainer_kwargs=trainer, **options)
    model.fit(scaled[:n_train], verbose=False)
    forecast = model.historical_forecasts(scaled, start=n_train, forecast_horizon=1, retrain=False,
                                          last_points_only=True, verbose=False)
    predicted = scaler.inverse_transform(forecast).values()[:, 0]
    seconds = time.perf_counter() - start
    if forecast.start_time() != y.index[n_train] or len(predicted) != len(y) - n_train:
        raise RuntimeError(f"Darts forecast {forecast.start_time()} + {len(predicted)} is not the test part")
    actual = y.to_numpy(dtype=np.float64)[n_train:]
    return seconds, float(np.sqrt(np.mean((predicted - actual) ** 2)))


def neuralforecast_airline(y: pd.Series, n_train: int, seed: int,
                           max_steps: int | None = None) -> tuple[float, float]:
    """NeuralForecast's LSTM with its documented defaults: (fit + predict seconds, one-step RMSE).

    ``LSTM(h=1)`` (every other argument at its default: input_size -1, 2 x 128 encoder,
    1,000 steps, robust scaling, MAE loss) trained once on the training months by
    ``cross_validation(n_windows=test months, step_size=1, refit=False)``.
    """
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    trainer = _quiet_lightning()
    frame = pd.DataFrame({"unique_id": "air", "ds": y.index, "y": y.to_numpy(dtype=np.float64)})
    options = {} if max_steps is None else {"max_steps": max_steps}
    start = time.perf_counter()
    nf = NeuralForecast(models=[LSTM(h=1, random_seed=seed, **trainer, **options)], freq="MS")
    cv = nf.cross_validation(frame, n_windows=len(y) - n_train, step_size=1, refit=False)
    seconds = time.perf_counter() - start
    if list(cv["ds"]) != list(y.index[n_train:]):
        raise RuntimeError("NeuralForecast's cross-validation did not forecast the test months")
    return seconds, float(np.sqrt(np.mean((cv["LSTM"].to_numpy() - cv["y"].to_numpy()) ** 2)))
