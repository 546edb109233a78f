import math

import numpy as np
import pytest
import torch

from lstmkit import InputError
from lstmkit.data.problems.shapes import is_rectangle, rectangles
from lstmkit.demos.shapes import run_shapes, sample_shapes, teacher_forcing
from lstmkit.models.generative import MIN_LOG_STD, gaussian_nll, sample
from lstmkit.models.registry import build

SQUARE = np.array([[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6], [0.2, 0.2]])


def test_generated_rectangles_are_closed_inside_the_square_and_pass_the_checker():
    shapes = rectangles(200, rng=0)
    assert shapes.shape == (200, 5, 2) and shapes.dtype == np.float32
    assert np.array_equal(shapes[:, 0], shapes[:, 4])
    assert (shapes >= 0).all() and (shapes <= 1).all()
    assert all(is_rectangle(s) for s in shapes)
    assert np.array_equal(rectangles(5, rng=3), rectangles(5, rng=3))


def test_checker_accepts_rotated_and_slightly_noisy_rectangles():
    angle = np.radians(30)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert is_rectangle(SQUARE @ rotation.T)
    noisy = SQUARE + np.random.default_rng(0).normal(0, 0.005, SQUARE.shape)
    assert is_rectangle(noisy)


def test_checker_rejects_open_parallelogram_degenerate_and_non_finite_shapes():
    open_path = SQUARE.copy()
    open_path[4] = [0.2, 0.3]  # 0.1 short of closing
    parallelogram = SQUARE + np.array([[0, 0], [0, 0], [0.15, 0], [0.15, 0], [0, 0]])  # sheared 20 deg
    thin = np.array([[0.2, 0.2], [0.6, 0.2], [0.6, 0.25], [0.2, 0.25], [0.2, 0.2]])  # 0.05 high
    nan = SQUARE.copy()
    nan[2] = np.nan
    for shape in (open_path, parallelogram, thin, nan):
        assert not is_rectangle(shape)
    assert is_rectangle(parallelogram, tolerance=25.0)  # the angle tolerance is what rejected it
    assert is_rectangle(thin, min_side=0.04)


def test_network_shapes_and_step_by_step_matches_the_whole_sequence():
    x = torch.randn(7, 5, 3)
    torch.manual_seed(0)
    a = build("generative", n_features=3, n_outputs=4, hidden_size=8, n_layers=2).eval()
    torch.manual_seed(0)
    b = build("generative", n_features=3, n_outputs=4, hidden_size=8, n_layers=2).eval()
    out = a(x)
    assert out.shape == (7, 5, 4) and torch.equal(out, b(x))
    assert (out[..., 2:] >= MIN_LOG_STD).all()
    state, steps = None, []
    for t in range(5):
        step_out, state = a.step(x[:, t], state)
        steps.append(step_out)
    assert torch.allclose(torch.stack(steps, dim=1), out, atol=1e-6)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in a.parameters())


def test_nll_and_sampling_follow_the_gaussian():
    output = torch.tensor([[0.5, -1.0, math.log(0.1), math.log(0.2)]]).expand(20000, 4)
    torch.manual_seed(0)
    draws = sample(output)
    assert torch.allclose(draws.mean(0), torch.tensor([0.5, -1.0]), atol=0.01)
    assert torch.allclose(draws.std(0), torch.tensor([0.1, 0.2]), atol=0.01)
    assert torch.equal(sample(output, temperature=0), output[:, :2])
    expected = (np.log(0.1) + np.log(0.2)) / 2 + 0.5 * np.log(2 * np.pi)  # targets at the means
    assert gaussian_nll(output[:1], output[:1, :2]).item() == pytest.approx(expected, abs=1e-5)


def test_teacher_forcing_starts_with_the_start_token_and_shifts_points_by_one():
    shapes = rectangles(4, rng=0)
    x, y = teacher_forcing(shapes)
    assert x.shape == (4, 5, 3) and y.shape == (4, 5, 2)
    assert torch.equal(x[:, 0], torch.tensor([[0.0, 0.0, 1.0]]).expand(4, 3))
    assert torch.equal(x[:, 1:, :2], y[:, :-1]) and (x[:, 1:, 2] == 0).all()
    torch.manual_seed(0)
    module = build("generative", n_features=3, n_outputs=4, hidden_size=8)
    assert sample_shapes(module, 6).shape == (6, 5, 2)


def test_demo_draws_rectangles_far_above_the_baselines_and_keeps_them_diverse(tmp_path):
    result = run_shapes(seed=0, plot=str(tmp_path / "shapes.png"))
    lstm, metrics = result["metrics"]["lstm"], result["metrics"]
    assert result["task"] == "shapes" and result["config"]["angle_tolerance_degrees"] == 10.0
    assert lstm["valid_fraction"] >= 0.9
    assert metrics["untrained lstm"]["valid_fraction"] <= 0.05
    assert metrics["independent points"]["valid_fraction"] <= 0.05
    assert lstm["test_nll"] < metrics["untrained lstm"]["test_nll"] - 2
    real = metrics["real rectangles"]
    assert lstm["width_std"] > 0.5 * real["width_std"] and lstm["height_std"] > 0.5 * real["height_std"]
    assert lstm["distinct_fraction"] == 1.0
    assert (tmp_path / "shapes.png").stat().st_size > 10_000


def test_demo_is_repeatable_with_a_fixed_seed():
    a = run_shapes(epochs=2, n_train=200, n_samples=20, seed=3)
    b = run_shapes(epochs=2, n_train=200, n_samples=20, seed=3)
    assert a["metrics"] == b["metrics"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: run_shapes(epochs=0), r"^epochs must be an integer >= 1; received 0$"),
        (lambda: run_shapes(n_samples=2.5), r"^n_samples must be an integer >= 1; received 2.5$"),
        (lambda: run_shapes(lr=-1), r"^lr must be a number > 0; received -1$"),
        (lambda: run_shapes(temperature=-0.5), r"^temperature must be a number >= 0; received -0.5$"),
        (lambda: rectangles(0), r"^n must be an integer >= 1; received 0$"),
        (lambda: rectangles(3, min_size=0.5, max_size=0.2),
         r"^min_size and max_size must satisfy 0 < min_size <= max_size <= 1; received min_size=0.5"),
        (lambda: is_rectangle(np.zeros((4, 2))),
         r"^points must have shape \(5, 2\); received shape \(4, 2\)$"),
        (lambda: build("generative", n_features=3, n_outputs=3),
         r"^n_outputs must be an even number >= 2 .*; received 3$"),
    ],
)
def test_bad_arguments_raise_one_line_input_errors(call, message):
    with pytest.raises(InputError, match=message) as caught:
        call()
    assert "\n" not in str(caught.value)
