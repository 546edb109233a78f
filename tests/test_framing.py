import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstmkit import InputError
from lstmkit.data.framing import sliding_windows, split_train_test


def test_windows_contents_and_count():
    x, y = sliding_windows(np.arange(10), lookback=3, horizon=2)
    assert x.shape == (6, 3) and y.shape == (6, 2)
    assert x[0].tolist() == [0, 1, 2] and y[0].tolist() == [3, 4]
    assert x[-1].tolist() == [5, 6, 7] and y[-1].tolist() == [8, 9]


def test_windows_are_views_not_copies():
    values = np.arange(1000.0)
    x, y = sliding_windows(values, lookback=50, horizon=5)
    assert np.shares_memory(x, values) and np.shares_memory(y, values)
    assert x.base is not None and not x.flags.writeable


def test_multivariate_windows_are_batch_time_feature():
    values = np.arange(20).reshape(10, 2)
    x, y = sliding_windows(values, lookback=4, horizon=1)
    assert x.shape == (6, 4, 2) and y.shape == (6, 1, 2)
    assert x[1].tolist() == values[1:5].tolist() and y[1].tolist() == values[5:6].tolist()


@given(n=st.integers(2, 200), lookback=st.integers(1, 50), horizon=st.integers(1, 20))
def test_every_window_matches_slicing(n, lookback, horizon):
    values = np.arange(n) * 1.5
    if n < lookback + horizon:
        with pytest.raises(InputError, match="too short"):
            sliding_windows(values, lookback, horizon)
        return
    x, y = sliding_windows(values, lookback, horizon)
    assert len(x) == n - lookback - horizon + 1
    for i in (0, len(x) // 2, len(x) - 1):
        assert np.array_equal(x[i], values[i : i + lookback])
        assert np.array_equal(y[i], values[i + lookback : i + lookback + horizon])


@pytest.mark.parametrize("lookback, horizon", [(0, 1), (3, 0), (-1, 1)])
def test_invalid_sizes_raise(lookback, horizon):
    with pytest.raises(InputError, match="must be an integer >= 1"):
        sliding_windows(np.arange(10), lookback, horizon)


def test_split_train_test_counts_and_fractions():
    assert split_train_test(144, 48) == 96
    assert split_train_test(144, 1 / 3) == 96
    with pytest.raises(InputError, match="test_size"):
        split_train_test(10, 10)
    with pytest.raises(InputError, match="fraction"):
        split_train_test(10, 1.5)
