"""Forecaster: an LSTM that forecasts a univariate series, one step at a time.

Recipe (every step fit on the training series only, see ``data/scaling.py``): 1. optional log
transform; 2. difference at the season length (seasonal data with at least three seasons) or at
lag 1, divided by the differences' spread, so that the network sees level-free windows and can
forecast beyond the range seen in training; 3. windows of ``lookback`` differences and the next
one, trained with early stopping on the last windows; 4. recursive forecasts, each fed back as
input, the differencing undone step by step.

Given many series (a long DataFrame, a list of series or a Parquet source), ``fit`` hands its settings
to a ``GlobalForecaster`` and answers through it (``GlobalForecaster(**same settings).fit(frame)``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.base import clone

from lstmkit.checkpoints import checkpoint_path, fingerprint
from lstmkit.conformal import check_levels, one_series_scores, pooled_half_widths
from lstmkit.data.framing import sliding_windows
from lstmkit.data.panel import is_panel, target_column
from lstmkit.data.parquet import is_parquet_source
from lstmkit.data.scaling import DiffScaler
from lstmkit.data.series import (
    as_series,
    future_index,
    infer_freq,
    same_frequency,
    season_length,
    series_from_dict,
    series_to_dict,
)
from lstmkit.diagnosis import Diagnosable
from lstmkit.errors import InputError, check_positive_int
from lstmkit.memory import check_windows
from lstmkit.models.registry import arch_options, build
from lstmkit.persistence import Persistable
from lstmkit.seeding import resolve_seed
from lstmkit.tasks import _base, covariate_recipe, multivariate, pretrained
from lstmkit.tasks._base import check_fitted, fit_networks, fit_params, one_or_many, trial_build
from lstmkit.tasks.backtest import backtest
from lstmkit.tasks.forecast_evaluation import ForecastEvaluation
from lstmkit.tasks.forecast_settings import MAX_HORIZON, ForecastSettings
from lstmkit.tasks.global_forecaster import GlobalForecaster
from lstmkit.tasks.pretrained_ensemble import ENSEMBLE, median, members
from lstmkit.training import (
    TrainConfig,
    cpu_threads,
    interrupted,
    one_fit,
    resolve_device,
    torch_threads,
    train,
)


class Forecaster(ForecastEvaluation, Persistable, Diagnosable, ForecastSettings):
    """LSTM forecaster for one series (many series: a ``GlobalForecaster`` inside).

    >>> from lstmkit import Forecaster, datasets
    >>> y = datasets.load_airpassengers()
    >>> f = Forecaster(random_state=0).fit(y[:96])
    >>> f.predict(h=48)             # Series indexed by the next 48 month starts
    >>> f.backtest(y, start=96)     # one-step rolling forecasts of the last 48 months
    >>> g = Forecaster(strategy="direct", horizon=18).fit(frame)  # unique_id, ds, y columns
    >>> g.predict(18)               # long frame: unique_id, ds (future dates), lstmkit (the alias)
    >>> f.score(y[96:])             # minus the MASE of predict(48) (scikit-learn: greater is better)
    >>> f.cross_validation(y, h=12, n_windows=3)   # Nixtla's unique_id, ds, cutoff, y, lstmkit
    >>> c = Forecaster(strategy="direct", horizon=13).fit(y, X=promos)  # promos: known covariates
    >>> c.predict(13, X_future=next_promos)

    Parameters
    ----------
    arch: network name, one of ``lstmkit.tasks.forecast_settings.ARCHS`` ("vanilla", "stacked",
        "bidirectional", or "mlp", a windowed MLP baseline).
    strategy, horizon, recent_windows, loss "smape": many series only (see GlobalForecaster);
        one series: strategy "recursive" (a one-step network fed its own forecasts), loss
        "mse" or "mae".
    lookback: input window length in differences; None uses one season (12 for monthly
        data), at least 8, and less where the series is too short for it (4 training windows left).
    hidden_size: LSTM memory cells.
    arch_options: extra network options, e.g. ``{"n_layers": 3, "dropout": 0.1}`` for stacked.
    transform: "none", "log" (growth added or multiplied) or "auto" (log if all values are positive).
    difference: "auto" (seasonal when the season is known and the series holds at least
        three seasons, else first), "seasonal", "first" or "none" (standardise only).
    season: season length; None infers it from the dates' frequency (12 monthly, 4 quarterly).
    epochs, batch_size, lr, lr_schedule, weight_decay, patience: training settings (see
        TrainConfig; lr_schedule "cosine" decays the learning rate to 0 over the epochs).
    val_size: windows held out from the end of the training series for early stopping;
        None uses one season, at most a quarter of the windows.
    n_models: networks trained with different seeds; their forecasts are averaged.
    conformal_windows, conformal_horizon: split conformal intervals (as statsforecast's
        ConformalIntervals): ``conformal_windows`` extra fits, each on the training series cut
        ``k * conformal_horizon`` values before its end; their absolute errors per step calibrate
        ``predict(h, level=[80, 95])`` for h up to ``conformal_horizon`` (default: two seasons,
        at least 12). 0: no intervals. Short series get as many windows as they can (at least 1).
    random_state: seed (the same int: identical results on CPU); device: "auto" (CUDA when
    present), "cpu" or "cuda"; n_threads: torch CPU threads (None: by model size); verbose.
    pretrained: True or a checkpoint name ("monthly"...): forecast the series zero-shot with a
        global LSTM trained on M1 and M3 (``tasks/pretrained.py``); fit trains nothing.
        "ensemble": the step-wise median of the own LSTM, that checkpoint and a damped trend
        (``tasks/pretrained_ensemble.py``; ``ensemble_members_``: those that answered).
    alias: the forecast column's name in long frames and ``cross_validation`` (Nixtla's: "lstmkit",
        "lstmkit-lo-80"); one series keeps a Series named "forecast".

    Many series, one with covariates ``X``, or pretrained (not "ensemble"): a ``GlobalForecaster``
    answers (``global_``; else None), and parameters mean what they mean for it.

    Attributes after fit: ``modules_`` (the trained networks), ``scaler_`` (the differencing scaler),
    ``lookback_``, ``season_``, ``history_`` (one dict per epoch with loss, val_loss and seconds; a
    list of such lists, one per network), ``y_``, ``conformal_scores_``, ``global_``."""

    # ------------------------------------------------------------------ fit
    @one_fit
    def fit(self, y, checkpoint_dir=None, resume: bool = False, on_epoch=None, id_col: str = "unique_id",
            time_col: str = "ds", value_col: str = "y", store_dir=None, X=None, futr_exog=None,
            hist_exog=None, target_col=None, **covariates) -> Forecaster:
        """Train on the series ``y`` (Series, 1-D array or list); returns self.

        Many series (a long DataFrame with columns ``id_col``, ``time_col``, ``value_col``, a
        list of series, or a long-format Parquet file or folder, read in chunks into a store
        under ``store_dir``) train one global model; ``predict`` answers in the same form.

        ``checkpoint_dir``: write a checkpoint there after every epoch (one file per network);
        ``resume=True`` continues the checkpoints found there (same settings and data) and
        ends with the same weights as an uninterrupted run. ``on_epoch(record)``: called
        after every epoch of every network with its loss and val_loss; returning True stops
        that network's training (used by ``lstmkit.tune`` to prune trials).

        Covariates (a global model answers): ``X`` on y's index (columns futr unless in
        ``hist_exog``; predict needs ``X_future``), or as ``GlobalForecaster.fit``.
        Several targets forecast jointly: a wide frame, ``target=[...]`` (``tasks/multivariate.py``).
        ``target_col``: Nixtla's name for ``value_col``.
        """
        value_col = target_column(value_col, target_col)
        if self.pretrained and self.pretrained != ENSEMBLE:  # zero-shot (tasks/pretrained.py)
            self._adopt(pretrained.zero_shot(self, y, [X, futr_exog, hist_exog, *covariates.values()]))
            return self
        y, futr_exog, hist_exog, covariates, form = covariate_recipe.long_form(
            y, X, futr_exog, hist_exog, covariates, (id_col, time_col, value_col), self.strategy)
        if is_panel(y) or is_parquet_source(y):  # GlobalForecaster checks the same parameter table
            exog = {"futr_exog": futr_exog, "hist_exog": hist_exog, **covariates}
            model = GlobalForecaster(**self.get_params()).fit(
                y, checkpoint_dir=checkpoint_dir, resume=resume, on_epoch=on_epoch, id_col=id_col,
                time_col=time_col, value_col=value_col, store_dir=store_dir, **exog)
            if form:  # forecasts come back as one series, or one wide frame of the targets
                multivariate.answer_as(model.state_.panel, form, exog)
            self._adopt(model)
            return self
        self._check_params()
        if self.strategy != "recursive" or self.loss == "smape":
            raise InputError(f"strategy={self.strategy!r} and loss={self.loss!r} need many series or X "
                             "(one series: strategy 'recursive', loss 'mse' or 'mae'); pass [y] for a "
                             "global model of one series")
        self.global_, series = None, as_series(y, "y")
        self.season_ = self.season or season_length(series.index) or 1
        lag = self._lag(len(series))  # default lookback: a season, at least 8, shorter for short series
        self.lookback_ = self.lookback or max(2, min(max(self.season_, 8), len(series) - lag - 5))
        n_windows = len(series) - lag - self.lookback_
        val_size = self._val_size(n_windows)
        if n_windows - val_size < 1:
            need = lag + self.lookback_ + 1 + val_size
            raise InputError(f"y has {len(series)} values, too short for lookback {self.lookback_} + "
                             f"differencing lag {lag} + 1 step + {val_size} validation windows; it needs at "
                             f"least {need} (or set a smaller lookback)")
        log = self.transform == "log" or (self.transform == "auto" and series.min() > 0)
        self.scaler_ = DiffScaler(log=log, lag=lag).fit(series.to_numpy())
        self.device_ = resolve_device(self.device)
        seed = resolve_seed(self.random_state)

        check_windows(n_windows, self.lookback_, 1, self._build, self.batch_size, self.device_)
        x, target = self._windows(series.to_numpy())
        split = len(x) - val_size
        validation = (x[split:], target[split:]) if val_size else None
        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                             lr_schedule=self.lr_schedule, weight_decay=self.weight_decay,
                             patience=self.patience if val_size else None, n_threads=self.n_threads)
        settings = fit_params(self)

        def train_one(k: int, own: int):
            module = self._build().to(self.device_)
            history = train(module, _LOSSES[self.loss], x[:split], target[:split], config,
                            validation=validation, seed=own, progress=self.verbose,
                            description=f"model {k + 1}/{self.n_models}",
                            checkpoint=checkpoint_path(checkpoint_dir, k), resume=resume,
                            fingerprint=fingerprint(settings, own, x, target, split), on_epoch=on_epoch)
            return module, history

        self.modules_, histories = fit_networks(self.n_models, seed, self.device_, train_one)
        still = _LOSSES[self.loss](torch.zeros_like(target[:split]), target[:split])  # forecasting no change
        _base.check_converged(histories, float(still), self.lr)
        self.history_ = one_or_many(histories)
        calibrate = self.conformal_windows and not interrupted()
        self.conformal_scores_ = self._calibrate(series) if calibrate else None
        if interrupted():  # no intervals from a fit or a calibration that Ctrl-C cut short
            self.conformal_scores_ = None
        self.y_ = series
        self.ensemble_members_ = members(series, self.season_) if self.pretrained == ENSEMBLE else None
        return self

    def _adopt(self, model: GlobalForecaster) -> None:
        """Answer through the fitted global ``model``, showing its fitted attributes."""
        self.global_, self.y_, self.ensemble_members_ = model, None, None
        self.device_, self.history_ = model.device_, model.history_
        if hasattr(model, "modules_"):  # (a model being loaded gets its networks next)
            self.modules_ = model.modules_
        self.lookback_, self.season_, self.conformal_scores_, self.covariate_selection_ = model.lookback_, \
            model.season_, model.conformal_scores_, getattr(model, "covariate_selection_", None)

    def _calibrate(self, series: pd.Series) -> np.ndarray:
        """Absolute errors (windows, horizon) of forecasts from cut-off training series (short
        series: as many windows as leave enough values to train on, at least one)."""
        horizon = self.conformal_horizon or max(2 * self.season_, 12)

        def fit_predict(train: pd.Series, h: int) -> np.ndarray:
            model = clone(self).set_params(conformal_windows=0, verbose=False)
            return model.fit(train).predict(h).to_numpy()

        return one_series_scores(fit_predict, series, horizon, self.conformal_windows)

    def _lag(self, n: int) -> int:
        if self.difference == "none":
            return 0
        if self.difference == "first":
            return 1
        seasonal = self.season_ > 1 and (self.difference == "seasonal" or n >= 3 * self.season_)
        if self.difference == "seasonal" and self.season_ <= 1:
            raise InputError(
                "difference='seasonal' needs a season length > 1; pass season=... or a "
                "series with a monthly/quarterly/daily DatetimeIndex"
            )
        return self.season_ if seasonal else 1

    def _build(self) -> torch.nn.Module:
        steps = getattr(self, "lookback_", None) or self.lookback or 8
        return build(
            self.arch, n_features=1, n_outputs=1, hidden_size=self.hidden_size,
            **({"n_steps": steps} if self.arch == "mlp" else {}), **arch_options(self.arch_options),
        )

    def _windows(self, values: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Training windows (n, lookback, 1) and next differences (n, 1) as float32 tensors."""
        d = self.scaler_.encode(values)
        inputs, targets = sliding_windows(d, self.lookback_, 1)
        return _tensor(inputs[..., None], self.device_), _tensor(targets, self.device_)

    def _val_size(self, n_windows: int) -> int:
        if self.val_size is not None:
            return check_positive_int("val_size", self.val_size, minimum=0)
        return max(1, min(self.season_ if self.season_ > 1 else n_windows, n_windows // 4))

    def _trial_build(self) -> None:
        trial_build(self._build, self.n_models)

    # ------------------------------------------------------------------ predict
    def predict(self, h: int, y=None, level=None, X_future=None, futr_df=None):
        """Forecast the ``h`` values after the training series, indexed by their dates.

        ``y``: forecast after this series instead (new observations of the same process, e.g. the
        training series extended), without refitting; it needs lookback + lag values. ``level``:
        interval levels in percent (e.g. [80, 95], not 0.8; needs ``conformal_windows``): a DataFrame
        with columns ``forecast``, ``lo-80``, ``hi-80``, ... instead of a Series. ``X_future``:
        covariates. Many series answer a long frame with Nixtla's names (``alias``: ``lstmkit``,
        ``lstmkit-lo-80``...; see ``GlobalForecaster.predict``)."""
        check_fitted(self, "modules_", "fit(y)")
        if self.global_ is not None:
            panel = self.global_.state_.panel
            if panel is not None and panel.form in ("series", "wide"):
                if y is not None:
                    raise InputError("predict(h, y=...) needs a model of many series; this one was fitted on "
                                     "one series with covariates (or one wide frame): refit on the new data")
                if X_future is not None:
                    futr_df = multivariate.wide_future(X_future, panel.ids, panel.columns)
            return self.global_.predict(h, y=y, level=level, futr_df=futr_df)
        h = check_positive_int("h", h)
        if h > MAX_HORIZON:
            raise InputError(f"h must be at most {MAX_HORIZON} steps (recursive forecasts that far "
                             f"out carry no information); received {h}")
        history = self.y_ if y is None else as_series(y, "y")
        if len(history) < self._width:
            raise InputError(f"y must have at least {self._width} values (lookback {self.lookback_} "
                             f"+ lag {self.scaler_.lag}) to forecast from; received {len(history)}")
        trained, given = infer_freq(self.y_.index), infer_freq(history.index)
        if trained and given and not same_frequency(trained, given):
            raise InputError(f"y has frequency {given!r}; this model was fitted on {trained!r} data")
        levels = check_levels(level, self.conformal_scores_, h)
        index = future_index(history.index, h)  # dates past pandas' range fail here, before forecasting
        z = self.scaler_.transform(history.to_numpy()[-self._width :])  # only these values are read
        path = self._recursive(z[None, :], h)[0]
        if self.pretrained == ENSEMBLE:
            path = median(path, history, h, self.season_)
        forecast = pd.Series(path, index=index, name="forecast")
        if levels is None:
            return forecast
        frame = forecast.to_frame()
        for lv in levels:
            half = pooled_half_widths(self.conformal_scores_, lv)[:h]
            frame[f"lo-{lv:g}"], frame[f"hi-{lv:g}"] = path - half, path + half
        return frame

    def backtest(self, y, start: int, h: int = 1) -> pd.Series:
        """Rolling ``h``-step-ahead forecasts of ``y[start:]`` without refitting.

        The forecast of ``y[t]`` uses only ``y[: t - h + 1]`` (the actual values up to its
        origin). ``y`` is usually the training series followed by the test values.
        """
        check_fitted(self, "modules_", "fit(y)")
        if self.global_ is not None:
            raise InputError("backtest is for one-series models; for many series use cross_validation(frame, "
                             "h, n_windows) (Nixtla's form, refits per window)")
        return backtest(self, y, start, h)

    @property
    def _width(self) -> int:
        """Values of history one forecast step needs: lookback differences + the lag."""
        return self.lookback_ + self.scaler_.lag

    @torch.inference_mode()
    def _recursive(self, z_windows: np.ndarray, h: int) -> np.ndarray:
        """z histories (m, width) -> raw-value forecasts (m, h), each fed back as input."""
        if len(z_windows) > 8192:  # in blocks: one batch of a long backtest would hold all its gates
            parts = np.array_split(z_windows, -(-len(z_windows) // 8192))
            return np.concatenate([self._recursive(part, h) for part in parts])
        window = np.array(z_windows, dtype=np.float64)
        steps = []
        # threads by model size, as in training (benchmarks/speed.py, row 6)
        with torch_threads(cpu_threads(self.modules_[0], len(window), self.n_threads)):
            for _ in range(h):
                d = self.scaler_.difference(window)[:, -self.lookback_ :]  # (m, lookback)
                x = _tensor(d[..., None], self.device_)
                out = torch.stack([m(x) for m in self.modules_]).mean(0)  # (m, 1)
                nxt = self.scaler_.decode(window, out.double().cpu().numpy())  # (m, 1)
                steps.append(nxt)
                window = np.concatenate([window[:, 1:], nxt], axis=1)
        return self.scaler_.inverse_transform(np.concatenate(steps, axis=1))

    def predict_parquet(self, h: int, source, out, level=None, chunk_rows: int | None = None) -> int:
        """Many series: ``GlobalForecaster.predict_parquet`` (Parquet in and out, in chunks)."""
        check_fitted(self, "modules_", "fit(y)")
        if self.global_ is None:
            raise InputError("predict_parquet needs a model of many series; this one has one: use predict(h)")
        return self.global_.predict_parquet(h, source, out, level=level, chunk_rows=chunk_rows)

    # ------------------------------------------------------------------ persistence hooks
    def _fitted_modules(self) -> list[torch.nn.Module]:
        return self.modules_

    def _get_state(self) -> dict:
        if self.global_ is not None:
            return self.global_._get_state()  # the persistence protocol (``persistence.Persistable``)
        return {"scaler": self.scaler_.to_dict(), "lookback": self.lookback_, "season": self.season_,
                "n_models": len(self.modules_), "y": series_to_dict(self.y_), "history": self.history_,
                "conformal_scores": None if self.conformal_scores_ is None
                else self.conformal_scores_.tolist()}

    def _set_state(self, state: dict) -> None:
        self.device_ = resolve_device(self.device)
        if "global" in state:  # a model of many series: its GlobalForecaster answers
            model = GlobalForecaster(**{**self.get_params(), **state.get("network_params", {})})
            model._set_state(state)
            self.n_models_ = model.n_models_
            self._adopt(model)
            return
        self.n_models_, self.history_ = int(state["n_models"]), state["history"]
        scores = state.get("conformal_scores")
        self.conformal_scores_ = None if scores is None else np.asarray(scores, dtype=np.float64)
        self.global_ = None
        self.scaler_ = DiffScaler.from_dict(state["scaler"])
        self.lookback_, self.season_ = int(state["lookback"]), int(state["season"])
        self.y_ = series_from_dict(state["y"])
        self.ensemble_members_ = members(self.y_, self.season_) if self.pretrained == ENSEMBLE else None

    def _fresh_modules(self) -> list[torch.nn.Module]:
        if self.global_ is not None:
            return self.global_._fresh_modules()
        with torch.random.fork_rng(devices=[]):  # loading must not move the caller's random state
            return [self._build() for _ in range(self.n_models_)]

    def _set_modules(self, modules: list[torch.nn.Module]) -> None:
        if self.global_ is not None:
            self.global_._set_modules(modules)
            self.modules_ = self.global_.modules_
            return
        self.modules_ = [m.to(self.device_).eval() for m in modules]


_LOSSES = {"mse": torch.nn.functional.mse_loss, "mae": torch.nn.functional.l1_loss}


def _tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    """A float32 tensor on ``device`` (copies the window views once, into float32)."""
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device)
