"""Every architecture through the same checks."""

import pytest
import torch

from lstmkit import InputError
from lstmkit.models import build

OPTIONS = {"vanilla": {}, "stacked": {"n_layers": 3, "dropout": 0.2}}


@pytest.mark.parametrize("arch", sorted(OPTIONS))
def test_shapes_and_determinism(arch):
    x = torch.randn(7, 11, 3)
    torch.manual_seed(0)
    a = build(arch, n_features=3, n_outputs=4, hidden_size=5, **OPTIONS[arch]).eval()
    torch.manual_seed(0)
    b = build(arch, n_features=3, n_outputs=4, hidden_size=5, **OPTIONS[arch]).eval()
    assert a(x).shape == (7, 4)
    assert torch.equal(a(x), b(x))


@pytest.mark.parametrize("arch", sorted(OPTIONS))
def test_gradients_reach_every_parameter(arch):
    module = build(arch, n_features=2, n_outputs=1, hidden_size=4, **OPTIONS[arch])
    module(torch.randn(3, 6, 2)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())


def test_unknown_arch_and_option_list_what_is_allowed():
    with pytest.raises(InputError, match="arch must be one of 'bidirectional', .*; received 'gru'"):
        build("gru", n_features=1, n_outputs=1)
    with pytest.raises(InputError, match="has no option 'layers'; its options are"):
        build("stacked", n_features=1, n_outputs=1, layers=2)
