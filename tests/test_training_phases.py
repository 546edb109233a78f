"""The training contract: learning-rate phases with best-weight carry-over, a wall-clock
budget, and batch sources (the language model's windows) through the one loop."""

import time

import pytest
import torch

from lstmkit import InputError, SequenceGenerator
from lstmkit.models.registry import build, classes
from lstmkit.tasks.generator_windows import TokenWindows, next_token_loss
from lstmkit.training import Phase, TrainConfig, evaluate_loss, lr_phases, train


def data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, 2, generator=g)
    return x, x.sum(dim=(1, 2))[:, None]


def net():
    torch.manual_seed(0)
    return build("vanilla", n_features=2, n_outputs=1, hidden_size=8)


def test_lr_phases_reads_as_its_two_settings():
    assert lr_phases(None) == (Phase(),)
    assert lr_phases(0.1, 0.75) == (Phase(1.0, 0.75), Phase(0.1, 1.0))


def test_phases_number_epochs_on_record_their_lr_and_share_the_epoch_budget():
    x, y = data()
    config = TrainConfig(epochs=10, batch_size=16, lr=1e-2, patience=100, phases=lr_phases(0.5, 0.3))
    history = train(net(), torch.nn.functional.mse_loss, x, y, config, validation=data(32, 1))
    assert [r["epoch"] for r in history] == list(range(1, 11))
    assert [r["lr"] for r in history] == [1e-2] * 3 + [5e-3] * 7


def test_a_later_phase_that_does_not_improve_gives_back_the_best_weights_of_an_earlier_one():
    x, y = data()
    val = data(32, 1)
    # phase 2 at 1000x the rate wrecks the network: the phase-1 weights must come back
    config = TrainConfig(epochs=6, batch_size=16, lr=1e-2, patience=10, clip=None,
                         phases=(Phase(1.0, 0.5), Phase(1000.0)))
    module = net()
    history = train(module, torch.nn.functional.mse_loss, x, y, config, validation=val)
    first = [r["val_loss"] for r in history if r["lr"] == 1e-2]
    later = [r["val_loss"] for r in history if r["lr"] != 1e-2]
    assert later and min(later) > min(first)
    assert evaluate_loss(module, torch.nn.functional.mse_loss, *val) == pytest.approx(min(first), rel=1e-6)
    # one phase of the same first half alone ends with the same weights
    alone = net()
    half = TrainConfig(epochs=3, batch_size=16, lr=1e-2, patience=10, clip=None)
    train(alone, torch.nn.functional.mse_loss, x, y, half, validation=val)
    for a, b in zip(module.parameters(), alone.parameters()):
        assert torch.equal(a, b)


def test_a_time_budget_stops_training_and_skips_a_phase_that_cannot_fit():
    x, y = data()

    def slow(record):
        time.sleep(0.05)
        return False

    config = TrainConfig(epochs=1000, batch_size=16, lr=1e-2, patience=1000, max_seconds=0.4,
                         phases=lr_phases(0.1, 0.75))
    start = time.perf_counter()
    history = train(net(), torch.nn.functional.mse_loss, x, y, config, validation=data(32, 1), on_epoch=slow)
    assert time.perf_counter() - start < 1.5
    assert 2 <= len(history) < 20


def test_token_windows_give_inputs_and_next_token_targets():
    data_ = torch.arange(100)
    fixed = TokenWindows(data_, n_train=80, context=4, starts=torch.tensor([80, 90]))
    x, y = fixed.batch(slice(0, 2))
    assert x.tolist() == [[80, 81, 82, 83], [90, 91, 92, 93]]
    assert y.tolist() == [[81, 82, 83, 84], [91, 92, 93, 94]]
    drawn = TokenWindows(data_, n_train=80, context=4, n_windows=50)
    assert len(drawn) == 50
    x, y = drawn.draw(torch.Generator()).batch(slice(48, 64))  # the last, short batch
    assert x.shape == (2, 4) and torch.equal(y[:, :-1], x[:, 1:])
    assert int(y.max()) < 80  # training tokens only


def test_next_token_loss_is_the_cross_entropy_of_the_logits():
    logits = torch.randn(2, 3, 5)
    targets = torch.randint(0, 5, (2, 3))
    want = torch.nn.functional.cross_entropy(logits.reshape(6, 5), targets.reshape(6))
    assert torch.allclose(next_token_loss((logits, None), targets), want)


def test_registry_accepts_the_old_name_of_the_real_valued_encoder_decoder():
    assert classes("seq2seq") == classes("seq2seq-regressor")


@pytest.mark.skipif(bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()), reason="this CPU has native bfloat16")
def test_bfloat16_on_a_cpu_without_it_is_a_one_line_error_before_training():
    gen = SequenceGenerator(hidden_size=8, embedding_dim=4, context=8, epochs=1, precision="bfloat16",
                            device="cpu")
    with pytest.raises(InputError, match="^precision 'bfloat16' needs a CPU with native bfloat16"):
        gen.fit(["some text to learn from " * 10])
    assert not hasattr(gen, "module_")
