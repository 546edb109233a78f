"""Several targets forecast jointly by one network: a wide frame (tasks/multivariate.py)."""

import numpy as np
import pandas as pd
import pytest

import lstmkit
from lstmkit import Forecaster, InputError
from lstmkit.tasks.multivariate import wide_frame

H = 3
SMALL = dict(strategy="direct", horizon=H, hidden_size=16, epochs=80, batch_size=16, val_size=0,
             random_state=0, n_models=1, lr=1e-2, select_covariates=False)
LONG = ("unique_id", "ds", "y")


def leading_system(length=300, seed=0):
    """Monthly 'lead' is a random walk (its own past says nothing of its next steps);
    'follow' repeats it three months later at another level and scale, so follow's next
    three values are in lead's past only."""
    rng = np.random.default_rng(seed)
    lead = 100 + np.cumsum(rng.normal(0, 3, length + 3))
    index = pd.date_range("2000-01-01", periods=length, freq="MS")
    return pd.DataFrame({"lead": lead[3:], "follow": 50 + 0.5 * lead[:-3]}, index=index)


@pytest.fixture(scope="module")
def system():
    wide = leading_system()
    return wide.iloc[:-H], wide.iloc[-H:]


@pytest.fixture(scope="module")
def joint(system):
    return Forecaster(**SMALL).fit(system[0])


def test_a_wide_frame_is_forecast_jointly_in_its_own_form(system, joint):
    train, test = system
    out = joint.predict(H)
    assert list(out.columns) == ["lead", "follow"]  # the user's order, not sorted
    pd.testing.assert_index_equal(out.index, test.index, check_names=False)
    assert np.isfinite(out.to_numpy()).all()


def test_the_joint_network_reads_one_target_s_future_in_another_s_past():
    wide = leading_system()
    train = wide.iloc[:-30]
    model = Forecaster(**{**SMALL, "hidden_size": 32, "epochs": 150, "lr": 3e-3}).fit(train)
    errors, naive = [], []
    for origin in range(len(train), len(wide) - H, 3):  # held-out origins; inputs end at each
        long = wide_frame(wide.iloc[:origin], None, None, None, None, None, LONG)[0]
        out = model.global_.predict(H, y=long)
        truth = wide["follow"].iloc[origin : origin + H].to_numpy()
        errors.append(np.abs(out.loc[out.unique_id == "follow", "lstmkit"].to_numpy() - truth).mean())
        naive.append(np.abs(wide["follow"].iloc[origin - 1] - truth).mean())
    assert np.mean(errors) < 0.75 * np.mean(naive)  # a random walk alone: naive is the best forecast


def test_each_target_reads_the_others_past(system, joint):
    train, _ = system
    model = joint.global_
    assert model.state_.covariates.hist == ["lead", "follow"]
    long = wide_frame(train, None, None, None, None, None, LONG)[0]
    rows = long.unique_id == "follow"
    changed = long.copy()
    changed.loc[rows, "lead"] = long.loc[rows, "lead"].to_numpy()[::-1]  # another past of lead, for follow
    before, after = model.predict(H, y=long), model.predict(H, y=changed)
    moved = np.abs(after["lstmkit"] - before["lstmkit"]).to_numpy()
    assert moved[after.unique_id == "follow"].min() > 0  # follow's forecast reads lead's past
    assert moved[after.unique_id == "lead"].max() == 0  # (lead's own rows did not change)


def test_save_and_load_keep_the_wide_form(system, joint, tmp_path):
    loaded = lstmkit.load(joint.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(H), joint.predict(H))


def test_target_picks_columns_and_the_rest_are_covariates(system):
    train, test = system
    wide = train.assign(promo=np.arange(len(train)) % 2 * 1.0, note=1.0)
    model = Forecaster(**{**SMALL, "epochs": 5}).fit(wide, target=["follow", "lead"], futr_exog=["promo"],
                                              ignore=["note"])
    out = model.predict(H, X_future=pd.DataFrame({"promo": [0.0, 1.0, 0.0]}, index=test.index))
    assert list(out.columns) == ["follow", "lead"]
    with pytest.raises(InputError, match="fitted with futr_exog"):
        model.predict(H)


@pytest.mark.parametrize("kwargs, message", [
    (dict(target=["lead"]), "at least two distinct columns"),
    (dict(target=["lead", "nope"]), "'nope' is not a column of y"),
    (dict(target="lead"), "list of column names"),
    (dict(target=["lead", "follow"], futr_exog=["lead"]), "named in target and as a covariate"),
    (dict(static_df=pd.DataFrame({"unique_id": ["lead"], "size": [1]})), "static_df is for many series"),
])
def test_bad_targets_are_one_line_errors(system, kwargs, message):
    with pytest.raises(InputError, match=message):
        Forecaster(**SMALL).fit(system[0], **kwargs)


def test_several_targets_need_a_multi_step_strategy(system):
    with pytest.raises(InputError, match="read as several targets: they need strategy='direct' or 'seq2seq'"):
        Forecaster(**{**SMALL, "strategy": "recursive"}).fit(system[0])


def test_an_unnamed_column_beside_the_targets_is_an_error(system):
    wide = system[0].assign(price=1.0)
    with pytest.raises(InputError, match="'price', not in target"):
        Forecaster(**SMALL).fit(wide, target=["lead", "follow"])


def test_covariates_of_the_system_must_line_up_with_its_dates(system):
    train, _ = system
    X = pd.DataFrame({"promo": 1.0}, index=train.index.shift(1))
    with pytest.raises(InputError, match="X and y differ at"):
        Forecaster(**SMALL).fit(train, X=X)


def test_a_wide_model_forecasts_after_its_own_data_only(joint, system):
    with pytest.raises(InputError, match="refit on the new data"):
        joint.predict(H, y=system[0])
