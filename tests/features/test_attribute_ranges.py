"""Declared valid ranges of numeric attributes: out-of-range values made missing and counted."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import DataQualityError, SchemaError
from user_segmentation.features.attributes import RANGE_EXAMPLES, apply_ranges, describe_range
from user_segmentation.features.table import FeatureSpec, build_feature_table
from user_segmentation.integrate.combine import Integrated

AS_OF = datetime(2024, 1, 31)


def _table() -> pd.DataFrame:
    # Rows deliberately not in id order: examples and errors follow the ids, not the rows.
    return pd.DataFrame(
        {
            "customer_id": ["e", "a", "c", "b", "d", "f"],
            "age": [250.0, 41.0, -3.0, np.nan, 120.0, 0.0],
            "income": [10.0, 2000.0, 5.0, 1e9, np.nan, 300.0],
        }
    )


def test_values_below_and_above_become_missing_and_are_counted() -> None:
    table = _table()
    out, report = apply_ranges(table, {"age": (0, 120)})
    assert out["age"].isna().tolist() == [True, False, True, True, False, False]
    assert out["income"].equals(table["income"])  # no range declared: untouched
    age = report["age"]
    assert age["count"] == 2
    assert age["share"] == round(2 / 6, 4)
    assert age["range"] == [0, 120]
    assert age["policy"] == "missing"
    assert age["examples"] == [
        {"customer_id": "c", "value": -3.0},
        {"customer_id": "e", "value": 250.0},
    ]


def test_bounds_are_in_range() -> None:
    out, report = apply_ranges(_table(), {"age": (0, 120)})
    assert out.set_index("customer_id").loc[["d", "f"], "age"].tolist() == [120.0, 0.0]
    assert {e["customer_id"] for e in report["age"]["examples"]} == {"c", "e"}


def test_missing_values_stay_missing_and_are_not_counted() -> None:
    out, report = apply_ranges(_table(), {"age": (0, 120), "income": (0, 1e6)})
    assert pd.isna(out.set_index("customer_id").loc["b", "age"])
    assert report["age"]["count"] == 2  # b's NaN is not one of them
    assert report["income"]["count"] == 1  # b's 1e9; d's NaN is not counted
    assert report["income"]["examples"] == [{"customer_id": "b", "value": 1e9}]


def test_an_open_bound_checks_one_side_only() -> None:
    below, low_report = apply_ranges(_table(), {"age": (0, None)})
    assert low_report["age"]["count"] == 1
    assert low_report["age"]["range"] == [0, None]
    assert below.set_index("customer_id").loc["e", "age"] == 250.0
    above, high_report = apply_ranges(_table(), {"age": (None, 120)})
    assert high_report["age"]["count"] == 1
    assert above.set_index("customer_id").loc["c", "age"] == -3.0


def test_a_range_nothing_falls_outside_is_reported_with_zero() -> None:
    out, report = apply_ranges(_table(), {"income": (0, None)})
    assert report["income"] == {
        "range": [0, None],
        "count": 0,
        "share": 0.0,
        "policy": "missing",
        "examples": [],
    }
    pd.testing.assert_frame_equal(out, _table())


def test_the_input_is_not_modified() -> None:
    table = _table()
    before = table.copy()
    apply_ranges(table, {"age": (0, 120)})
    pd.testing.assert_frame_equal(table, before)


def test_examples_are_capped() -> None:
    n = RANGE_EXAMPLES + 3
    table = pd.DataFrame({"customer_id": [f"c{i:02d}" for i in range(n)], "x": [-1.0] * n})
    _, report = apply_ranges(table, {"x": (0, None)})
    assert report["x"]["count"] == n
    assert report["x"]["share"] == 1.0
    assert [e["customer_id"] for e in report["x"]["examples"]] == [
        f"c{i:02d}" for i in range(RANGE_EXAMPLES)
    ]


def test_infinite_values_outside_a_bound_are_out_of_range() -> None:
    table = pd.DataFrame({"customer_id": ["a", "b"], "x": [np.inf, 1.0]})
    out, report = apply_ranges(table, {"x": (None, 10)})
    assert report["x"]["count"] == 1
    assert out["x"].isna().tolist() == [True, False]


def test_policy_error_names_column_customer_value_and_range() -> None:
    with pytest.raises(DataQualityError) as err:
        apply_ranges(_table(), {"age": (0, 120)}, policy="error")
    msg = str(err.value)
    assert "column 'age'" in msg
    assert "customer 'c'" in msg  # the first by id, not by row
    assert ": -3 is outside the declared range [0, 120]" in msg
    assert "2 such value(s)" in msg


def test_policy_error_passes_when_every_value_is_in_range() -> None:
    out, report = apply_ranges(_table(), {"age": (-10, 300)}, policy="error")
    assert report["age"]["count"] == 0
    pd.testing.assert_frame_equal(out, _table())


def test_range_of_an_unknown_or_text_column_is_refused() -> None:
    with pytest.raises(SchemaError, match="column 'height'"):
        apply_ranges(_table(), {"height": (0, 3)})
    text = pd.DataFrame({"customer_id": ["a"], "plan": ["gold"]})
    with pytest.raises(SchemaError, match="'plan', which is not numeric"):
        apply_ranges(text, {"plan": (0, 3)})


def test_describe_range() -> None:
    assert describe_range(0, 120) == "[0, 120]"
    assert describe_range(-0.5, None) == "[-0.5, inf)"
    assert describe_range(None, 1e20) == "(-inf, 1e+20]"


def _integrated(age: list[object]) -> Integrated:
    ids = [f"c{i}" for i in range(1, len(age) + 1)]
    return Integrated(customers=pd.DataFrame({"customer_id": ids, "age": age}))


def test_feature_table_applies_ranges_after_parsing_text_numbers() -> None:
    data = _integrated(["41", " 250 ", "-3", "", "120"])
    spec = FeatureSpec(as_of=AS_OF, numeric=("age",), ranges={"age": (0.0, 120.0)})
    table, info = build_feature_table(data, spec)
    assert table["age"].tolist()[::4] == [41.0, 120.0]
    assert table["age"].isna().sum() == 3  # the blank one and the two out of range
    assert info["out_of_range"]["age"]["count"] == 2
    assert [e["value"] for e in info["out_of_range"]["age"]["examples"]] == [250.0, -3.0]


def test_feature_table_without_ranges_reports_none() -> None:
    _, info = build_feature_table(
        _integrated(["41", "250"]), FeatureSpec(as_of=AS_OF, numeric=("age",))
    )
    assert "out_of_range" not in info


def test_feature_table_policy_error() -> None:
    spec = FeatureSpec(
        as_of=AS_OF, numeric=("age",), ranges={"age": (0.0, 120.0)}, out_of_range="error"
    )
    with pytest.raises(DataQualityError, match="customer 'c2': 250 is outside"):
        build_feature_table(_integrated(["41", "250"]), spec)
