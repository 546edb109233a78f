"""select_covariates: covariates are kept only when they help on a validation window."""

import warnings

import numpy as np
import pandas as pd
import pytest

import lstmkit
from lstmkit import GlobalForecaster
from lstmkit.tasks.covariate_selection import cut
from tests.test_covariates import SMALL, H, promo_panel

CHOOSING = {**SMALL, "select_covariates": True}


def test_cut_holds_out_the_last_h_rows_of_every_series():
    frame = pd.DataFrame({"unique_id": ["a"] * 5 + ["b"] * 4, "t": list(range(5)) + list(range(4))})
    train, held = cut(frame, "unique_id", 2)
    assert train.groupby("unique_id")["t"].max().to_dict() == {"a": 2, "b": 1}
    assert held.groupby("unique_id")["t"].apply(list).to_dict() == {"a": [3, 4], "b": [2, 3]}


def test_a_covariate_that_helps_is_kept_without_a_warning():
    train, test = promo_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GlobalForecaster(**CHOOSING).fit(train, futr_exog=["promo"])
    record = model.covariate_selection_
    assert record["kept"] and record["mase_with"] < record["mase_without"] and record["horizon"] == H
    plan = test[["unique_id", "ds", "promo"]]
    moved = model.predict(H, futr_df=plan.assign(promo=1 - plan["promo"]))["lstmkit"].to_numpy()
    assert not np.allclose(moved, model.predict(H, futr_df=plan)["lstmkit"].to_numpy())


def noise_panel(seed=0):
    """Seasonal series and a covariate of pure noise, unrelated to them."""
    train, test = promo_panel(n_series=3, length=48, seed=seed)
    rng = np.random.default_rng(seed)
    return train.assign(promo=rng.normal(0, 5, len(train))), test.assign(promo=rng.normal(0, 5, len(test)))


def test_a_covariate_that_does_not_help_is_dropped_with_a_warning_and_its_plan_ignored(tmp_path):
    train, test = noise_panel()
    with pytest.warns(UserWarning, match=r"covariates \['promo'\] did not help on the validation window"):
        model = GlobalForecaster(**CHOOSING).fit(train, futr_exog=["promo"])
    record = model.covariate_selection_
    assert not record["kept"] and record["mase_with"] >= record["mase_without"]
    assert model.state_.covariates is None  # fitted on the series alone
    plan = test[["unique_id", "ds", "promo"]]
    shuffled = plan.assign(promo=plan["promo"].to_numpy()[::-1])
    first = model.predict(H, futr_df=plan)["lstmkit"].to_numpy()
    np.testing.assert_allclose(first, model.predict(H, futr_df=shuffled)["lstmkit"].to_numpy())
    plain = GlobalForecaster(**SMALL).fit(train[["unique_id", "ds", "y"]]).predict(H)["lstmkit"].to_numpy()
    np.testing.assert_allclose(first, plain)  # the same fit as without the column
    loaded = lstmkit.load(model.save(tmp_path / "m"))
    assert loaded.covariate_selection_ == record
    np.testing.assert_allclose(loaded.predict(H, futr_df=plan)["lstmkit"].to_numpy(), first)


def test_selection_off_keeps_the_covariates_and_fits_once():
    train, _ = noise_panel()
    model = GlobalForecaster(**SMALL).fit(train, futr_exog=["promo"])
    assert model.covariate_selection_ is None and model.state_.covariates is not None
