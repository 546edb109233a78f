"""SequenceClassifier's and TextClassifier's inputs in scikit-learn's forms: 2-D tables, pandas,
lists of lists, aeon's (n, channels, time) layout, column-vector y, class and sample weights,
and the one-line errors for what a classifier cannot take."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.exceptions import DataConversionWarning

import lstmkit
from lstmkit import InputError, SequenceClassifier, TextClassifier

TINY = dict(arch="vanilla", hidden_size=8, epochs=2, n_folds=1, random_state=0)
RNG = np.random.default_rng(0)
X2 = RNG.normal(size=(24, 6))  # 24 univariate sequences of 6 steps, as scikit-learn's 2-D X
Y2 = np.array(["a", "b"] * 12)
TEXTS, TEXT_Y = ["good day", "bad day", "so good", "so bad"] * 3, ["p", "n", "p", "n"] * 3
TEXT_TINY = dict(hidden_size=4, embedding_dim=4, min_count=1, epochs=2, random_state=0)


def test_2d_x_is_univariate_sequences_and_sets_n_features_in():
    flat = SequenceClassifier(**TINY).fit(X2, Y2)
    three_d = SequenceClassifier(**TINY).fit(X2[:, :, None], Y2)
    assert np.array_equal(flat.predict_proba(X2), three_d.predict_proba(X2[:, :, None]))
    assert flat.n_features_in_ == 6 and flat.n_channels_ == 1 and three_d.n_features_in_ == 1
    for other in (pd.DataFrame(X2), X2.tolist(), [row for row in X2]):  # array-likes, lists of sequences
        assert np.array_equal(flat.predict_proba(other), flat.predict_proba(X2))
    with pytest.raises(InputError, match="X has 4 features, but SequenceClassifier is expecting 6 features"):
        flat.predict(X2[:, :4])  # a 2-D table keeps its width ...
    assert flat.predict(X2[:, :4, None]).shape == (24,)  # ... sequences of other lengths come 3-D or listed
    assert three_d.predict(X2[:, :4]).shape == (24,)  # (fitted on sequences: any length)
    assert SequenceClassifier(**TINY).fit(pd.DataFrame(X2), pd.Series(Y2)).n_features_in_ == 6


def test_aeon_layout_without_channels_first_is_refused_naming_it():
    from aeon.datasets import load_gunpoint

    X, y = load_gunpoint(split="train")  # (50, 1, 150): aeon's (n, channels, time)
    assert X.shape == (50, 1, 150)
    with pytest.raises(InputError, match=r"50 sequences of 1 step with 150 channels; if it is "
                                         r"\(n, channels, time\), the layout aeon loads, pass "
                                         r"channels_first=True") as info:
        SequenceClassifier(**TINY).fit(X, y)
    assert "\n" not in str(info.value)
    clf = SequenceClassifier(**TINY, channels_first=True).fit(X, y)
    assert clf.n_channels_ == 1 and clf.predict(X).shape == (50,)
    last = X.transpose(0, 2, 1)  # the same sequences, channels last: the same network
    assert np.array_equal(clf.predict_proba(X), SequenceClassifier(**TINY).fit(last, y).predict_proba(last))
    with pytest.raises(InputError, match="pass channels_first=False"):  # the other way round
        SequenceClassifier(**TINY, channels_first=True).fit(X.transpose(0, 2, 1), y)
    with pytest.raises(InputError, match="3 steps with 40 channels; if it is .* pass channels_first=True"):
        SequenceClassifier(**TINY).fit(RNG.normal(size=(8, 3, 40)), Y2[:8])  # short and far wider
    from aeon.datasets import load_basic_motions

    motions, labels = load_basic_motions(split="train")  # (40, 6, 100): 6 channels, 100 steps
    with pytest.raises(InputError, match="40 sequences of 6 steps with 100 channels"):
        SequenceClassifier(**TINY).fit(motions, labels)
    assert SequenceClassifier(**TINY, channels_first=True).fit(motions, labels).n_channels_ == 6
    with pytest.warns(UserWarning, match="12 steps with 20 channels; if that is the wrong way round"):
        SequenceClassifier(**TINY).fit(RNG.normal(size=(8, 12, 20)), Y2[:8])  # wider than long: told
    flat = X[:, 0, :]  # 2-D (n, time) is univariate whatever channels_first says
    assert SequenceClassifier(**TINY, channels_first=True).fit(flat, y).n_channels_ == 1


@pytest.mark.parametrize("X, message", [
    (sparse.csr_matrix(X2), r"X is a sparse csr_matrix; sparse input is not supported: pass a dense array"),
    (X2 + 1j, r"X holds complex numbers \(Complex data not supported\)"),
    ([np.ones(3) * 1j, np.ones(3)], r"X\[0\] holds complex numbers"),
    (np.zeros((24, 0)), r"X has 0 feature\(s\) \(shape=\(24, 0\)\) while a minimum of 1 is required"),
    (np.zeros(24), r"shape \(24,\) \(Reshape your data: X.reshape\(1, -1\) if it is one sequence\)"),
    (np.array([[{"a": 1}] * 3] * 24, dtype=object), r"X\[0\] must hold numbers only \(float\(\) argument"),
    ({"a": 1}, "X must be a 3-D or 2-D array or a list of 2-D arrays; received dict"),
])
def test_bad_x_gets_one_line_error(X, message):
    with pytest.raises(InputError, match=message) as info:
        SequenceClassifier(**TINY).fit(X, Y2)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("y, weights, message", [
    (RNG.normal(size=24), None, r"y holds continuous values \(e.g. .*\); a classifier needs class labels"),
    (None, None, "requires y to be passed, but the target y is None"),
    (Y2, np.zeros(24), "sample_weight are all zero"),
    (Y2, -np.ones(24), r"sample_weight must hold finite numbers >= 0; received -1.0"),
    (Y2, np.ones(12), r"sample_weight must be 1-D with one weight per sequence \(24\); received shape \(12,"),
    (Y2, np.ones((24, 2)), r"received shape \(24, 2\)"),
    (Y2, ["x"] * 24, "sample_weight must hold numbers"),
    (Y2, (Y2 == "a").astype(float), r"sample_weight leaves only one class with weight > 0 \('a'\)"),
])
def test_bad_y_or_sample_weight_gets_one_line_error(y, weights, message):
    for clf, X in ((SequenceClassifier(**TINY), X2), (TextClassifier(**TEXT_TINY), TEXTS * 2)):
        with pytest.raises(InputError, match=message) as info:
            clf.fit(X, y, sample_weight=weights)
        assert "\n" not in str(info.value)


def test_column_y_is_raveled_with_sklearns_warning():
    flat = SequenceClassifier(**TINY).fit(X2, Y2)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = SequenceClassifier(**TINY).fit(X2, Y2[:, None])
    assert np.array_equal(column.predict_proba(X2), flat.predict_proba(X2))
    with pytest.warns(DataConversionWarning):
        TextClassifier(**TEXT_TINY).fit(TEXTS, [[label] for label in TEXT_Y])


def test_class_weight_dict_and_sample_weight_change_training():
    X, y = RNG.normal(size=(40, 5)), np.array([0, 1] * 20)
    settings = {**TINY, "epochs": 20, "lr": 1e-2}
    plain = SequenceClassifier(**settings).fit(X, y).predict_proba(X)
    heavy = SequenceClassifier(**settings, class_weight={0: 1000, 1: 1e-4}).fit(X, y).predict_proba(X)
    assert (heavy[:, 0] > 0.9).all() and not (plain[:, 0] > 0.9).all()  # class 0 outweighs everything
    weights = np.where(y == 1, 1000.0, 1e-4)
    by_sample = SequenceClassifier(**settings).fit(X, y, sample_weight=weights).predict_proba(X)
    assert (by_sample[:, 1] > 0.9).all()
    ones = SequenceClassifier(**settings).fit(X, y, sample_weight=np.full(40, 3.0)).predict_proba(X)
    assert np.array_equal(ones, plain)  # equal weights are no weights
    assert np.array_equal(SequenceClassifier(**settings, class_weight={0: 1.0, 1: 1.0}).fit(X, y)
                          .predict_proba(X), plain)
    balanced = SequenceClassifier(**settings, class_weight="balanced").fit(X, y).predict_proba(X)
    assert np.allclose(balanced, plain, atol=1e-6)  # balanced classes: weight 1 each
    with pytest.raises(InputError, match=r"class_weight names 2, which is not a class of y \(0, 1\)"):
        SequenceClassifier(**TINY, class_weight={2: 1.0}).fit(X, y)
    with pytest.raises(InputError, match=r"class_weight\[0\] must be a finite number >= 0; received -1"):
        SequenceClassifier(**TINY, class_weight={0: -1}).fit(X, y)
    with pytest.raises(InputError, match="class_weight must be one of None, 'balanced' or a dict"):
        SequenceClassifier(**TINY, class_weight="auto").fit(X, y)


def test_text_classifier_takes_class_and_sample_weights():
    weights = np.where(np.array(TEXT_Y) == "p", 1000.0, 1e-4)
    clf = TextClassifier(**{**TEXT_TINY, "epochs": 10, "lr": 1e-2}, early_stopping=False,
                         class_weight={"n": 1e-4})
    assert (clf.fit(TEXTS, TEXT_Y, sample_weight=weights).predict(TEXTS) == "p").all()
    with pytest.raises(InputError, match="X is a sparse csr_matrix; sparse input is not supported"):
        TextClassifier(**TEXT_TINY).fit(sparse.csr_matrix(np.ones((12, 2))), TEXT_Y)
    from_pandas = TextClassifier(**TEXT_TINY).fit(pd.Series(TEXTS), pd.Series(TEXT_Y))
    assert from_pandas.predict(pd.Series(["good", "bad"])).shape == (2,)
    assert not hasattr(clf, "n_features_in_")


def test_saved_class_weight_dict_and_width_come_back(tmp_path):
    clf = SequenceClassifier(**TINY, class_weight={"a": 2.0, "b": 0.5}).fit(X2, Y2)
    loaded = lstmkit.load(clf.save(tmp_path / "m"))
    assert loaded.class_weight == {"a": 2.0, "b": 0.5} and loaded.n_features_in_ == 6
    assert np.array_equal(loaded.predict_proba(X2), clf.predict_proba(X2))
    with pytest.raises(InputError, match="expecting 6 features"):
        loaded.predict(X2[:, :3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loaded.fit(X2, Y2).n_columns_ == 6  # the reloaded dict refits as it was


def test_lstm_fcn_refuses_one_step_sequences_naming_arch():
    with pytest.raises(InputError, match="only 1-step sequences .* arch 'lstm-fcn' needs >= 2 steps"):
        SequenceClassifier(epochs=1, n_folds=1).fit(X2[:, :1], Y2)
    assert SequenceClassifier(**TINY).fit(X2[:, :1], Y2).predict(X2[:, :1]).shape == (24,)
