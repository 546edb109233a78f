"""GlobalForecaster: one network trained on many series (a long frame, a list, or Parquet).

>>> from lstmkit import GlobalForecaster
>>> g = GlobalForecaster(strategy="direct", horizon=18, random_state=0).fit(frame)  # unique_id, ds, y
>>> g.predict(18)                 # long frame: unique_id, ds (the next 18 dates), lstmkit (the alias)
>>> g.predict(18, y=newer)        # after newer observations of these (or other) series, no refit
>>> g.predict_parquet(18, "big.parquet", "forecasts.parquet")   # chunk by chunk, bounded memory

The recipe's steps are in ``tasks/global_recipe.py``; ``Forecaster.fit(frame)`` hands its
settings to this class, so both give the same model.
"""

from __future__ import annotations

import tempfile

import numpy as np
import torch

from lstmkit.checkpoints import checkpoint_path, fingerprint
from lstmkit.conformal import (
    calibration_scores,
    check_calibration_length,
    check_levels,
    interval_columns,
    series_scale,
)
from lstmkit.data.covariates import calendar_columns
from lstmkit.data.panel import Panel, as_panel, forecasts_out, is_panel, panel_freq, target_column
from lstmkit.data.parquet import is_parquet_source
from lstmkit.data.seasonal import indices_at
from lstmkit.data.store import SeriesStore, store_parent
from lstmkit.data.windows import Drawn, WindowSampler, last_windows, window_loss
from lstmkit.diagnosis import Diagnosable
from lstmkit.errors import InputError, check_positive_int
from lstmkit.models.registry import arch_options, build
from lstmkit.persistence import Persistable
from lstmkit.seeding import resolve_seed
from lstmkit.tasks import _base, covariate_recipe
from lstmkit.tasks._base import check_fitted, fit_networks, fit_params, one_or_many, trial_build
from lstmkit.tasks.forecast_evaluation import ForecastEvaluation
from lstmkit.tasks.forecast_settings import MAX_HORIZON, NETWORK_PARAMS, ForecastSettings
from lstmkit.tasks.global_recipe import (
    GlobalState,
    adjust,
    check_freq,
    forecast,
    season_indices,
    transformed,
    uses_log,
)
from lstmkit.training import TrainConfig, interrupted, one_fit, resolve_device, train


class GlobalForecaster(ForecastEvaluation, Persistable, Diagnosable, ForecastSettings):
    """One LSTM (or a seed ensemble, median-combined) for many series.

    Parameters: those of ``Forecaster``; here ``strategy`` may be "recursive", "direct" or
    "seq2seq" (``horizon`` steps per forecast), ``loss`` "mse", "mae" or "smape",
    ``recent_windows`` limits training to the last cut points of each series, ``lookback``
    defaults to max(season, 2 * horizon, 8), ``difference`` is "auto" (seasonal adjustment of
    the series that pass the M4 seasonality test) or "none", ``val_size`` holds out the last
    values of each series for early stopping (0 or None: none), and ``conformal_windows``
    refits the model on the series cut before their ends to calibrate intervals.

    Attributes after fit: ``modules_``, ``history_``, ``state_`` (a ``GlobalState``: the
    training panel, seasonal indices, season, lookback, horizon, column names, frequency),
    ``lookback_``, ``season_``, ``columns_``, ``n_series_``, ``conformal_scores_``."""
    _takes_pretrained = False

    @one_fit
    def fit(self, y, checkpoint_dir=None, resume: bool = False, on_epoch=None, id_col: str = "unique_id",
            time_col: str = "ds", value_col: str = "y", store_dir=None, futr_exog=None, hist_exog=None,
            static_df=None, ignore=None, calendar=None, holidays=None, target_col=None) -> GlobalForecaster:
        """Train on many series: a long DataFrame (``id_col``, ``time_col``, ``value_col``), a
        list of series, or a long-format Parquet file or folder (read in chunks into a store
        under ``store_dir``, bounded memory). ``checkpoint_dir``/``resume``/``on_epoch``: as in
        ``Forecaster.fit``. Covariates (``data/covariates.py``; recursive: no hist): ``futr_exog``
        columns known in advance, ``hist_exog`` columns known up to the forecast origin,
        ``static_df`` one row per series; any other column of the frame is an error unless
        listed in ``ignore``. ``calendar``: True (features by frequency) or names from
        ``data.covariates.CALENDAR`` ("hour", "dayofweek", "month"), derived from the dates
        as future-known covariates; ``holidays`` ("US", "GB-SCT"): public holidays per period
        (``data/holiday_counts.py``). ``target_col``: Nixtla's name for ``value_col``. Returns self."""
        self._check_params()
        self.device_ = resolve_device(self.device)
        columns = (id_col, time_col, target_column(value_col, target_col))
        if self.alias in columns[:2]:
            raise InputError(f"alias must differ from the id and time columns {list(columns[:2])}; received "
                             f"{self.alias!r}")
        given = {"futr_exog": futr_exog, "hist_exog": hist_exog, "static_df": static_df, "ignore": ignore,
                 "calendar": calendar, "holidays": holidays}
        self.covariate_selection_ = None
        if is_parquet_source(y):
            if futr_exog or hist_exog or static_df is not None or calendar or holidays is not None:
                raise InputError("covariates need the series in memory (a long DataFrame); received a "
                                 f"Parquet source {str(y)!r}")
            state = self._fit_store(y, columns, checkpoint_dir, resume, on_epoch, store_dir)
        else:
            if not is_panel(y):
                raise InputError(f"y must be many series (a long DataFrame, a list of series or a Parquet "
                                 f"source); received one {type(y).__name__}: use Forecaster for one series")
            panel = as_panel(y, columns)
            y, exog = covariate_recipe.framed_covariates(self, y, panel, columns, given)
            if exog is not None and self.select_covariates:  # covariates earn their place on a validation
                exog = self._select_covariates(y, columns, given, exog)  # window
            self._check_calibration(panel)
            state = self._fit_panel(panel, checkpoint_dir, resume, on_epoch, exog)
        self._set_fitted_state(state)
        calibrate = self.conformal_windows and not interrupted()
        framed = (y, columns, given, calendar_columns(exog[4])) if state.covariates is not None else None
        self.conformal_scores_ = self._calibrate(state, framed) if calibrate else None
        if interrupted():  # no intervals from a fit or a calibration that Ctrl-C cut short
            self.conformal_scores_ = None
        return self

    def _select_covariates(self, y, columns, given: dict, exog):
        from lstmkit.tasks.covariate_selection import choose, warn_dropped
        self.covariate_selection_ = choose(self, y, columns, given, exog[1], calendar_columns(exog[4]))
        if self.covariate_selection_["kept"]:
            return exog
        warn_dropped(self.covariate_selection_, [*exog[1], *exog[2]] + (["static_df"] if exog[3] is not None
                                                                         else []))
        return None

    def _set_fitted_state(self, state: GlobalState) -> None:
        self.state_ = state
        self.lookback_, self.season_ = state.lookback, state.season
        self.columns_, self.n_series_ = state.columns, state.n_series

    def _trial_build(self) -> None:
        trial_build(lambda: self._build(self.lookback or 8, self.horizon or 1), self.n_models)

    def _build(self, lookback: int, horizon: int, cov=None) -> torch.nn.Module:
        """A network for many series: (batch, lookback, 2) windows -> (batch, horizon); with
        covariates ``cov``, one that also reads them (``covariate_recipe.network``)."""
        if cov is not None:
            name, options = covariate_recipe.network(self, cov, horizon)
            return build(name, **options)
        if self.strategy == "seq2seq":
            return build("seq2seq-regressor", n_features=2, n_outputs=horizon, hidden_size=self.hidden_size)
        steps = {"n_steps": lookback} if self.arch == "mlp" else {}
        return build(self.arch, n_features=2, n_outputs=horizon, hidden_size=self.hidden_size, **steps,
                     **arch_options(self.arch_options))

    def _horizon(self) -> int:
        if self.strategy == "recursive":
            return 1
        if self.horizon is None:
            raise InputError(f"strategy={self.strategy!r} needs horizon= (the steps each forecast covers, "
                             "e.g. horizon=18 for M3 monthly)")
        return int(self.horizon)

    def _check_difference(self) -> None:  # (auto: seasonal adjustment where the series is seasonal)
        if self.difference not in ("auto", "none"):
            raise InputError(f"difference must be 'auto' or 'none' for many series; received "
                             f"{self.difference!r}")

    def _fit_panel(self, panel: Panel, checkpoint_dir, resume, on_epoch, exog=None) -> GlobalState:
        """Train the networks on every series of ``panel`` (and their covariates: ``exog`` is
        (frame, futr, hist, static_df), or None)."""
        self._check_difference()
        season = self.season or panel.season() or 1
        horizon = self._horizon()
        lookback = self.lookback or max(season, 2 * horizon, 8)
        cov, steps = covariate_recipe.prepare(exog[0], panel, *exog[1:]) if exog else (None, None)
        state = GlobalState(panel, season_indices(panel.values, season, self.difference != "none"), season,
                            lookback, horizon, freq=panel_freq(panel), covariates=cov, steps=steps,
                            log=uses_log(self.transform, panel.values))
        series = transformed(state.adjusted(), panel.ids, state.log)
        lengths = np.array([len(s) for s in series], dtype=np.int64)
        values = np.concatenate(series)
        offsets = np.r_[0, np.cumsum(lengths)[:-1]]
        data = (torch.from_numpy(values), torch.from_numpy(offsets))
        extra = None
        if cov is not None:
            extra = (cov, *covariate_recipe.flat(steps, cov, panel.ids))
            data = (*data, torch.from_numpy(extra[1]), torch.from_numpy(extra[2]))
        self._train_networks(values, offsets, lengths, lambda i: panel.ids[i], lookback, horizon, data,
                             checkpoint_dir, resume, on_epoch, extra, state.log)
        return state

    def _fit_store(self, source, columns, checkpoint_dir, resume, on_epoch, store_dir) -> GlobalState:
        """``_fit_panel`` for a long-format Parquet source, read in chunks into a store on disk
        (``data/store.py``, a temporary folder): memory does not grow with the number of series.
        The model keeps no training values (``predict`` needs ``y=``)."""
        self._check_difference()
        if self.conformal_windows:
            raise InputError("conformal_windows needs the series in memory (a long DataFrame or a list); "
                             f"received a Parquet source {str(source)!r}: use conformal_windows=0")
        horizon = self._horizon()
        if self.transform == "auto":
            raise InputError(f"transform='auto' needs the series in memory; choose 'log' or 'none' for a "
                             f"Parquet source {str(source)!r}")
        log = self.transform == "log"
        with tempfile.TemporaryDirectory(prefix="lstmkit-store-", dir=store_parent(store_dir)) as directory:
            store = SeriesStore.write(source, directory, columns, season=self.season,
                                      seasonal=self.difference == "auto", log=log)
            lookback = self.lookback or max(store.season, 2 * horizon, 8)
            self._train_networks(store.values, store.offsets, store.lengths, store.id_of, lookback, horizon,
                                 store.digest, checkpoint_dir, resume, on_epoch, log=log)
            state = GlobalState(None, None, store.season, lookback, horizon, columns, len(store), store.freq,
                                log=log)
            store.values.close()
        return state

    def _train_networks(self, values, offsets, lengths, name_of, lookback: int, horizon: int, data,
                        checkpoint_dir, resume, on_epoch, extra=None, log: bool = False) -> None:
        """Train ``n_models`` networks on windows of the series ``values[offsets[i]:][:lengths[i]]``
        (the last ``val_size`` values of each validate); ``data`` identifies them in checkpoints."""
        held = int(self.val_size or 0)
        if held and held < horizon:
            raise InputError(f"val_size must be 0 or at least horizon ({horizon}) for many series (the last "
                             f"val_size values of each series validate); received {held}")
        sampler = WindowSampler.from_flat(values, offsets, np.maximum(lengths - held, 0), lookback, horizon,
                                          recent=self.recent_windows, log=log, device=self.device_)
        if len(sampler):  # an epoch: a window per series, and at least as many as a series has cut points
            sampler.at_least(int(np.median(sampler.count[sampler.usable])))  # (one series: one window)
        if len(sampler) == 0:
            longest = int(np.argmax(lengths))
            raise InputError(f"no series is long enough to train on: each needs at least horizon + 1 = "
                             f"{horizon + 1 + held} values (with val_size {held}); the longest, series "
                             f"{name_of(longest)!r}, has {lengths[longest]}")
        validation = None
        if held:  # one window per series: inputs end ``held`` values before its end, targets follow
            whole = WindowSampler.from_flat(values, offsets, lengths, lookback, horizon, log=log,
                                            device=self.device_)
            if extra is not None:
                whole.with_covariates(extra[1], len(extra[0].futr), extra[2], extra[0].relative)
            rows = np.flatnonzero(lengths - held >= 1)
            validation = Drawn(whole, rows, lengths[rows] - held)
        if extra is not None:
            sampler.with_covariates(extra[1], len(extra[0].futr), extra[2], extra[0].relative)
        cov = extra[0] if extra is not None else None
        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                             lr_schedule=self.lr_schedule, weight_decay=self.weight_decay,
                             patience=self.patience if held else None, n_threads=self.n_threads)
        settings = fit_params(self)

        def train_one(k: int, own: int):
            module = self._build(lookback, horizon, cov).to(self.device_)
            history = train(module, window_loss(self.loss, log), sampler, None, config, validation=validation,
                            seed=own, progress=self.verbose, description=f"model {k + 1}/{self.n_models}",
                            checkpoint=checkpoint_path(checkpoint_dir, k), resume=resume,
                            fingerprint=fingerprint(settings, own, data, len(sampler)), on_epoch=on_epoch)
            return module, history

        self.modules_, histories = fit_networks(self.n_models, resolve_seed(self.random_state), self.device_,
                                                train_one)
        _base.check_converged(histories, sampler.still_loss(window_loss(self.loss, log)), self.lr,
                              _base.DIVERGED_GLOBAL)
        self.history_ = one_or_many(histories)

    # ------------------------------------------------------------------ intervals
    def _calibration_horizon(self, horizon: int, season: int) -> int:
        """The steps each conformal window forecasts."""
        return horizon if self.strategy != "recursive" else (self.conformal_horizon or max(2 * season, 12))

    def _check_calibration(self, panel: Panel) -> None:
        """Raise before any training when no series is long enough for one conformal window."""
        if self.conformal_windows:
            check_calibration_length(panel.values, self._calibration_horizon(
                self._horizon(), self.season or panel.season() or 1))

    def _calibrate(self, state: GlobalState, framed=None) -> np.ndarray:
        """Conformal scores from refits on the series cut before their ends (``conformal.py``);
        ``framed`` (frame, columns, covariate arguments, derived columns): with the covariates."""
        horizon = self._calibration_horizon(state.horizon, state.season)
        if framed is not None:
            from lstmkit.tasks.covariate_calibration import covariate_scores
            return covariate_scores(self, *framed, horizon, state.season)

        def fit_predict(train: list[np.ndarray], h: int) -> np.ndarray:
            model = GlobalForecaster(**self.get_params()).set_params(
                conformal_windows=0, season=state.season, verbose=False)
            return np.stack(model.fit(train).predict(h))

        return calibration_scores(fit_predict, state.panel.values, horizon, state.season,
                                  self.conformal_windows)

    # ------------------------------------------------------------------ predict
    def predict(self, h: int, y=None, level=None, futr_df=None):
        """Forecasts of the ``h`` values after every series (of ``y``, else the training series),
        in the form they came in: a long frame (Nixtla's ``unique_id, ds, lstmkit``: the column is
        named by ``alias``) or a list of arrays. ``level`` (percentages, with ``conformal_windows``):
        also ``lstmkit-lo-80``/``lstmkit-hi-80``... bounds (a list: one frame per series). ``futr_df``
        (a model fitted with ``futr_exog``): those columns for every series at each of the
        ``horizon`` dates after its end (``y``'s covariate columns give the past)."""
        check_fitted(self, "modules_", "fit(y)")
        state = self.state_
        levels = self._check_h(h, level)
        if y is not None and not is_panel(y):
            raise InputError(f"y must be many series (a long DataFrame or a list of series), as in fit; "
                             f"received one {type(y).__name__}")
        if y is None:
            if state.panel is None:
                raise InputError("this model was trained from a Parquet file and keeps no series: pass the "
                                 "series to forecast after, predict(h, y=...)")
            panel, indices, steps = state.panel, state.indices, state.steps
        else:
            panel = as_panel(y, state.columns)
            check_freq(state, panel_freq(panel), "y")
            indices = season_indices(panel.values, state.season, self.difference != "none")
            steps = covariate_recipe.series_steps(y, panel, state.covariates) if state.covariates else None
        covariates = None
        if state.covariates is not None:
            ahead = h if self.strategy == "recursive" else state.horizon  # (future covariate steps)
            covariates = covariate_recipe.last_covariates(panel, state.covariates, steps, state.lookback,
                                                          ahead, futr_df)
        elif futr_df is not None and (self.covariate_selection_ or {}).get("kept", True):  # (dropped: unused)
            raise InputError("futr_df was given but this model was fitted without covariates")
        adjusted_values = transformed(adjust(panel.values, indices), panel.ids, state.log)
        lengths = np.array([len(v) for v in panel.values])
        forecasts = self._forecast(adjusted_values, np.stack([indices_at(i, 0, state.season or 1)
                                                              for i in indices]), lengths, h, covariates)
        return forecasts_out(panel, forecasts, self._intervals(panel.values, forecasts, levels), self.alias)

    def predict_parquet(self, h: int, source, out, level=None, chunk_rows: int | None = None) -> int:
        """Forecasts for every series of a long-format Parquet file or folder, read and written
        chunk by chunk (memory does not grow with the number of series), to the Parquet file
        ``out`` (written atomically: nothing is left on an error). Returns the number of series."""
        from lstmkit.tasks.global_parquet import predict_parquet

        check_fitted(self, "modules_", "fit(y)")
        return predict_parquet(self, h, source, out, level, chunk_rows)

    def _check_h(self, h: int, level):
        h = check_positive_int("h", h)
        if h > MAX_HORIZON:
            raise InputError(f"h must be at most {MAX_HORIZON} steps (recursive forecasts that far "
                             f"out carry no information); received {h}")
        levels = check_levels(level, self.conformal_scores_, h)
        if self.strategy != "recursive" and h > self.state_.horizon:
            raise InputError(f"h must be at most horizon ({self.state_.horizon}) for "
                             f"strategy={self.strategy!r}; "
                             f"received {h} (fit with a larger horizon, or strategy='recursive')")
        return levels

    def _forecast(self, series: list[np.ndarray], indices: np.ndarray, lengths: np.ndarray, h: int,
                  covariates=None):
        inputs, observed = last_windows(series, self.state_.lookback)
        return forecast(self.modules_, self.device_, self.strategy, self.state_.log, inputs, observed,
                        indices, lengths, h, covariates)

    def _intervals(self, values: list[np.ndarray], forecasts: np.ndarray, levels):
        if levels is None:
            return None
        scales = np.array([series_scale(v, self.state_.season) for v in values])
        return interval_columns(forecasts, scales, self.conformal_scores_, levels)

    # ------------------------------------------------------------------ persistence hooks
    def _fitted_modules(self) -> list[torch.nn.Module]:
        return self.modules_

    def _get_state(self) -> dict:
        scores = None if self.conformal_scores_ is None else self.conformal_scores_.tolist()
        return {"global": self.state_.to_dict(), "n_models": len(self.modules_), "history": self.history_,
                "conformal_scores": scores, "covariate_selection": self.covariate_selection_,
                "network_params": {k: getattr(self, k) for k in NETWORK_PARAMS}}

    def _set_state(self, state: dict) -> None:
        self.device_ = resolve_device(self.device)
        self.n_models_, self.history_ = int(state["n_models"]), state["history"]
        scores = state.get("conformal_scores")
        self.conformal_scores_ = None if scores is None else np.asarray(scores, dtype=np.float64)
        self.covariate_selection_ = state.get("covariate_selection")
        self._set_fitted_state(GlobalState.from_dict(state["global"], self.transform == "log"))

    def _fresh_modules(self) -> list[torch.nn.Module]:
        with torch.random.fork_rng(devices=[]):  # loading must not move the caller's random state
            return [self._build(self.state_.lookback, self.state_.horizon, self.state_.covariates)
                    for _ in range(self.n_models_)]

    def _set_modules(self, modules: list[torch.nn.Module]) -> None:
        self.modules_ = [m.to(self.device_).eval() for m in modules]
