"""Models saved by lstmkit before the estimator redesign still load and predict identically.

The fixtures in ``tests/fixtures/models`` were written by ``tests/fixtures/make_fixtures.py``
on main at commit 2f0ddca (one small model per estimator), with their predictions. On the
machine that wrote them they match bit for bit; another CPU (no AVX-512, say) runs other
float32 kernels, so the predictions are compared to float32 rounding (relative 1e-6).
"""

import json
from pathlib import Path

import numpy as np
import pytest
from fixtures.make_fixtures import inputs, predictions

import lstmkit

ROOT = Path(__file__).parent / "fixtures" / "models"
EXPECTED = json.loads((ROOT / "expected.json").read_text())
KINDS = {"forecaster": "Forecaster", "forecaster_intervals": "Forecaster", "global_forecaster": "Forecaster",
         "classifier": "SequenceClassifier", "text_classifier": "TextClassifier", "seq2seq": "Seq2Seq",
         "generator": "SequenceGenerator", "anomaly": "AnomalyDetector"}


@pytest.fixture(scope="module")
def data():
    return inputs()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_model_saved_before_the_redesign_predicts_identically(name, data, tmp_path):
    model = lstmkit.load(ROOT / name)
    assert type(model).__name__ == KINDS[name]
    got = predictions(name, model, data)
    assert got.keys() == EXPECTED[name].keys()
    for key, want in EXPECTED[name].items():
        if isinstance(want, (float, list)) and not isinstance(want[0] if isinstance(want, list) else 0, str):
            np.testing.assert_allclose(np.asarray(got[key]), np.asarray(want), rtol=1e-6, atol=1e-7,
                                       err_msg=f"{name} {key}")
        else:
            assert got[key] == want, (name, key)
    again = lstmkit.load(model.save(tmp_path / "again"))  # and it saves again in today's format
    assert predictions(name, again, data) == got
