"""The CNN-LSTM network, the moving-line videos and their demo."""

import numpy as np
import pytest
import torch

from lstmkit import InputError
from lstmkit.data.problems.moving_line import moving_line
from lstmkit.demos.moving_line import run_moving_line
from lstmkit.models import build

TINY = {"n_frames": 6, "size": 16, "n_train": 300, "n_test": 300, "epochs": 10}


def line_columns(X: np.ndarray) -> np.ndarray:
    """(n, n_frames) column of the line in every frame."""
    return X[:, :, 0, 0, :].argmax(-1)


def test_videos_show_one_full_height_line_moving_in_the_labelled_direction():
    X, y = moving_line(200, n_frames=7, size=20, rng=0)
    assert X.shape == (200, 7, 1, 20, 20) and X.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(X)) == {0.0, 1.0}
    assert (X == X[:, :, :, :1, :]).all()  # every row equals the top row: vertical lines
    assert (X.sum(axis=(2, 3, 4)) == 20).all()  # one full-height line per frame
    steps = np.diff(line_columns(X), axis=1)
    assert ((steps > 0).all(1) == (y == 0)).all() and ((steps < 0).all(1) == (y == 1)).all()
    assert (steps == steps[:, :1]).all()  # constant speed
    assert 0.35 < y.mean() < 0.65 and len(np.unique(np.abs(steps[:, 0]))) == 3  # speeds 1..3


def test_videos_are_reproducible_with_a_seed_and_fresh_without():
    a, b = moving_line(20, rng=5), moving_line(20, rng=5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(moving_line(20, rng=6)[0], a[0])


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, r"n must be an integer >= 1; received 0"),
    ({"n": 5, "n_frames": 1}, r"n_frames must be an integer >= 2; received 1"),
    ({"n": 5, "n_frames": 10, "size": 8}, r"size must be >= n_frames \(10\) .*; received 8"),
])
def test_bad_generator_arguments_raise_one_line(kwargs, message):
    with pytest.raises(InputError, match=message):
        moving_line(**kwargs)


def test_series_input_gives_one_output_row_per_sequence():
    torch.manual_seed(0)
    net = build("cnn-lstm", n_features=3, n_outputs=4, hidden_size=5).eval()
    assert net(torch.randn(7, 11, 3)).shape == (7, 4)
    assert net(torch.randn(2, 1, 3)).shape == (2, 4)  # one step: "same" padding keeps it


@pytest.mark.parametrize("frame_shape, kernel_size", [((16, 12), 3), ((9, 17), 4), ((1, 1), 3)])
def test_frame_input_gives_one_output_row_per_video(frame_shape, kernel_size):
    net = build("cnn-lstm", n_features=2, n_outputs=3, hidden_size=4, frame_shape=frame_shape,
                kernel_size=kernel_size, conv_channels=5)
    x = torch.randn(4, 6, 2, *frame_shape)
    out = net(x)
    assert out.shape == (4, 3)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


def test_frames_are_encoded_independently_of_each_other():
    net = build("cnn-lstm", n_features=1, n_outputs=2, frame_shape=(8, 8)).eval()
    x = torch.randn(3, 5, 1, 8, 8)
    together = net.encoder(x)  # (3, 5, features)
    alone = net.encoder(x[:, 2:3])  # (3, 1, features)
    assert torch.allclose(together[:, 2:3], alone, atol=1e-6)


def test_same_seed_same_network():
    x = torch.randn(2, 4, 1, 10, 10)
    nets = []
    for _ in range(2):
        torch.manual_seed(3)
        nets.append(build("cnn-lstm", n_features=1, n_outputs=2, frame_shape=(10, 10)).eval())
    assert torch.equal(nets[0](x), nets[1](x))


def test_wrong_input_shape_and_bad_config_raise_one_line():
    frames = build("cnn-lstm", n_features=1, n_outputs=2, frame_shape=(8, 8))
    with pytest.raises(InputError, match=r"input must be \(batch, time, channels, height, width\) = "
                                         r"\(batch, time, 1, 8, 8\); received shape \(2, 3, 1, 8, 9\)"):
        frames(torch.randn(2, 3, 1, 8, 9))
    series = build("cnn-lstm", n_features=3, n_outputs=2)
    with pytest.raises(InputError, match=r"= \(batch, time, 3\); received shape \(2, 3, 1, 8, 8\)"):
        series(torch.randn(2, 3, 1, 8, 8))
    with pytest.raises(InputError, match=r"frame_shape must be \(height, width\), .*received \(8, 0\)"):
        build("cnn-lstm", n_features=1, n_outputs=2, frame_shape=(8, 0))
    with pytest.raises(InputError, match=r"conv_channels must be an integer >= 1; received 0"):
        build("cnn-lstm", n_features=1, n_outputs=2, conv_channels=0)


def test_demo_tells_the_directions_apart_on_fresh_videos(tmp_path):
    result = run_moving_line(seed=0, plot=str(tmp_path / "video.png"), **TINY)
    model, baseline = result["metrics"]["cnn-lstm"], result["metrics"]["majority class"]
    assert model["accuracy"] >= 0.95 and baseline["accuracy"] <= 0.6
    assert result["task"] == "moving-line" and result["timings"]["train"] > 0
    assert (tmp_path / "video.png").stat().st_size > 1000
    assert result["files"]["plot"] == str(tmp_path / "video.png")


def test_demo_is_repeatable_with_a_seed():
    a, b = (run_moving_line(seed=1, **{**TINY, "epochs": 2}) for _ in range(2))
    assert a["metrics"] == b["metrics"]


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden_size": 0}, r"hidden_size must be an integer >= 1; received 0"),
    ({"epochs": 1.5}, r"epochs must be an integer >= 1; received 1.5"),
    ({"n_frames": 12, "size": 10}, r"size must be >= n_frames \(12\)"),
    ({"lr": 0}, r"lr must be a number > 0; received 0"),
])
def test_bad_demo_arguments_raise_before_training(kwargs, message):
    with pytest.raises(InputError, match=message):
        run_moving_line(**kwargs)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_cuda():
    net = build("cnn-lstm", n_features=1, n_outputs=2, frame_shape=(16, 16)).cuda()
    series = build("cnn-lstm", n_features=2, n_outputs=1).cuda()
    assert net(torch.randn(3, 4, 1, 16, 16, device="cuda")).device.type == "cuda"
    assert series(torch.randn(3, 4, 2, device="cuda")).shape == (3, 1)
