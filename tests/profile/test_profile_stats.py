"""Segment statistics, checked against hand computations and SciPy called directly.

The toy table has seven customers, three in segment 1 and four in segment 2:

- spend: segment 1 = 10, 12, 14 (mean 12, sample variance 4, quartiles 11 and 13);
  segment 2 = 40, 42, 46, 48 (mean 44, sample variance 40/3).
  Cohen's d of segment 1: pooled variance (2·4 + 3·40/3) / 5 = 9.6, d = (12 − 44) / √9.6.
  Standardised difference: (12 − 44) / √((4 + 40/3) / 2). Lift 12 / 44.
- plan: segment 1 = a, a, b; segment 2 = b, b, b, a. Share of a: 2/3 in segment 1, 1/4 in
  the rest. The 2 × 2 table of segment 1 × level a is [[2, 1], [1, 3]].
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from scipy.stats.contingency import association

from user_segmentation.errors import SchemaError
from user_segmentation.profile.stats import (
    STATS_COLUMNS,
    Trait,
    adjust_p_values,
    cramers_v,
    segment_statistics,
    small_segments,
    top_distinguishing,
    value_shares,
)

IDS = np.array([1, 1, 1, 2, 2, 2, 2])


@pytest.fixture
def toy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(7)],
            "spend": [10.0, 12.0, 14.0, 40.0, 42.0, 46.0, 48.0],
            "plan": ["a", "a", "b", "b", "b", "b", "a"],
        }
    )


def _row(stats: pd.DataFrame, segment: int, feature: str) -> pd.Series:
    rows = stats[(stats["segment"] == segment) & (stats["feature"] == feature)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_columns_and_order(toy: pd.DataFrame) -> None:
    s = segment_statistics(toy, IDS, numeric=["spend"], categorical=["plan"])
    assert list(s.columns) == STATS_COLUMNS
    assert s[["segment", "feature"]].values.tolist() == [
        [1, "spend"],
        [2, "spend"],
        [1, "plan=a"],
        [2, "plan=a"],
        [1, "plan=b"],
        [2, "plan=b"],
    ]


def test_numeric_statistics_by_hand(toy: pd.DataFrame) -> None:
    s = segment_statistics(toy, IDS, numeric=["spend"])
    r = _row(s, 1, "spend")
    assert (r["n_segment"], r["n_rest"]) == (3, 4)
    assert r["mean"] == pytest.approx(12.0)
    assert (r["q1"], r["median"], r["q3"]) == pytest.approx((11.0, 12.0, 13.0))
    assert r["rest_mean"] == pytest.approx(44.0)
    assert r["overall_mean"] == pytest.approx(212.0 / 7)
    assert r["lift"] == pytest.approx(12.0 / 44.0)
    assert r["cohens_d"] == pytest.approx(-32.0 / math.sqrt(9.6))
    assert r["std_diff"] == pytest.approx(-32.0 / math.sqrt((4.0 + 40.0 / 3.0) / 2.0))
    assert _row(s, 2, "spend")["cohens_d"] == pytest.approx(32.0 / math.sqrt(9.6))


def test_numeric_tests_match_scipy(toy: pd.DataFrame) -> None:
    s = segment_statistics(toy, IDS, numeric=["spend"], correction="none")
    seg1, seg2 = toy["spend"][IDS == 1], toy["spend"][IDS == 2]
    h, p = st.kruskal(seg1, seg2)
    r = _row(s, 1, "spend")
    assert r["omnibus_test"] == "kruskal"
    assert r["omnibus_statistic"] == pytest.approx(h)
    assert r["omnibus_p_value"] == pytest.approx(p)
    assert r["omnibus_effect"] == pytest.approx((h - 2 + 1) / (7 - 2))  # eta²_H
    mw = st.mannwhitneyu(seg1, seg2, alternative="two-sided")
    assert r["test"] == "mann-whitney"
    assert r["p_value"] == pytest.approx(mw.pvalue)
    assert r["p_adjusted"] == pytest.approx(mw.pvalue)  # no correction asked for


def test_categorical_shares_and_tests(toy: pd.DataFrame) -> None:
    s = segment_statistics(toy, IDS, numeric=[], categorical=["plan"], correction="none")
    r = _row(s, 1, "plan=a")
    assert (r["variable"], r["level"], r["kind"]) == ("plan", "a", "categorical")
    assert r["mean"] == pytest.approx(2 / 3)
    assert r["rest_mean"] == pytest.approx(1 / 4)
    assert r["overall_mean"] == pytest.approx(3 / 7)
    assert r["lift"] == pytest.approx((2 / 3) / (1 / 4))
    assert math.isnan(r["median"])
    # Austin's standardised difference for a proportion.
    var = (2 / 3 * 1 / 3 + 1 / 4 * 3 / 4) / 2
    assert r["std_diff"] == pytest.approx((2 / 3 - 1 / 4) / math.sqrt(var))
    assert r["test"] == "fisher"
    assert r["p_value"] == pytest.approx(st.fisher_exact([[2, 1], [1, 3]]).pvalue)
    table = np.array([[2, 1], [1, 3]])  # segments × levels (a, b)
    chi2 = st.chi2_contingency(table, correction=False)
    assert r["omnibus_test"] == "chi2"
    assert r["omnibus_statistic"] == pytest.approx(chi2.statistic)
    assert r["omnibus_p_value"] == pytest.approx(chi2.pvalue)
    assert r["omnibus_effect"] == pytest.approx(association(table, method="cramer"))


def test_cramers_v_matches_scipy_on_a_larger_table() -> None:
    table = np.array([[20, 5, 3], [4, 18, 9], [6, 7, 25]])
    _, p, v = cramers_v(table)
    assert v == pytest.approx(association(table, method="cramer"))
    assert p == pytest.approx(st.chi2_contingency(table, correction=False).pvalue)
    # An empty level (all-zero column) does not change anything.
    assert cramers_v(np.hstack([table, np.zeros((3, 1))]))[2] == pytest.approx(v)


def test_benjamini_hochberg_families() -> None:
    rng = np.random.default_rng(3)
    f = pd.DataFrame(
        {
            "a": rng.normal(size=90) + np.repeat([0.0, 0.5, 1.0], 30),
            "b": rng.normal(size=90),
            "c": rng.normal(size=90) + np.repeat([0.0, 0.0, 2.0], 30),
        }
    )
    ids = np.repeat([1, 2, 3], 30)
    s = segment_statistics(f, ids, numeric=["a", "b", "c"])
    # Rows: one family of 9 tests.
    expected = st.false_discovery_control(s["p_value"].to_numpy(), method="bh")
    np.testing.assert_allclose(s["p_adjusted"], expected)
    # Omnibus: one family of 3 tests, one per variable, repeated on the variable's rows.
    omni = s.drop_duplicates("variable")
    expected = st.false_discovery_control(omni["omnibus_p_value"].to_numpy(), method="bh")
    np.testing.assert_allclose(omni["omnibus_p_adjusted"], expected)
    assert s.groupby("variable")["omnibus_p_adjusted"].nunique().eq(1).all()
    bonf = segment_statistics(f, ids, numeric=["a", "b", "c"], correction="bonferroni")
    np.testing.assert_allclose(
        bonf.drop_duplicates("variable")["omnibus_p_adjusted"],
        np.minimum(omni["omnibus_p_value"].to_numpy() * 3, 1.0),
    )
    sig = s.set_index(["segment", "variable"])["significant"]
    assert sig[(3, "c")] and not sig[(1, "b")]


def test_adjust_p_values_keeps_nan_out_of_the_family() -> None:
    got = adjust_p_values(np.array([0.01, np.nan, 0.04]), "bonferroni")
    assert got[0] == pytest.approx(0.02) and math.isnan(got[1]) and got[2] == pytest.approx(0.08)
    with pytest.raises(ValueError, match="unknown correction"):
        adjust_p_values(np.array([0.1]), "holm")  # type: ignore[arg-type]


def test_missing_values(toy: pd.DataFrame) -> None:
    f = toy.assign(
        spend=[10.0, np.nan, 14.0, 40.0, 42.0, 46.0, np.nan],
        plan=["a", None, "b", "b", "b", "b", "a"],
    )
    s = segment_statistics(f, IDS, numeric=["spend"], categorical=["plan"])
    r = _row(s, 1, "spend")
    assert (r["n_segment"], r["n_rest"]) == (2, 3)
    assert r["mean"] == pytest.approx(12.0)
    assert r["rest_mean"] == pytest.approx(128.0 / 3)
    assert _row(s, 1, "plan=(missing)")["mean"] == pytest.approx(1 / 3)


def test_constant_column_has_no_tests_and_no_warning() -> None:
    f = pd.DataFrame({"x": [3.0] * 6, "y": ["k"] * 6})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = segment_statistics(f, np.array([1, 1, 1, 2, 2, 2]), numeric=["x"], categorical=["y"])
    assert s["p_value"].isna().all() and s["omnibus_p_value"].isna().all()
    assert s["cohens_d"].isna().all() and not s["significant"].any()


def test_row_order_does_not_matter(toy: pd.DataFrame) -> None:
    a = segment_statistics(toy, IDS, numeric=["spend"], categorical=["plan"])
    order = np.array([6, 2, 4, 0, 5, 1, 3])
    b = segment_statistics(
        toy.iloc[order].reset_index(drop=True), IDS[order], numeric=["spend"], categorical=["plan"]
    )
    pd.testing.assert_frame_equal(a, b)


def test_input_not_modified(toy: pd.DataFrame) -> None:
    before, ids = toy.copy(), IDS.copy()
    segment_statistics(toy, IDS, numeric=["spend"], categorical=["plan"])
    value_shares(toy.rename(columns={"spend": "monetary"}), IDS)
    pd.testing.assert_frame_equal(toy, before)
    np.testing.assert_array_equal(IDS, ids)


def test_errors_name_the_column_row_and_value(toy: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="'visits'"):
        segment_statistics(toy, IDS, numeric=["visits"])
    bad = toy.assign(spend=["10", "12", "x1", "40", "42", "46", "48"])
    with pytest.raises(SchemaError, match=r"'spend' row 2: 'x1'"):
        segment_statistics(bad, IDS, numeric=["spend"])
    with pytest.raises(SchemaError, match="6 segment ids for 7 customers"):
        segment_statistics(toy, IDS[:6], numeric=["spend"])


def test_top_distinguishing_ranks_significant_effects() -> None:
    rng = np.random.default_rng(0)
    n = 120
    ids = np.repeat([1, 2], n // 2)
    f = pd.DataFrame(
        {
            "big": rng.normal(size=n) + np.where(ids == 1, 3.0, 0.0),
            "mid": rng.normal(size=n) + np.where(ids == 1, -1.0, 0.0),
            "noise": rng.normal(size=n),
        }
    )
    top = top_distinguishing(segment_statistics(f, ids, numeric=["big", "mid", "noise"]), n=5)
    assert [t.feature for t in top[1]] == ["big", "mid"]
    assert top[1][0].effect > 2 and top[1][1].effect < 0
    assert [t.feature for t in top[2]] == ["big", "mid"]
    assert top[2][0].effect < -2
    (only,) = top_distinguishing(segment_statistics(f, ids, numeric=["big", "mid"]), n=1)[1]
    assert isinstance(only, Trait)
    assert only.feature == "big" and only.effect == pytest.approx(top[1][0].effect)


def test_value_shares_by_hand() -> None:
    f = pd.DataFrame({"revenue": [100.0, 300.0, np.nan, 100.0, 0.0]})
    v = value_shares(f, np.array([2, 2, 1, 1, 1]), monetary="revenue")
    assert v["segment"].tolist() == [1, 2]
    assert v["customers"].tolist() == [3, 2]
    assert v["revenue"].tolist() == [100.0, 400.0]
    assert v["revenue_share"].tolist() == pytest.approx([0.2, 0.8])
    assert v["customer_share"].tolist() == pytest.approx([0.6, 0.4])
    assert v["value_index"].tolist() == pytest.approx([0.2 / 0.6, 2.0])
    refunds = value_shares(pd.DataFrame({"monetary": [-5.0, 2.0]}), np.array([1, 2]))
    assert refunds["revenue_share"].isna().all()


def test_small_segments() -> None:
    ids = np.array([3] * 49 + [1] * 50 + [2] * 2)
    assert small_segments(ids) == [2, 3]
    assert small_segments(ids, min_size=3) == [2]
    assert small_segments(ids, min_size=1) == []
    with pytest.raises(ValueError):
        small_segments(ids, min_size=0)
