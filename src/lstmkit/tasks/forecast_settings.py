"""The settings ``Forecaster`` (one series) and ``GlobalForecaster`` (many series) share.

One ``__init__`` and one table of parameter limits, so that a ``Forecaster`` given many
series hands its exact settings to a ``GlobalForecaster`` (``get_params()`` of one is a
valid ``__init__`` of the other).
"""

from __future__ import annotations

from sklearn.base import BaseEstimator

from lstmkit.archs import FORECAST_ARCHS
from lstmkit.errors import InputError
from lstmkit.tasks._base import FLAG, WEIGHT_DECAY, Arch, Choice, Device, Int, Real, check_params

ARCHS = FORECAST_ARCHS
STRATEGIES = ("recursive", "direct", "seq2seq")
LOSSES = ("mse", "mae", "smape")
TRANSFORMS = ("none", "log", "auto")  # auto: log when every (training) value is positive, else none
DIFFERENCES = ("auto", "seasonal", "first", "none")
LR_SCHEDULES = ("constant", "cosine")
MAX_HORIZON = 100_000  # steps one predict call may forecast
# what shapes a global model's networks and inputs: saved with it, so that a Forecaster answering
# through a pretrained checkpoint (other settings than its own) loads that network back
NETWORK_PARAMS = ("arch", "strategy", "hidden_size", "arch_options", "transform", "difference", "loss",
                  "horizon", "lookback", "season", "recent_windows")


def check_alias(alias) -> None:
    """``alias`` names forecast columns (``alias``, ``alias-lo-80``): a short, non-blank string."""
    if not isinstance(alias, str) or not alias.strip() or len(alias) > 100 or "\n" in alias:
        raise InputError(f"alias must be a non-empty name of at most 100 characters for the forecast column, "
                         f"e.g. 'lstmkit'; received {alias!r}")


class ForecastSettings(BaseEstimator):
    """Parameters (see ``Forecaster`` and ``GlobalForecaster`` for what each does there):

    arch, strategy, horizon, loss, recent_windows, lookback, hidden_size, arch_options,
    transform, difference, season, epochs, batch_size, lr, lr_schedule, weight_decay,
    patience, val_size, n_models, conformal_windows, conformal_horizon, random_state,
    device, n_threads, verbose, select_covariates, pretrained (one series only), alias (the
    name of the forecast column of long frames, Nixtla's ``alias``: ``lstmkit``, ``lstmkit-lo-80``).
    """

    _parameter_constraints = {
        "arch": Arch(ARCHS, "forecasting"), "transform": Choice(TRANSFORMS),
        "difference": Choice(DIFFERENCES), "strategy": Choice(STRATEGIES), "loss": Choice(LOSSES),
        "lr_schedule": Choice(LR_SCHEDULES), "horizon": Int(none=True), "recent_windows": Int(none=True),
        "lookback": Int(none=True), "season": Int(none=True), "hidden_size": Int(), "epochs": Int(),
        "batch_size": Int(), "patience": Int(), "n_models": Int(), "conformal_windows": Int(minimum=0),
        "conformal_horizon": Int(none=True), "lr": Real(), "weight_decay": WEIGHT_DECAY,
        "n_threads": Int(none=True), "device": Device(), "verbose": FLAG,
        "select_covariates": FLAG,
        "pretrained": Choice((False, True, "yearly", "quarterly", "monthly", "other", "ensemble")),
    }
    _takes_pretrained = True  # (GlobalForecaster: False; checkpoints forecast one series)

    def __init__(
        self,
        arch: str = "vanilla",
        strategy: str = "recursive",
        horizon: int | None = None,
        loss: str = "mse",
        recent_windows: int | None = None,
        lookback: int | None = None,
        hidden_size: int = 32,
        arch_options: dict | None = None,
        transform: str = "none",
        difference: str = "auto",
        season: int | None = None,
        epochs: int = 300,
        batch_size: int = 16,
        lr: float = 3e-3,
        lr_schedule: str = "constant",
        weight_decay: float = 0.0,
        patience: int = 40,
        val_size: int | None = None,
        n_models: int = 1,
        conformal_windows: int = 0,
        conformal_horizon: int | None = None,
        random_state: int | None = None,
        device: str = "auto",
        n_threads: int | None = None,
        verbose: bool = False,
        select_covariates: bool = True,
        pretrained: bool | str = False,
        alias: str = "lstmkit",
    ):
        self.arch = arch
        self.strategy = strategy
        self.horizon = horizon
        self.loss = loss
        self.recent_windows = recent_windows
        self.lookback = lookback
        self.hidden_size = hidden_size
        self.arch_options = arch_options
        self.transform = transform
        self.difference = difference
        self.season = season
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_size = val_size
        self.n_models = n_models
        self.conformal_windows = conformal_windows
        self.conformal_horizon = conformal_horizon
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose
        self.select_covariates = select_covariates
        self.pretrained = pretrained
        self.alias = alias

    def _check_params(self) -> None:
        """Every parameter, then a trial build of the network (an unknown arch option fails
        here, before any training)."""
        check_params(self)
        check_alias(self.alias)
        if self.pretrained and not self._takes_pretrained:
            raise InputError("pretrained checkpoints forecast one series: Forecaster(pretrained=True).fit(y)")
        self._trial_build()
