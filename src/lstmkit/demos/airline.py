"""The original tutorial's airline model, rebuilt faithfully for comparison.

LSTM(4) on windows of 3 MinMax-scaled values, 100 epochs at batch size 1, Adam with
Keras's defaults, mean squared error. One deliberate change: the scaler is fit on the
training part only (the tutorial fits it on the whole series, leaking the test set).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.preprocessing import MinMaxScaler

from lstmkit.baselines import Naive, SeasonalNaive
from lstmkit.data.framing import sliding_windows
from lstmkit.data.series import as_series, future_index
from lstmkit.datasets import load_airpassengers
from lstmkit.errors import InputError, NotFittedError, check_positive_int
from lstmkit.evaluation import evaluate_forecasters
from lstmkit.models.registry import build
from lstmkit.seeding import resolve_seed, seeded
from lstmkit.tasks.forecaster import Forecaster
from lstmkit.training import TrainConfig, train


class TutorialForecaster(BaseEstimator):
    """The tutorial's model with fit / predict / backtest like every lstmkit forecaster."""

    def __init__(self, look_back: int = 3, hidden_size: int = 4, epochs: int = 100,
                 batch_size: int = 1, random_state: int | None = None):
        self.look_back = look_back
        self.hidden_size = hidden_size
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, y) -> TutorialForecaster:
        series = as_series(y, "y", min_length=self.look_back + 1)
        self.scaler_ = MinMaxScaler().fit(series.to_numpy()[:, None])  # training part only
        scaled = self.scaler_.transform(series.to_numpy()[:, None])[:, 0]
        inputs, targets = sliding_windows(scaled, self.look_back, 1)
        x = torch.tensor(inputs[..., None], dtype=torch.float32)
        t = torch.tensor(targets, dtype=torch.float32)
        seed = resolve_seed(self.random_state)
        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=1e-3, clip=None)
        with seeded(seed):
            self.module_ = build("vanilla", n_features=1, n_outputs=1, hidden_size=self.hidden_size)
            self.history_ = train(self.module_, torch.nn.functional.mse_loss, x, t, config, seed=seed)
        self.y_ = series
        return self

    def predict(self, h: int) -> pd.Series:
        self._check_fitted()
        h = check_positive_int("h", h)
        path = self._recursive(self.y_.to_numpy()[None, -self.look_back :], h)[0]
        return pd.Series(path, index=future_index(self.y_.index, h), name="forecast")

    def backtest(self, y, start: int, h: int = 1) -> pd.Series:
        self._check_fitted()
        series = as_series(y, "y")
        if not self.look_back + h - 1 <= start < len(series):
            raise InputError(f"start must be in [{self.look_back + h - 1}, {len(series) - 1}]; "
                             f"received {start}")
        values = series.to_numpy()
        windows = np.stack([values[t - h + 1 - self.look_back : t - h + 1]
                            for t in range(start, len(values))])
        return pd.Series(self._recursive(windows, h)[:, -1], index=series.index[start:])

    @torch.inference_mode()
    def _recursive(self, windows: np.ndarray, h: int) -> np.ndarray:
        scaled = self.scaler_.transform(windows.reshape(-1, 1)).reshape(windows.shape)
        steps = []
        for _ in range(h):
            out = self.module_(torch.tensor(scaled[..., None], dtype=torch.float32)).numpy()
            steps.append(out)
            scaled = np.concatenate([scaled[:, 1:], out], axis=1)
        path = np.concatenate(steps, axis=1)
        return self.scaler_.inverse_transform(path.reshape(-1, 1)).reshape(path.shape)

    def _check_fitted(self) -> None:
        if not hasattr(self, "module_"):
            raise NotFittedError("this TutorialForecaster is not fitted yet; call fit(y) first")


def run_airline(seed_config: bool = False, seed: int | None = 0, n_train: int = 96,
                plot: str | None = None) -> dict:
    """The airline experiment: train on 96 months, test on the last 48 (one-step and 48-step).

    ``seed_config`` adds the tutorial's model; ``plot`` writes a PNG of every forecast.
    """
    y = load_airpassengers()
    models = {"lstmkit": Forecaster(random_state=seed)}
    if seed_config:
        models["tutorial LSTM"] = TutorialForecaster(random_state=seed)
    models.update({"naive": Naive(), "seasonal naive": SeasonalNaive()})
    result = evaluate_forecasters(models, y, n_train)
    result["task"] = "forecast"
    result["data"] = {"name": "AirPassengers (bundled)", "n_train": n_train,
                      "n_test": len(y) - n_train}
    if plot:
        from lstmkit.plots import plot_forecasts

        split = result["split"]
        path = plot_forecasts(split["train"], split["test"], result["forecasts"], plot,
                              title="AirPassengers")
        result["files"] = {"plot": str(path)}
    return result
