"""Segment rules: readable thresholds, honest precision and recall, crisp rules found again.

The planted table has four segments of 150 customers, each defined by a crisp rule with a
gap around every threshold:

- 1 "active": recency 1-25 days and 12-40 orders;
- 2 "lapsed": recency 260-600 days, 1-8 orders;
- 3 "German middle": recency 40-200 days, 1-8 orders, country DE;
- 4 "other middle": recency 40-200 days, 1-8 orders, country FR or GB.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.profile.rules import (
    Condition,
    SegmentRule,
    format_number,
    round_significant,
    rule_text,
    segment_rules,
)

N = 150


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(11)
    ids = np.repeat([1, 2, 3, 4], N)
    recency = np.concatenate(
        [
            rng.uniform(1, 25, N),
            rng.uniform(260, 600, N),
            rng.uniform(40, 200, N),
            rng.uniform(40, 200, N),
        ]
    )
    frequency = np.concatenate([rng.integers(12, 41, N), rng.integers(1, 9, 3 * N)])
    country = np.concatenate(
        [
            rng.choice(["DE", "FR", "GB"], 2 * N),
            np.full(N, "DE"),
            rng.choice(["FR", "GB"], N),
        ]
    )
    features = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(4 * N)],
            "recency_days": recency,
            "frequency": frequency,
            "country": country,
            "noise": rng.normal(size=4 * N),
        }
    )
    order = rng.permutation(4 * N)  # no segment sits in a block of rows
    return features.iloc[order].reset_index(drop=True), ids[order]


COLUMNS = ["recency_days", "frequency", "country", "noise"]


def _measure(rule: SegmentRule, features: pd.DataFrame, ids: np.ndarray) -> tuple[float, float]:
    """Precision and recall of a rule, evaluated independently of the module."""
    ops = {
        "≤": lambda col, t: col <= t,
        "<": lambda col, t: col < t,
        ">": lambda col, t: col > t,
        "≥": lambda col, t: col >= t,
        "=": lambda col, t: col == t,
        "≠": lambda col, t: col != t,
    }
    mask = pd.Series(True, index=features.index)
    for c in rule.conditions:
        mask &= ops[c.op](features[c.feature], c.threshold)
    target = ids == rule.segment
    hits = int((mask.to_numpy() & target).sum())
    return hits / int(mask.sum()), hits / int(target.sum())


def test_round_and_format() -> None:
    assert round_significant(0.04567) == 0.046
    assert round_significant(-1234.0) == -1200.0
    assert round_significant(1234.0, 3) == 1230.0
    assert round_significant(0.0) == 0.0
    assert format_number(12.0) == "12" and format_number(0.046) == "0.046"


def test_rule_text() -> None:
    assert rule_text([]) == "all customers"
    text = rule_text(
        [
            Condition("recency_days", ">", 40.0),
            Condition("country", "=", "DE"),
            Condition("recency_days", "≤", 200.0),
            Condition("plan", "≠", "basic"),
        ]
    )
    assert text == "40 < recency_days ≤ 200 and country = DE and plan ≠ basic"


def test_planted_rules_are_found(planted: tuple[pd.DataFrame, np.ndarray]) -> None:
    features, ids = planted
    rules = segment_rules(features, ids, columns=COLUMNS, max_depth=3)
    assert [r.segment for r in rules] == [1, 2, 3, 4]
    for rule in rules:
        assert rule.precision >= 0.95, rule
        assert rule.recall >= 0.9, rule
        assert rule.reliable and rule.size == N
        assert "noise" not in rule.text
    by_seg = {r.segment: r for r in rules}
    assert {c.feature for c in by_seg[2].conditions} == {"recency_days"}
    assert Condition("country", "=", "DE") in by_seg[3].conditions
    assert any(c.feature == "country" and c.op == "≠" for c in by_seg[4].conditions) or any(
        c.op == "=" and c.threshold in ("FR", "GB") for c in by_seg[4].conditions
    )


def test_precision_and_recall_are_measured_on_the_rule_as_written(
    planted: tuple[pd.DataFrame, np.ndarray],
) -> None:
    features, ids = planted
    for rule in segment_rules(features, ids, columns=COLUMNS, max_depth=2):
        precision, recall = _measure(rule, features, ids)
        assert rule.precision == pytest.approx(precision)
        assert rule.recall == pytest.approx(recall)
        assert rule.support == round(rule.recall * rule.size / rule.precision)


def test_thresholds_are_readable(planted: tuple[pd.DataFrame, np.ndarray]) -> None:
    features, ids = planted
    for rule in segment_rules(features, ids, columns=COLUMNS):
        for c in rule.conditions:
            if c.feature == "frequency":  # a count: whole numbers, ≤ / ≥
                assert float(c.threshold).is_integer() and c.op in ("≤", "≥")
            elif c.feature in ("recency_days", "noise"):
                t = float(c.threshold)
                assert t == round_significant(t, 3), c
                assert c.op in ("≤", ">")


def test_missing_numeric_value_satisfies_no_condition() -> None:
    f = pd.DataFrame({"spend": [10.0, 20.0, 30.0, np.nan, 500.0, 600.0, 700.0, 800.0]})
    ids = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    rules = {r.segment: r for r in segment_rules(f, ids, columns=["spend"], min_leaf_share=0.1)}
    assert rules[1].text == "spend ≤ 260"
    # The customer without a value is in segment 1 but not covered by the rule.
    assert rules[1].recall == pytest.approx(0.75) and rules[1].precision == 1.0


def test_deterministic_and_input_not_modified(planted: tuple[pd.DataFrame, np.ndarray]) -> None:
    features, ids = planted
    before, ids_before = features.copy(), ids.copy()
    a = segment_rules(features, ids, columns=COLUMNS, random_state=3)
    b = segment_rules(features, ids, columns=COLUMNS, random_state=3)
    assert a == b
    pd.testing.assert_frame_equal(features, before)
    np.testing.assert_array_equal(ids, ids_before)


def test_trees_fitted_on_a_sample_are_measured_on_everyone(
    planted: tuple[pd.DataFrame, np.ndarray],
) -> None:
    features, ids = planted
    rules = segment_rules(features, ids, columns=COLUMNS, max_fit_rows=200, random_state=1)
    for rule in rules:
        assert rule.size == N  # every customer of the segment, not the sampled ones
        precision, recall = _measure(rule, features, ids)
        assert (rule.precision, rule.recall) == pytest.approx((precision, recall))
        assert rule.precision >= 0.9


def test_single_segment_is_all_customers() -> None:
    f = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    (rule,) = segment_rules(f, np.array([1, 1, 1]), columns=["x"], min_leaf_share=0.1)
    assert rule.text == "all customers" and rule.precision == 1.0 and rule.recall == 1.0


def test_unreachable_precision_is_flagged() -> None:
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"x": rng.normal(size=400)})
    ids = rng.integers(1, 3, 400)  # segments unrelated to x
    rules = segment_rules(f, ids, columns=["x"], min_precision=0.95)
    assert not any(r.reliable for r in rules)


def test_errors(planted: tuple[pd.DataFrame, np.ndarray]) -> None:
    features, ids = planted
    with pytest.raises(SchemaError, match="'tier'"):
        segment_rules(features, ids, columns=["recency_days", "tier"])
    with pytest.raises(SchemaError, match="segment ids"):
        segment_rules(features, ids[:-1], columns=COLUMNS)


@pytest.mark.slow
def test_demo_rules_are_precise(tmp_path_factory: pytest.TempPathFactory) -> None:
    from user_segmentation.cluster import fit_kmeans
    from user_segmentation.config import load_config
    from user_segmentation.demo.generate import generate_demo
    from user_segmentation.demo.project import write_demo_project
    from user_segmentation.pipeline.run import prepare

    folder: Path = tmp_path_factory.mktemp("demo_rules")
    generate_demo(folder, 3000, seed=7)
    p = prepare(load_config(write_demo_project(folder)))
    ids = fit_kmeans(p.Z, 7, random_state=0).labels + 1
    rules = segment_rules(p.features, ids, columns=[*p.numeric, *p.categorical])
    assert len(rules) == 7
    for rule in rules:
        assert rule.precision >= 0.8, rule
        assert rule.recall >= 0.5, rule
