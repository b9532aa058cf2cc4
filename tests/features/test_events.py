"""Per-customer aggregates of event tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.features.events import event_features


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["b", "a", "a", "a"],
            "sessions": [1, 2, 3, 4],
            "rating": [2.0, 4.0, np.nan, 5.0],
        }
    )


def test_sums_means_and_counts() -> None:
    out = event_features(
        _events(), source="web", sum_columns=["sessions"], mean_columns=["rating"], count_as="n"
    )
    assert list(out.columns) == ["customer_id", "sessions", "mean_rating", "n"]
    assert out["customer_id"].tolist() == ["a", "b"]
    assert out["sessions"].tolist() == [9.0, 1.0]
    # A missing rating is left out of the mean, not counted as 0.
    assert out["mean_rating"].tolist() == [4.5, 2.0]
    assert out["n"].tolist() == [3, 1]
    assert out["customer_id"].dtype == "string"


def test_numbers_written_as_text_are_accepted() -> None:
    ev = pd.DataFrame({"customer_id": ["a", "a"], "sessions": ["2", " 3.5"]})
    out = event_features(ev, source="web", sum_columns=["sessions"])
    assert out["sessions"].tolist() == [5.5]


def test_other_customer_column_name() -> None:
    ev = pd.DataFrame({"cid": ["x", "x"], "v": [1, 2]})
    out = event_features(ev, source="web", sum_columns=["v"], customer="cid")
    assert out.columns.tolist() == ["customer_id", "v"]
    assert out.iloc[0].tolist() == ["x", 3.0]


def test_count_only() -> None:
    out = event_features(_events(), source="support", count_as="tickets")
    assert out.to_dict("list") == {"customer_id": ["a", "b"], "tickets": [3, 1]}


@pytest.mark.parametrize(
    ("values", "row", "value"),
    [(["1", "2", "x7", "4"], 3, "x7"), ([1, "oops", 3, "bad"], 2, "oops")],
)
def test_non_numeric_value_names_column_row_and_value(
    values: list[object], row: int, value: str
) -> None:
    ev = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "sessions": values})
    with pytest.raises(SchemaError) as err:
        event_features(ev, source="web", sum_columns=["sessions"])
    msg = str(err.value)
    assert "'web'" in msg
    assert "column 'sessions'" in msg
    assert f"row {row}" in msg
    assert repr(value) in msg


def test_non_numeric_value_in_a_mean_column_is_refused() -> None:
    ev = pd.DataFrame({"customer_id": ["a"], "rating": ["good"]})
    with pytest.raises(SchemaError, match="column 'rating', row 1: 'good'"):
        event_features(ev, source="support", mean_columns=["rating"])


def test_missing_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"'web'.*\['clicks'\]"):
        event_features(_events(), source="web", sum_columns=["clicks"])


def test_input_not_mutated() -> None:
    ev = _events()
    before = ev.copy()
    event_features(ev, source="web", sum_columns=["sessions"], mean_columns=["rating"])
    pd.testing.assert_frame_equal(ev, before)
