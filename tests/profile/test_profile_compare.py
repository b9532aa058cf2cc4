"""Two segments side by side, checked against hand computations.

The toy table has seven customers: segment 1 (a), segment 2 (b) and one customer of segment 3
whose extreme values must not touch the comparison of 1 with 2.

- spend: a = 1, 2, 3 (mean 2, median 2, sample variance 1); b = 4, 5, 6 (mean 5, median 5,
  sample variance 1). Pooled variance (2·1 + 2·1) / 4 = 1, so Cohen's d = (2 − 5) / 1 = −3.
  The two groups do not overlap: the exact two-sided Mann-Whitney p is 2 / C(6, 3) = 0.1.
- plan: a = x, x, y; b = y, y, y. Share of x: 2/3 vs 0; Cohen's h = 2·asin(√(2/3)) − 0
  = 1.9106; for y, 1/3 vs 1, h = 2·asin(√(1/3)) − π = −1.9106. The 2 × 2 table of level x
  is [[2, 1], [0, 3]]: Fisher's two-sided p = P(0) + P(2) = 4/20 + 4/20 = 0.4. The whole
  2 × 2 table of plan is the same, chi² = 6·(2·3 − 1·0)² / (3·3·2·4) = 3, V = √(3/6).
- Benjamini-Hochberg over p = (0.1, 0.4, 0.4): 0.1·3/1 = 0.3, then min(0.4·3/2, 0.4) = 0.4
  and 0.4·3/3 = 0.4.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.profile.compare import COMPARE_COLUMNS, compare_segments

IDS = np.array([1, 1, 1, 2, 2, 2, 3])
H = 2 * math.asin(math.sqrt(2 / 3))


@pytest.fixture
def toy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "spend": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1000.0],
            "plan": ["x", "x", "y", "y", "y", "y", "z"],
        }
    )


def _compare(features: pd.DataFrame, ids: np.ndarray = IDS, a: int = 1, b: int = 2):
    return compare_segments(features, ids, a, b, numeric=["spend"], categorical=["plan"])


def test_columns_and_order_strongest_first(toy: pd.DataFrame) -> None:
    table = _compare(toy)
    assert list(table.columns) == COMPARE_COLUMNS
    # |d| = 3 first; the two levels tie at |h| = 1.91 and keep their sorted order.
    assert table["feature"].tolist() == ["spend", "plan=x", "plan=y"]
    assert table["kind"].tolist() == ["numeric", "categorical", "categorical"]
    assert table["effect_measure"].tolist() == ["cohens_d", "cohens_h", "cohens_h"]


def test_numeric_row_by_hand(toy: pd.DataFrame) -> None:
    row = _compare(toy).iloc[0]
    assert (row["n_a"], row["n_b"]) == (3, 3)
    assert (row["mean_a"], row["mean_b"]) == (2.0, 5.0)
    assert (row["median_a"], row["median_b"]) == (2.0, 5.0)
    assert row["difference"] == -3.0
    assert row["effect"] == pytest.approx(-3.0)
    assert math.isnan(row["cramers_v"])
    assert row["test"] == "mann-whitney"
    assert row["p_value"] == pytest.approx(0.1)


def test_level_rows_by_hand(toy: pd.DataFrame) -> None:
    table = _compare(toy).set_index("feature")
    x, y = table.loc["plan=x"], table.loc["plan=y"]
    assert (x["mean_a"], x["mean_b"]) == (pytest.approx(2 / 3), 0.0)
    assert x["difference"] == pytest.approx(2 / 3)
    assert x["effect"] == pytest.approx(H)
    assert y["effect"] == pytest.approx(2 * math.asin(math.sqrt(1 / 3)) - math.pi)
    assert y["effect"] == pytest.approx(-H)
    assert x["p_value"] == pytest.approx(0.4)
    assert x["test"] == "fisher"
    assert x["cramers_v"] == pytest.approx(math.sqrt(0.5))
    assert y["cramers_v"] == pytest.approx(math.sqrt(0.5))
    assert math.isnan(x["median_a"])
    # Level z belongs to segment 3 only: it is not a level of this comparison.
    assert "plan=z" not in table.index


def test_p_values_adjusted_over_all_rows(toy: pd.DataFrame) -> None:
    table = _compare(toy)
    assert table["p_adjusted"].tolist() == pytest.approx([0.3, 0.4, 0.4])
    assert not table["significant"].any()
    loose = compare_segments(toy, IDS, 1, 2, numeric=["spend"], alpha=0.5)
    assert loose["significant"].tolist() == [True]  # one test: 0.1 stays 0.1


def test_identical_segments_have_no_effect() -> None:
    features = pd.DataFrame(
        {"spend": [1.0, 2.0, 6.0, 1.0, 2.0, 6.0], "plan": ["x", "y", "y", "x", "y", "y"]}
    )
    table = compare_segments(
        features, np.array([0, 0, 0, 1, 1, 1]), 0, 1, numeric=["spend"], categorical=["plan"]
    )
    assert table["effect"].tolist() == [0.0, 0.0, 0.0]
    assert table["difference"].tolist() == [0.0, 0.0, 0.0]
    assert table["cramers_v"].iloc[1:].tolist() == [0.0, 0.0]
    assert table["p_value"].tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_a_segment_with_itself_has_no_effect(toy: pd.DataFrame) -> None:
    table = _compare(toy, a=1, b=1)
    assert table["effect"].tolist() == [0.0, 0.0, 0.0]
    assert table["n_a"].tolist() == table["n_b"].tolist() == [3, 3, 3]


def test_swapping_a_and_b_flips_the_signs(toy: pd.DataFrame) -> None:
    forward = _compare(toy).set_index("feature")
    backward = _compare(toy, a=2, b=1).set_index("feature").loc[forward.index]
    assert backward["effect"].tolist() == pytest.approx((-forward["effect"]).tolist())
    assert backward["mean_a"].tolist() == forward["mean_b"].tolist()
    assert backward["p_value"].tolist() == pytest.approx(forward["p_value"].tolist())


def test_row_order_of_the_input_does_not_matter(toy: pd.DataFrame) -> None:
    order = np.array([6, 3, 0, 5, 1, 4, 2])
    shuffled = _compare(toy.iloc[order].reset_index(drop=True), IDS[order])
    pd.testing.assert_frame_equal(shuffled, _compare(toy))


def test_missing_values(toy: pd.DataFrame) -> None:
    toy.loc[0, "spend"] = np.nan
    toy.loc[1, "plan"] = None
    table = _compare(toy).set_index("feature")
    assert (table.loc["spend", "n_a"], table.loc["spend", "mean_a"]) == (2, 2.5)
    assert table.loc["plan=(missing)", "mean_a"] == pytest.approx(1 / 3)


def test_input_is_not_modified(toy: pd.DataFrame) -> None:
    before = toy.copy()
    _compare(toy)
    pd.testing.assert_frame_equal(toy, before)


@pytest.mark.parametrize("missing", [5, 0])
def test_unknown_segment_is_named(toy: pd.DataFrame, missing: int) -> None:
    with pytest.raises(SchemaError, match=rf"segment {missing} has no customers.*\[1, 2, 3\]"):
        _compare(toy, b=missing)


def test_non_finite_value_names_column_row_and_value(toy: pd.DataFrame) -> None:
    toy.loc[4, "spend"] = np.inf
    with pytest.raises(SchemaError, match=r"'spend' row 4: inf"):
        _compare(toy)


def test_missing_column_and_misaligned_ids(toy: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="visits"):
        compare_segments(toy, IDS, 1, 2, numeric=["visits"])
    with pytest.raises(SchemaError, match="one id per customer"):
        compare_segments(toy, IDS[:-1], 1, 2, numeric=["spend"])


def test_constant_variable_is_not_tested() -> None:
    features = pd.DataFrame({"spend": [5.0] * 4, "plan": ["x"] * 4})
    table = compare_segments(
        features, np.array([0, 0, 1, 1]), 0, 1, numeric=["spend"], categorical=["plan"]
    )
    assert table["p_value"].isna().all()
    assert math.isnan(table.loc[table["feature"] == "spend", "effect"].iloc[0])
    assert table.loc[table["feature"] == "plan=x", "effect"].iloc[0] == 0.0
    # A missing effect sorts last.
    assert table["feature"].tolist() == ["plan=x", "spend"]


def test_no_variables_gives_an_empty_table(toy: pd.DataFrame) -> None:
    table = compare_segments(toy, IDS, 1, 2, numeric=[])
    assert table.empty
    assert list(table.columns) == COMPARE_COLUMNS
