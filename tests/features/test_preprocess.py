"""Preprocessing of the feature table (BAD_INPUTS #25-#29, #43, #46)."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import PowerTransformer
from sklearn.utils import estimator_checks

from user_segmentation.errors import DataQualityError, SchemaError
from user_segmentation.features.preprocess import MISSING_LEVEL, Preprocessor


def _frame(**columns: list[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(1, n + 1)], **columns})


def test_median_imputation() -> None:
    X = _frame(x=[1.0, 2.0, np.nan, 4.0, 10.0])
    p = Preprocessor(numeric=["x"], skew_threshold=None).fit(X)
    assert p.medians_ == [3.0]
    # Filled: 1, 2, 3, 4, 10 -> mean 4, population std sqrt(50 / 5).
    assert p.means_ == [4.0]
    assert p.scales_ == [pytest.approx(np.sqrt(10.0))]
    expected = (np.array([1.0, 2.0, 3.0, 4.0, 10.0]) - 4.0) / np.sqrt(10.0)
    np.testing.assert_allclose(p.transform(X)[:, 0], expected)


def test_imputation_of_nullable_integers() -> None:
    X = _frame(x=pd.array([1, None, 3], dtype="Int64"))
    out = Preprocessor(numeric=["x"], skew_threshold=None).fit_transform(X)
    assert out[1, 0] == 0.0  # the median 2 is the mean of 1, 2, 3


def test_impute_error_names_column_and_count() -> None:
    X = _frame(x=[1.0, np.nan, 3.0, np.nan])
    with pytest.raises(DataQualityError, match=r"column 'x': 2 missing value\(s\)"):
        Preprocessor(numeric=["x"], impute="error").fit(X)


def test_impute_error_accepts_complete_columns() -> None:
    X = _frame(x=[1.0, 2.0, 3.0])
    assert Preprocessor(numeric=["x"], impute="error").fit(X).numeric_ == ["x"]


def test_all_missing_column_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    X = _frame(x=[1.0, 2.0, 3.0], empty=[np.nan, np.nan, np.nan])
    with caplog.at_level(logging.WARNING):
        p = Preprocessor(numeric=["x", "empty"]).fit(X)
    assert p.dropped_ == {"empty": "all values missing"}
    assert p.feature_names_out_ == ["x"]
    assert "empty" in caplog.text


def test_constant_column_dropped_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    X = _frame(x=[1.0, 2.0, 3.0], flat=[7.0, 7.0, np.nan], plan=["a", "a", "a"])
    with caplog.at_level(logging.WARNING):
        p = Preprocessor(numeric=["x", "flat"], categorical=["plan"]).fit(X)
    assert p.dropped_ == {"flat": "constant (7)", "plan": "constant (a)"}
    assert p.feature_names_out_ == ["x"]
    assert "flat" in caplog.text and "plan" in caplog.text
    assert p.transform(X).shape == (3, 1)


def test_nothing_usable_left_is_an_error() -> None:
    X = _frame(flat=[1.0, 1.0, 1.0])
    with pytest.raises(DataQualityError, match="no usable feature"):
        Preprocessor(numeric=["flat"]).fit(X)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e308])
def test_non_finite_or_huge_values_name_column_and_customer(bad: float) -> None:
    X = _frame(x=[1.0, 2.0, bad, 4.0])
    with pytest.raises(DataQualityError) as err:
        Preprocessor(numeric=["x"]).fit(X)
    msg = str(err.value)
    assert "column 'x'" in msg
    assert "customer c3" in msg


def test_huge_value_at_transform_time_is_refused() -> None:
    p = Preprocessor(numeric=["x"]).fit(_frame(x=[1.0, 2.0, 3.0]))
    with pytest.raises(DataQualityError, match="column 'x', customer c2"):
        p.transform(_frame(x=[1.0, 1e308]))


def test_text_in_numeric_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="column 'x'"):
        Preprocessor(numeric=["x"]).fit(_frame(x=["1", "two", "3"]))


def test_skewed_column_is_yeo_johnson_transformed_like_sklearn() -> None:
    values = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 1000.0]
    X = _frame(spend=values, even=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    p = Preprocessor(numeric=["spend", "even"]).fit(X)
    assert p.logged_ == [True, False]
    assert p.lambdas_[1] is None
    # scikit-learn's PowerTransformer is the reference: same λ, same standardised values.
    reference = PowerTransformer(method="yeo-johnson").fit(np.array(values)[:, None])
    assert p.lambdas_[0] == pytest.approx(reference.lambdas_[0], rel=1e-6)
    np.testing.assert_allclose(
        p.transform(X)[:, 0], reference.transform(np.array(values)[:, None])[:, 0], atol=1e-6
    )


def test_skewed_column_is_log_scaled_when_asked() -> None:
    values = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 1000.0]
    X = _frame(spend=values, even=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    p = Preprocessor(numeric=["spend", "even"], skew_transform="log").fit(X)
    assert p.logged_ == [True, False]
    t = np.log1p(values)
    np.testing.assert_allclose(p.transform(X)[:, 0], (t - t.mean()) / t.std())


def test_skew_threshold_none_disables_log() -> None:
    X = _frame(spend=[0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 1000.0])
    assert Preprocessor(numeric=["spend"], skew_threshold=None).fit(X).logged_ == [False]


def test_skewed_column_with_negatives_is_not_logged_but_yeo_johnson_accepts_it() -> None:
    X = _frame(delta=[-1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1000.0])
    assert Preprocessor(numeric=["delta"], skew_transform="log").fit(X).logged_ == [False]
    p = Preprocessor(numeric=["delta"]).fit(X)
    assert p.logged_ == [True]
    assert np.isfinite(p.transform(X)).all()


def test_state_round_trip_keeps_the_yeo_johnson_lambda() -> None:
    X = _frame(spend=[0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 1000.0])
    p = Preprocessor(numeric=["spend"]).fit(X)
    again = Preprocessor.from_state(p.to_state())
    assert again.lambdas_ == p.lambdas_
    np.testing.assert_array_equal(again.transform(X), p.transform(X))


def test_forced_log() -> None:
    X = _frame(x=[1.0, 2.0, 3.0, 4.0])
    p = Preprocessor(numeric=["x"], log=["x"]).fit(X)
    assert p.logged_ == [True]
    t = np.log1p([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(p.transform(X)[:, 0], (t - t.mean()) / t.std())


def test_forced_log_with_negative_values_is_an_error() -> None:
    X = _frame(x=[1.0, -2.0, 3.0])
    with pytest.raises(DataQualityError, match=r"column 'x'.*negative.*min -2"):
        Preprocessor(numeric=["x"], log=["x"]).fit(X)


def test_negative_value_at_assignment_in_a_logged_column_stays_finite() -> None:
    p = Preprocessor(numeric=["x"], log=["x"]).fit(_frame(x=[0.0, 1.0, 3.0]))
    out = p.transform(_frame(x=[-5.0]))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, p.transform(_frame(x=[0.0])))


def test_one_hot_with_missing_level() -> None:
    X = _frame(plan=["b", "a", None, "a", " b ", ""])
    p = Preprocessor(categorical=["plan"]).fit(X)
    assert p.levels_ == [[MISSING_LEVEL, "a", "b"]]
    assert p.feature_names_out_ == [f"plan={MISSING_LEVEL}", "plan=a", "plan=b"]
    np.testing.assert_array_equal(
        p.transform(X),
        [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]],
    )


def test_unknown_category_at_transform_gives_an_all_zero_row() -> None:
    fit = _frame(plan=["a", "b", "a", "b", "a", "b"])
    p = Preprocessor(categorical=["plan"]).fit(fit)
    out = p.transform(_frame(plan=["a", "DE", None]))
    np.testing.assert_array_equal(out, [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


def test_id_like_categorical_dropped() -> None:
    X = _frame(x=[float(i) for i in range(10)], code=[f"K{i:03d}" for i in range(10)])
    p = Preprocessor(numeric=["x"], categorical=["code"]).fit(X)
    assert p.dropped_ == {"code": "id-like: 10 distinct values in 10 rows"}
    assert p.feature_names_out_ == ["x"]


def test_categorical_with_too_many_levels_dropped() -> None:
    X = _frame(x=[float(i) for i in range(100)], c=[f"L{i % 4}" for i in range(100)])
    p = Preprocessor(numeric=["x"], categorical=["c"], max_categories=3).fit(X)
    assert "c" in p.dropped_
    assert Preprocessor(numeric=["x"], categorical=["c"]).fit(X).categorical_ == ["c"]


def _mixed() -> pd.DataFrame:
    return _frame(
        spend=[0.0, 1.0, 1.0, 2.0, np.nan, 3.0, 5.0, 1000.0],
        age=[20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, np.nan],
        flat=[1.0] * 8,
        plan=["a", "b", "a", "b", "a", "b", None, "a"],
    )


def test_state_round_trip_through_json_gives_identical_transform() -> None:
    X = _mixed()
    p = Preprocessor(numeric=["spend", "age", "flat"], categorical=["plan"], log=["age"]).fit(X)
    text = json.dumps(p.to_state())
    q = Preprocessor.from_state(json.loads(text))
    new = _frame(spend=[np.nan, 7.0], age=[25.0, np.nan], flat=[3.0, 3.0], plan=["zz", "a"])
    np.testing.assert_array_equal(q.transform(X), p.transform(X))
    np.testing.assert_array_equal(q.transform(new), p.transform(new))
    assert q.feature_names_out_ == p.feature_names_out_
    assert q.dropped_ == p.dropped_ == {"flat": "constant (1)"}
    assert json.dumps(q.to_state()) == text
    assert q.get_params() == clone(q).get_params()


def test_transform_missing_a_column_is_a_schema_error() -> None:
    X = _mixed()
    p = Preprocessor(numeric=["spend", "age", "flat"], categorical=["plan"]).fit(X)
    with pytest.raises(SchemaError, match=r"\['age'\]"):
        p.transform(X.drop(columns="age"))
    # A column dropped at fit time is not needed afterwards.
    assert p.transform(X.drop(columns="flat")).shape == (8, 5)  # spend, age, 3 plan levels


def test_fit_missing_a_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"\['plan'\]"):
        Preprocessor(numeric=["spend"], categorical=["plan"]).fit(_frame(spend=[1.0, 2.0]))


def test_other_columns_are_ignored_and_input_not_mutated() -> None:
    X = _mixed()
    before = X.copy()
    p = Preprocessor(numeric=["age"]).fit(X)
    assert p.transform(X).shape == (8, 1)
    assert p.n_features_in_ == 1
    pd.testing.assert_frame_equal(X, before)


def test_output_does_not_depend_on_row_order() -> None:
    X = _mixed()
    p = Preprocessor(numeric=["spend", "age"], categorical=["plan"]).fit(X)
    q = Preprocessor(numeric=["spend", "age"], categorical=["plan"]).fit(X.iloc[::-1])
    np.testing.assert_allclose(q.transform(X), p.transform(X), rtol=0, atol=1e-12)


def test_get_feature_names_out_and_not_fitted() -> None:
    p = Preprocessor(numeric=["age"], categorical=["plan"])
    with pytest.raises(NotFittedError):
        p.transform(_mixed())
    with pytest.raises(NotFittedError):
        p.to_state()
    p.fit(_mixed())
    assert p.get_feature_names_out().tolist() == ["age", "plan=(missing)", "plan=a", "plan=b"]


@pytest.mark.parametrize(
    "check",
    [
        estimator_checks.check_get_params_invariance,
        estimator_checks.check_parameters_default_constructible,
        estimator_checks.check_no_attributes_set_in_init,
        estimator_checks.check_estimator_cloneable,
        estimator_checks.check_estimator_repr,
        estimator_checks.check_set_params,
        estimator_checks.check_transformers_unfitted,
        estimator_checks.check_get_feature_names_out_error,
        estimator_checks.check_mixin_order,
        estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
    ],
    ids=lambda check: check.__name__,
)
def test_sklearn_estimator_checks(check: object) -> None:
    # The checks that do not need to fit on a NumPy array; Preprocessor takes DataFrames only.
    check("Preprocessor", Preprocessor(numeric=["x"]))  # type: ignore[operator]
