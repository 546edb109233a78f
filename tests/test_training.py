import math

import pytest
import torch

from lstmkit import TrainingError
from lstmkit.models.registry import build
from lstmkit.training import TrainConfig, train


def data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, 2, generator=g)
    return x, x.sum(dim=(1, 2))[:, None]  # learnable target


def test_flat_adam_matches_torch_adam_step_for_step():
    x, y = data()
    torch.manual_seed(0)
    ours = build("vanilla", n_features=2, n_outputs=1, hidden_size=8)
    reference = build("vanilla", n_features=2, n_outputs=1, hidden_size=8)
    reference.load_state_dict(ours.state_dict())
    config = TrainConfig(epochs=3, batch_size=16, lr=1e-2, weight_decay=1e-3, clip=None,
                         shuffle=False)
    train(ours, torch.nn.functional.mse_loss, x, y, config)
    optimizer = torch.optim.Adam(reference.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(3):
        for i in range(0, 64, 16):
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(reference(x[i : i + 16]), y[i : i + 16]).backward()
            optimizer.step()
    for a, b in zip(ours.parameters(), reference.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_loss_falls_and_history_has_one_record_per_epoch():
    x, y = data()
    torch.manual_seed(0)
    module = build("stacked", n_features=2, n_outputs=1, hidden_size=16, n_layers=2)
    history = train(module, torch.nn.functional.mse_loss, x, y, TrainConfig(epochs=40, lr=1e-2))
    assert [r["epoch"] for r in history] == list(range(1, 41))
    assert history[-1]["loss"] < 0.2 * history[0]["loss"]


def test_early_stopping_restores_the_best_validation_weights():
    x, y = data()
    xv, yv = data(32, seed=1)
    torch.manual_seed(0)
    module = build("vanilla", n_features=2, n_outputs=1, hidden_size=16)
    config = TrainConfig(epochs=300, lr=5e-2, patience=5)
    history = train(module, torch.nn.functional.mse_loss, x, y, config, validation=(xv, yv))
    best = min(r["val_loss"] for r in history)
    assert len(history) < 300
    with torch.no_grad():
        final = torch.nn.functional.mse_loss(module(xv), yv).item()
    assert final == pytest.approx(best, rel=1e-5)


def test_non_finite_loss_stops_with_the_epoch_and_advice():
    x, y = data()
    y[3] = math.inf
    module = build("vanilla", n_features=2, n_outputs=1)
    with pytest.raises(TrainingError, match=r"at epoch 1; lower the learning rate \(lr=0.001\)"):
        train(module, torch.nn.functional.mse_loss, x, y, TrainConfig(epochs=5))


def test_on_epoch_can_stop_training():
    x, y = data()
    module = build("vanilla", n_features=2, n_outputs=1)
    history = train(module, torch.nn.functional.mse_loss, x, y, TrainConfig(epochs=50),
                    on_epoch=lambda record: record["epoch"] == 3)
    assert len(history) == 3


def test_ctrl_c_stops_cleanly_and_keeps_the_best_weights():
    import math

    import torch

    from lstmkit.training import TrainConfig, train

    torch.manual_seed(0)
    module = torch.nn.Linear(3, 1)
    x, y = torch.randn(64, 3), torch.randn(64, 1)
    weights = {}  # epoch -> the weights validated at that epoch

    def interrupt(record):
        weights[record["epoch"]] = {k: v.clone() for k, v in module.state_dict().items()}
        if record["epoch"] == 5:
            raise KeyboardInterrupt

    config = TrainConfig(epochs=50, lr=0.5, patience=100)
    history = train(module, torch.nn.functional.mse_loss, x, y, config, validation=(x, y), on_epoch=interrupt)
    assert len(history) == 4 and history[-1]["interrupted"]
    best_epoch = min(history, key=lambda r: r["val_loss"])["epoch"]
    assert best_epoch < 4 and all(math.isfinite(r["val_loss"]) for r in history)
    for k, v in module.state_dict().items():
        assert torch.equal(v, weights[best_epoch][k])


def ctrl_c_at(call: int):
    """An on_epoch callback that raises KeyboardInterrupt (as Ctrl-C does) at its call-th call."""
    calls = []

    def on_epoch(record):
        calls.append(record)
        if len(calls) == call:
            raise KeyboardInterrupt

    return on_epoch


def test_one_ctrl_c_ends_a_fit_of_several_networks_keeping_those_trained():
    import numpy as np

    from lstmkit import EnsembleForecaster, Forecaster, SequenceClassifier

    rng = np.random.default_rng(0)
    y = 10 + np.sin(np.arange(80) / 3) + rng.normal(0, 0.1, 80)
    fast = dict(epochs=6, hidden_size=4, random_state=0, device="cpu")
    single = Forecaster(n_models=3, **fast).fit(y, on_epoch=ctrl_c_at(3))
    assert len(single.modules_) == 1 and [r["epoch"] for r in single.history_] == [1, 2]
    assert len(single.predict(3)) == 3
    assert len(Forecaster(n_models=3, **fast).fit(y).modules_) == 3  # the next fit is whole again
    late = Forecaster(n_models=3, **fast).fit(y, on_epoch=ctrl_c_at(7))  # network 2, epoch 1
    assert len(late.modules_) == 1  # the network stopped before its first epoch ended is dropped
    panel = [y, y + 5, y * 2]
    many = Forecaster(strategy="direct", horizon=3, n_models=3, **fast).fit(panel, on_epoch=ctrl_c_at(2))
    assert len(many.modules_) == 1 and len(many.predict(3)) == 3
    members = [Forecaster(strategy="direct", horizon=3, **fast | {"random_state": k}) for k in range(3)]
    ensemble = EnsembleForecaster(members).fit(panel, on_epoch=ctrl_c_at(2))
    assert len(ensemble.members_) == 1 and len(ensemble.predict(3)) == 3
    X, labels = rng.normal(size=(30, 8, 1)), np.arange(30) % 2
    clf = SequenceClassifier(n_folds=3, **fast).fit(X, labels, on_epoch=ctrl_c_at(2))
    assert len(clf.modules_) == 1 and clf.predict(X).shape == (30,)


def test_ctrl_c_before_any_network_finished_an_epoch_raises_rather_than_return_an_untrained_model():
    import numpy as np

    from lstmkit import EnsembleForecaster, Forecaster, SequenceClassifier
    from lstmkit.errors import NotFittedError

    rng = np.random.default_rng(0)
    y = 10 + np.sin(np.arange(80) / 3)
    fast = dict(epochs=4, hidden_size=4, random_state=0, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        Forecaster(n_models=3, **fast).fit(y, on_epoch=ctrl_c_at(1))
    members = [Forecaster(strategy="direct", horizon=3, **fast | {"random_state": k}) for k in range(2)]
    with pytest.raises(KeyboardInterrupt):
        EnsembleForecaster(members).fit([y, y + 5, y * 2], on_epoch=ctrl_c_at(1))
    with pytest.raises(KeyboardInterrupt):
        SequenceClassifier(n_folds=3, **fast).fit(rng.normal(size=(30, 8, 1)), np.arange(30) % 2,
                                                 on_epoch=ctrl_c_at(1))
    assert len(Forecaster(n_models=2, **fast).fit(y, on_epoch=ctrl_c_at(2)).history_) == 1  # one epoch: kept
    fitted = Forecaster(**fast).fit(y)
    before = fitted.predict(3).to_numpy()
    with pytest.raises(KeyboardInterrupt):
        fitted.fit(y * 100, on_epoch=ctrl_c_at(1))
    assert np.array_equal(fitted.predict(3).to_numpy(), before)  # the cut refit left the old model whole
    fresh = Forecaster(**fast)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(y, on_epoch=ctrl_c_at(1))
    with pytest.raises(NotFittedError):
        fresh.predict(3)


def test_a_fit_cut_short_by_ctrl_c_skips_its_conformal_calibration(monkeypatch):
    import numpy as np

    import lstmkit.training
    from lstmkit import Forecaster

    y = 10 + np.sin(np.arange(80) / 3)
    calls = []
    real_train = lstmkit.training.train
    monkeypatch.setattr("lstmkit.tasks.forecaster.train",
                        lambda *a, **k: calls.append(1) or real_train(*a, **k))
    f = Forecaster(n_models=2, conformal_windows=2, epochs=4, hidden_size=4, random_state=0,
                   device="cpu").fit(y, on_epoch=ctrl_c_at(2))
    assert f.conformal_scores_ is None and len(calls) == 1  # no second network, no calibration refits
    calls.clear()
    whole = Forecaster(n_models=2, conformal_windows=2, epochs=4, hidden_size=4, random_state=0, device="cpu")
    assert whole.fit(y).conformal_scores_.shape[0] == 2 and len(calls) == 2 + 2 * 2


def test_a_comparison_cut_short_by_ctrl_c_raises_instead_of_scoring_a_half_trained_model():
    import numpy as np

    from lstmkit import Forecaster
    from lstmkit.evaluation import evaluate_forecasters

    y = 10 + np.sin(np.arange(60) / 3)

    class Interrupted(Forecaster):
        def fit(self, y, **kwargs):
            return super().fit(y, on_epoch=ctrl_c_at(1))

    models = {"a": Interrupted(epochs=3, hidden_size=4, random_state=0, device="cpu")}
    with pytest.raises(KeyboardInterrupt):
        evaluate_forecasters(models, y, n_train=48)


def test_networks_of_different_seeds_never_coincide():
    import numpy as np

    from lstmkit import Forecaster
    from lstmkit.seeding import network_seed

    assert network_seed(7, 0) == 7 and len({network_seed(s, k) for s in range(20) for k in range(5)}) == 100
    y = 10 + np.sin(np.arange(60) / 3)
    fast = dict(n_models=2, epochs=2, hidden_size=4, device="cpu")
    a, b = Forecaster(random_state=0, **fast).fit(y), Forecaster(random_state=1, **fast).fit(y)
    second, first = a.modules_[1].state_dict(), b.modules_[0].state_dict()
    assert any(not torch.equal(second[key], first[key]) for key in second)  # seed + k made these equal
