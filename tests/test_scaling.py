import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmkit import Forecaster, InputError, datasets
from lstmkit.data.scaling import DiffScaler
from lstmkit.demos.airline import TutorialForecaster

finite = st.floats(0.1, 1e4, allow_nan=False, allow_infinity=False)


@given(values=arrays(np.float64, st.integers(30, 60), elements=finite),
       lag=st.sampled_from([0, 1, 12]), log=st.booleans())
def test_encode_then_decode_recovers_every_value(values, lag, log):
    scaler = DiffScaler(log=log, lag=lag).fit(values)
    d = scaler.encode(values)
    z = scaler.transform(values)
    # decoding difference t from the z history before t gives back z[t]
    for t in (max(lag, 1), len(values) - 1):
        rebuilt = scaler.decode(z[None, :t], d[None, t - lag : t - lag + 1])
        assert np.allclose(rebuilt, z[t], rtol=1e-9, atol=1e-9)
    assert np.allclose(scaler.inverse_transform(z), values)


def test_scale_comes_from_the_training_values_only():
    y = datasets.load_airpassengers()
    model = Forecaster(epochs=2, random_state=0).fit(y[:96])
    alone = DiffScaler(lag=12).fit(y[:96].to_numpy())
    leaky = DiffScaler(lag=12).fit(y.to_numpy())
    assert model.scaler_.scale_ == alone.scale_ != leaky.scale_


def test_tutorial_minmax_scaler_is_fit_on_training_part_only():
    y = datasets.load_airpassengers()
    model = TutorialForecaster(epochs=1, random_state=0).fit(y[:96])
    assert model.scaler_.data_max_[0] == y[:96].max() < y.max()


def test_log_needs_positive_values_and_constant_series_do_not_divide_by_zero():
    with pytest.raises(InputError, match="transform='log' needs positive values"):
        DiffScaler(log=True).fit(np.array([1.0, 0.0, 2.0, 3.0]))
    scaler = DiffScaler(lag=1).fit(np.full(10, 5.0))
    assert scaler.scale_ == 5.0 and np.isfinite(scaler.encode(np.full(10, 5.0))).all()
