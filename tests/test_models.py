"""Every architecture through the same checks: shapes, determinism, gradients, options."""

import pytest
import torch

from lstmkit import InputError
from lstmkit.models import build

# arch -> (extra options, input shape, expected output shape) for n_features=3, n_outputs=4
SPECS = {
    "vanilla": ({}, (7, 11, 3), (7, 4)),
    "vanilla per step": ({"per_step": True}, (7, 11, 3), (7, 11, 4)),
    "vanilla chrono": ({"memory_steps": 100}, (7, 11, 3), (7, 4)),
    "stacked": ({"n_layers": 3, "dropout": 0.2}, (7, 11, 3), (7, 4)),
    "bidirectional": ({}, (7, 11, 3), (7, 4)),
    "bidirectional sum per step": ({"merge": "sum", "per_step": True}, (7, 11, 3), (7, 11, 4)),
    "bidirectional mean": ({"merge": "mean"}, (7, 11, 3), (7, 4)),
    "rnn": ({}, (7, 11, 3), (7, 4)),
    "cnn-lstm": ({}, (7, 11, 3), (7, 4)),
    "cnn-lstm frames": ({"frame_shape": (8, 8)}, (2, 4, 3, 8, 8), (2, 4)),
    "generative": ({}, (7, 11, 3), (7, 11, 4)),  # a Gaussian (2 means, 2 log-stds) per step
    "lstm-fcn": ({"conv_channels": (8, 8, 8)}, (7, 11, 3), (7, 4)),
    # token ids in (vocabulary 3), logits out: greedy decoding of n_steps_out tokens
    "encoder-decoder": ({"n_steps_out": 2}, (7, 11), (7, 2, 4)),
    "encoder-decoder repeat": ({"decoder": "repeat", "n_steps_out": 2}, (7, 11), (7, 2, 4)),
}


def inputs(spec: str) -> torch.Tensor:
    shape = SPECS[spec][1]
    if spec.startswith("encoder-decoder"):
        return torch.randint(0, 3, shape, generator=torch.Generator().manual_seed(0))
    return torch.randn(*shape)


def make(spec: str, seed: int = 0):
    options, _, _ = SPECS[spec]
    torch.manual_seed(seed)
    return build(spec.split()[0], n_features=3, n_outputs=4, hidden_size=5, **options).eval()


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_shapes_and_determinism(spec):
    out_shape = SPECS[spec][2]
    x = inputs(spec)
    a, b, c = make(spec), make(spec), make(spec, seed=1)
    assert a(x).shape == out_shape
    assert torch.equal(a(x), b(x)) and not torch.equal(a(x), c(x))


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_gradients_reach_every_parameter(spec):
    module = make(spec).train()
    module(inputs(spec)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())


def test_bidirectional_sees_the_future_and_vanilla_does_not():
    x = torch.randn(1, 6, 3)
    later = x.clone()
    later[0, -1] += 5.0  # change only the last step
    uni, bi = make("vanilla per step"), make("bidirectional sum per step")
    assert torch.allclose(uni(x)[0, 0], uni(later)[0, 0])
    assert not torch.allclose(bi(x)[0, 0], bi(later)[0, 0])


def test_forget_gates_start_open_and_chrono_init_holds_memory_longer():
    lstm = build("vanilla", n_features=2, n_outputs=1, hidden_size=4).lstm
    bias = lstm.bias_ih_l0 + lstm.bias_hh_l0
    assert torch.all(bias[4:8] == 1.0)
    lstm = build("vanilla", n_features=2, n_outputs=1, hidden_size=4, memory_steps=100).lstm
    bias = lstm.bias_ih_l0 + lstm.bias_hh_l0
    assert torch.allclose(bias[4:8], torch.tensor(4.6052), atol=1e-4)  # forget: log(100)
    assert torch.allclose(bias[:4], torch.tensor(-4.6052), atol=1e-4)  # input: -log(100)


def test_unknown_arch_option_or_value_list_what_is_allowed():
    with pytest.raises(InputError, match="arch must be one of 'bidirectional', .*; received 'gru'"):
        build("gru", n_features=1, n_outputs=1)
    with pytest.raises(InputError, match="has no option 'layers'; its options are"):
        build("stacked", n_features=1, n_outputs=1, layers=2)
    with pytest.raises(InputError, match="merge must be one of concat, sum, mean; received 'max'"):
        build("bidirectional", n_features=1, n_outputs=1, merge="max")
    with pytest.raises(InputError, match="pool must be one of last, max, mean-max; received 'min'"):
        build("bidirectional", n_features=1, n_outputs=1, pool="min")


@pytest.mark.parametrize("arch, options", [("vanilla", {}), ("stacked", {}), ("bidirectional", {}),
                                           ("bidirectional", {"pool": "max"}),
                                           ("bidirectional", {"pool": "mean-max"}), ("lstm-fcn", {})])
def test_padding_never_changes_a_sequence_level_output(arch, options):
    torch.manual_seed(0)
    module = build(arch, n_features=3, n_outputs=4, hidden_size=5, **options).eval()
    short = torch.randn(1, 6, 3)
    padded = torch.cat([short, torch.randn(1, 9, 3)], dim=1)  # garbage after step 6
    batch = torch.cat([padded, torch.randn(1, 15, 3)])
    with torch.no_grad():
        alone = module(short, torch.tensor([6]))
        together = module(batch, torch.tensor([6, 15]))
    assert torch.allclose(alone[0], together[0], atol=1e-5)


def test_options_accept_numpy_values_and_a_linear_mlp():
    import numpy as np

    from lstmkit.models.registry import build

    linear = build("mlp", n_features=1, n_outputs=1, n_steps=4, n_layers=0)
    assert linear(torch.randn(2, 4, 1)).shape == (2, 1)
    net = build("stacked", n_features=1, n_outputs=1, hidden_size=np.int64(8), dropout=np.float32(0.1))
    assert net(torch.randn(2, 5, 1)).shape == (2, 1)
    assert build("lstm-fcn", n_features=1, n_outputs=2, conv_channels=np.array([4, 4, 4]))(
        torch.randn(2, 9, 1)).shape == (2, 2)
    per_step = build("vanilla", n_features=1, n_outputs=1, per_step=np.True_)
    assert per_step(torch.randn(2, 5, 1)).shape[:2] == (2, 5)
