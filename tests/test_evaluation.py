"""lstmkit.evaluation: interval coverage and the refit on a whole series."""

import numpy as np
import pandas as pd
import pytest

from lstmkit import interrupts
from lstmkit.baselines import Naive, SeasonalNaive
from lstmkit.evaluation import interval_coverage, refit


def test_interval_coverage_counts_values_inside_each_band_bounds_included():
    actual = pd.Series([1.0, 2.0, 3.0, 4.0])
    bands = pd.DataFrame({"lo-80": [0.0, 2.5, 3.0, 5.0], "hi-80": [2.0, 3.0, 3.0, 6.0],  # 1 and 3 inside
                          "lo-97.5": [0.0, 0.0, 0.0, 0.0], "hi-97.5": [9.0, 9.0, 9.0, 3.5]})  # 4 outside
    coverage = interval_coverage(actual.to_numpy(), bands, [80.0, 97.5])
    assert coverage == {"coverage_80": 0.5, "coverage_97.5": 0.75}
    assert list(coverage) == ["coverage_80", "coverage_97.5"]
    assert interval_coverage([10.0, -10.0], bands.iloc[:2], [80]) == {"coverage_80": 0.0}


def test_refit_fits_a_new_estimator_of_the_same_parameters_on_the_whole_series():
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                  index=pd.date_range("2000-01-01", periods=7, freq="MS"))
    model = SeasonalNaive(season=3).fit(y.iloc[:4])
    fitted = refit(model, y)
    assert fitted is not model and isinstance(fitted, SeasonalNaive) and fitted.season == 3
    np.testing.assert_array_equal(fitted.predict(4).to_numpy(), [5.0, 6.0, 7.0, 5.0])
    assert list(fitted.predict(1).index) == [pd.Timestamp("2000-08-01")]
    np.testing.assert_array_equal(model.predict(2).to_numpy(), [2.0, 3.0])  # left as it was


class _CutByCtrlC(Naive):
    def fit(self, y):
        interrupts._interrupts += 1  # what train does when Ctrl-C stops it
        return super().fit(y)


def test_refit_cut_by_ctrl_c_raises_keyboard_interrupt(monkeypatch):
    monkeypatch.setattr(interrupts, "_interrupts", interrupts._interrupts)  # restored afterwards
    with pytest.raises(KeyboardInterrupt):
        refit(_CutByCtrlC(), pd.Series([1.0, 2.0, 3.0]))
