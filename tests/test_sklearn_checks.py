"""scikit-learn's own estimator checks (``parametrize_with_checks``) on the classifiers, with
tiny networks. Checks that cannot apply to sequence models are listed with their reasons in
``expected_failed_checks`` (scikit-learn runs them and reports them as expected failures).

SequenceClassifier takes scikit-learn's 2-D X as univariate sequences (n, time, 1). A
TextClassifier takes texts; its tags say so (``string``, no 2-D array), and scikit-learn then
runs none of its numeric checks. ``NumbersAsWords`` below, a TextClassifier that reads each
numeric row as a text of words, lets the rest of the contract (labels, weights, refits,
pickling, invariance) run through TextClassifier's own fit and predict.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import SkipTestWarning
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from lstmkit import SequenceClassifier, TextClassifier
from lstmkit.data.encoding import as_sequences

TINY = dict(hidden_size=8, epochs=10, lr=1e-2, n_folds=1, random_state=0, device="cpu")

SEQUENCE_SKIPS = {
    "check_sample_weight_equivalence_on_dense_data":
        "mini-batch SGD: repeating a sequence k times changes the batches and the steps per epoch, "
        "so a weight of k equals k copies only in expectation, not to 1e-7",
}
TEXT_SKIPS = {
    **SEQUENCE_SKIPS,
    "check_n_features_in": "texts have no features: a TextClassifier sets no n_features_in_ "
                           "(as scikit-learn's CountVectorizer)",
    "check_n_features_in_after_fitting": "texts have no features, and any number of words is a text",
    "check_classifiers_train": "predict(X.T) is 2 longer texts, which a text classifier accepts; its "
                               "accuracy on the same blobs is asserted in test_text_classifier_learns_blobs",
}


class NumbersAsWords(TextClassifier):
    """A TextClassifier whose X is numbers: row i becomes the text "c0x103 c1x97 ...", one word per
    value (its column and the value rounded to halves), after SequenceClassifier's checks of X."""

    def _validate(self, X):
        return [" ".join(f"c{j}x{int(np.clip(np.round(v * 2), -50, 50)) + 50}" for j, v in enumerate(s[:, 0]))
                for s in as_sequences(X, "X")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array, tags.input_tags.string = True, False
        return tags


def _expected(estimator):
    return TEXT_SKIPS if isinstance(estimator, TextClassifier) else SEQUENCE_SKIPS


@parametrize_with_checks([
    SequenceClassifier(arch="vanilla", **TINY),
    SequenceClassifier(arch_options={"conv_channels": (4, 4, 4)}, **TINY),  # the default lstm-fcn
    NumbersAsWords(embedding_dim=8, min_count=1, early_stopping=False, **TINY),
], expected_failed_checks=_expected)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_every_listed_check_still_fails_for_its_reason():
    """The skip lists stay honest: a listed check that starts passing must leave the list."""
    results = check_estimator(SequenceClassifier(arch="vanilla", **TINY), on_fail=None,
                              expected_failed_checks=SEQUENCE_SKIPS)
    status = {r["check_name"]: r["status"] for r in results}
    assert {name: status[name] for name in SEQUENCE_SKIPS} == dict.fromkeys(SEQUENCE_SKIPS, "xfail")
    assert "failed" not in status.values()


def test_text_classifier_tags_send_numeric_checks_away():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = check_estimator(TextClassifier(**TINY), on_fail=None)
    assert [r["check_name"] for r in results] == ["check_estimator_cloneable"]  # then no more
    assert any(issubclass(w.category, SkipTestWarning) and "requires input" in str(w.message) for w in caught)
    tags = TextClassifier().__sklearn_tags__().input_tags
    assert tags.string and not tags.two_d_array
    tags = SequenceClassifier().__sklearn_tags__().input_tags
    assert tags.two_d_array and tags.three_d_array and not tags.sparse and not tags.allow_nan


def test_text_classifier_learns_blobs():
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    X, y = make_blobs(n_samples=300, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = NumbersAsWords(embedding_dim=8, min_count=1, early_stopping=False, **TINY).fit(X, y)
    assert clf.score(X, y) > 0.83


@pytest.mark.parametrize("estimator", [SequenceClassifier(arch="vanilla", **TINY),
                                       TextClassifier(embedding_dim=4, min_count=1, **TINY)])
def test_not_fitted_error_is_sklearns(estimator):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        estimator.predict(["a"] if isinstance(estimator, TextClassifier) else np.zeros((2, 3)))
