"""Segment and profile tables, checked on toy customer tables computed by hand.

The main toy table has six customers, three in segment 1 and three in segment 2:

========  =====  ======  =======  ====
customer  spend  visits  balance  plan
========  =====  ======  =======  ====
1 (seg 1)  20     3       -2       a
2 (seg 1)  20     3       -2       b
3 (seg 1)  40     3        0       b
4 (seg 2)  40     3        2       b
5 (seg 2)  40     3        2       b
6 (seg 2)  20     3        0       b
========  =====  ======  =======  ====

- spend: overall mean 30; every customer is 10 away, so the population std is 10.
  Segment 1: mean 80/3, median 20, lift 8/9, std_diff (80/3 − 30) / 10 = −1/3.
  Segment 2: mean 100/3, median 40, lift 10/9, std_diff +1/3.
- visits: constant 3, so lift 1 and std_diff NaN.
- balance: overall mean 0 (lift NaN), variance 16/6 = 8/3. Segment 1 mean −4/3, so
  std_diff −(4/3) / sqrt(8/3) = −sqrt(2/3); segment 2 +sqrt(2/3).
- plan=a: overall share p = 1/6, std sqrt(p(1 − p)) = sqrt(5)/6. Segment 1 share 1/3
  (lift 2, std_diff (1/6) / (sqrt(5)/6) = 1/sqrt(5)), segment 2 share 0 (lift 0, −1/sqrt(5)).
- plan=b: p = 5/6, same std. Segment 1 share 2/3 (lift 0.8, −1/sqrt(5)), segment 2 share 1
  (lift 1.2, +1/sqrt(5)).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.profile.profiles import profile_table, segment_table
from user_segmentation.records import PROFILE_COLUMNS, SEGMENT_COLUMNS

NUMERIC = ["spend", "visits", "balance"]
SQRT5 = math.sqrt(5.0)


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "spend": [20.0, 20.0, 40.0, 40.0, 40.0, 20.0],
            "visits": [3, 3, 3, 3, 3, 3],
            "balance": [-2.0, -2.0, 0.0, 2.0, 2.0, 0.0],
            "plan": ["a", "b", "b", "b", "b", "b"],
        }
    )


SEGMENTS = np.array([1, 1, 1, 2, 2, 2])


def _profile(customers: pd.DataFrame, segments: np.ndarray = SEGMENTS) -> pd.DataFrame:
    return profile_table(customers, segments, numeric=NUMERIC, categorical=["plan"])


def _row(profile: pd.DataFrame, segment: int, feature: str) -> pd.Series:
    rows = profile[(profile["segment_id"] == segment) & (profile["feature"] == feature)]
    assert len(rows) == 1, (segment, feature)
    return rows.iloc[0]


# --- segment_table -------------------------------------------------------------------------


def test_segment_table_sizes_shares_and_default_names() -> None:
    table = segment_table(np.array([2, 1, 2, 3, 2]))
    assert list(table.columns) == SEGMENT_COLUMNS
    assert table["segment_id"].tolist() == [1, 2, 3]
    assert table["name"].tolist() == ["Segment 1", "Segment 2", "Segment 3"]
    assert table["size"].tolist() == [1, 3, 1]
    assert table["share"].tolist() == pytest.approx([0.2, 0.6, 0.2])
    assert table["segment_id"].dtype == np.int64
    assert table["size"].dtype == np.int64


def test_segment_table_takes_names_rules_and_actions_from_the_descriptions() -> None:
    described = pd.DataFrame(
        {
            "segment_id": [2, 1],
            "name": ["Loyal", "New"],
            "rule": ["frequency ≥ 12", "recency_days ≤ 30"],
            "rule_precision": [0.9, 0.85],
            "rule_recall": [0.7, 0.6],
            "action": ["Reward", "Onboard"],
        }
    )
    table = segment_table(np.array([1, 1, 2]), described, stability=[0.9, 0.8])
    assert list(table.columns) == SEGMENT_COLUMNS
    assert table["name"].tolist() == ["New", "Loyal"]  # matched by id, not position
    assert table["rule_precision"].tolist() == [0.85, 0.9]
    assert table["action"].tolist() == ["Onboard", "Reward"]


def test_segment_table_without_descriptions_says_segment_n() -> None:
    table = segment_table(np.array([1, 1, 2]))
    assert table["name"].tolist() == ["Segment 1", "Segment 2"]
    assert table["rule"].tolist() == ["", ""]
    assert table["stability"].isna().all()


# --- profile_table: shape and order --------------------------------------------------------


def test_profile_columns_rows_and_order(customers: pd.DataFrame) -> None:
    profile = _profile(customers)
    assert list(profile.columns) == PROFILE_COLUMNS
    features = ["spend", "visits", "balance", "plan=a", "plan=b"]
    assert profile["segment_id"].tolist() == [1] * 5 + [2] * 5
    assert profile["feature"].tolist() == features * 2
    assert profile["segment_id"].dtype == np.int64
    for column in ("mean", "median", "overall_mean", "lift", "std_diff"):
        assert profile[column].dtype == np.float64, column


# --- profile_table: numeric features -------------------------------------------------------


def test_numeric_mean_median_overall_mean_and_lift(customers: pd.DataFrame) -> None:
    profile = _profile(customers)
    one, two = _row(profile, 1, "spend"), _row(profile, 2, "spend")
    assert (one["mean"], one["median"], one["overall_mean"]) == pytest.approx((80 / 3, 20, 30))
    assert (two["mean"], two["median"], two["overall_mean"]) == pytest.approx((100 / 3, 40, 30))
    assert one["lift"] == pytest.approx(8 / 9)
    assert two["lift"] == pytest.approx(10 / 9)


def test_numeric_std_diff_uses_the_population_std(customers: pd.DataFrame) -> None:
    profile = _profile(customers)
    # Population std 10; the sample std (ddof=1) would be sqrt(120) and give ±0.304.
    assert _row(profile, 1, "spend")["std_diff"] == pytest.approx(-1 / 3)
    assert _row(profile, 2, "spend")["std_diff"] == pytest.approx(1 / 3)


def test_constant_feature_has_lift_one_and_no_std_diff(customers: pd.DataFrame) -> None:
    profile = _profile(customers)
    for segment in (1, 2):
        row = _row(profile, segment, "visits")
        assert (row["mean"], row["median"], row["overall_mean"], row["lift"]) == (3, 3, 3, 1)
        assert math.isnan(row["std_diff"])


def test_constant_non_integer_feature_has_no_std_diff_despite_rounding() -> None:
    # 0.1 is not exact in binary: the computed std of a column of 0.1s need not be exactly 0.
    frame = pd.DataFrame({"x": [0.1] * 7})
    profile = profile_table(frame, np.array([1, 1, 1, 2, 2, 2, 2]), numeric=["x"])
    assert profile["std_diff"].isna().all()


def test_zero_overall_mean_gives_no_lift_but_a_std_diff(customers: pd.DataFrame) -> None:
    profile = _profile(customers)
    one, two = _row(profile, 1, "balance"), _row(profile, 2, "balance")
    assert math.isnan(one["lift"]) and math.isnan(two["lift"])
    assert one["std_diff"] == pytest.approx(-math.sqrt(2 / 3))
    assert two["std_diff"] == pytest.approx(math.sqrt(2 / 3))


def test_missing_numeric_values_are_left_out() -> None:
    # x over all: 1, 3, 5 -> mean 3, population std sqrt(8/3); segment 1 is {1} alone.
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0, 5.0]})
    profile = profile_table(frame, np.array([1, 1, 2, 2]), numeric=["x"])
    one, two = profile.iloc[0], profile.iloc[1]
    assert (one["mean"], one["median"], one["overall_mean"]) == (1.0, 1.0, 3.0)
    assert (two["mean"], two["median"]) == (4.0, 4.0)
    assert one["std_diff"] == pytest.approx(-2 / math.sqrt(8 / 3))
    assert two["std_diff"] == pytest.approx(1 / math.sqrt(8 / 3))


# --- profile_table: categorical levels -----------------------------------------------------


def test_categorical_level_shares_and_lift(customers: pd.DataFrame) -> None:
    profile = _profile(customers)
    a1, a2 = _row(profile, 1, "plan=a"), _row(profile, 2, "plan=a")
    b1, b2 = _row(profile, 1, "plan=b"), _row(profile, 2, "plan=b")
    assert (a1["mean"], a2["mean"]) == pytest.approx((1 / 3, 0.0))
    assert (b1["mean"], b2["mean"]) == pytest.approx((2 / 3, 1.0))
    assert (a1["overall_mean"], b1["overall_mean"]) == pytest.approx((1 / 6, 5 / 6))
    assert (a1["median"], b1["median"]) == (0.0, 1.0)
    assert (a1["lift"], a2["lift"], b1["lift"], b2["lift"]) == pytest.approx((2, 0, 0.8, 1.2))


def test_categorical_level_std_diff_uses_sqrt_p_one_minus_p(customers: pd.DataFrame) -> None:
    profile = _profile(customers)
    assert _row(profile, 1, "plan=a")["std_diff"] == pytest.approx(1 / SQRT5)
    assert _row(profile, 2, "plan=a")["std_diff"] == pytest.approx(-1 / SQRT5)
    assert _row(profile, 1, "plan=b")["std_diff"] == pytest.approx(-1 / SQRT5)
    assert _row(profile, 2, "plan=b")["std_diff"] == pytest.approx(1 / SQRT5)


def test_missing_category_is_its_own_level_and_a_single_level_has_no_std_diff() -> None:
    # region: one missing of four -> p = 1/4, std sqrt(3)/4; segment 2 holds it (share 1/2).
    frame = pd.DataFrame(
        {"region": ["north", "north", "north", None], "country": ["UK", "UK", "UK", "UK"]}
    )
    profile = profile_table(
        frame, np.array([1, 1, 2, 2]), numeric=[], categorical=["region", "country"]
    )
    assert profile["feature"].tolist() == ["region=(missing)", "region=north", "country=UK"] * 2
    missing2 = _row(profile, 2, "region=(missing)")
    assert missing2["mean"] == 0.5
    assert missing2["std_diff"] == pytest.approx((0.5 - 0.25) / (math.sqrt(3) / 4))
    assert profile.loc[profile["feature"] == "country=UK", "std_diff"].isna().all()


# --- profile_table: purity and errors ------------------------------------------------------


def test_input_is_not_modified_and_row_order_does_not_matter(customers: pd.DataFrame) -> None:
    before = customers.copy()
    profile = _profile(customers)
    pd.testing.assert_frame_equal(customers, before)
    order = [4, 0, 5, 2, 1, 3]
    shuffled = _profile(customers.iloc[order], SEGMENTS[order])
    pd.testing.assert_frame_equal(shuffled, profile)


def test_missing_feature_column_is_named(customers: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match=r"\['tenure'\] not found"):
        profile_table(customers, SEGMENTS, numeric=["spend", "tenure"])


def test_non_numeric_numeric_feature_is_named(customers: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="numeric feature column 'plan'"):
        profile_table(customers, SEGMENTS, numeric=["plan"])


def test_one_segment_id_per_customer_is_required(customers: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="5 segment ids for 6 customers"):
        profile_table(customers, SEGMENTS[:5], numeric=["spend"])
