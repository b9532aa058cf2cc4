"""Transition matrix and per-customer moves between two runs."""

from __future__ import annotations

import pandas as pd
import pytest

from user_segmentation.errors import DataQualityError, SchemaError
from user_segmentation.track import GONE, NEW, moves, transition_matrix

# Six customers over two runs: a stays in 1, b moves 1 → 2, c stays in 2, d moves 2 → 3,
# e (segment 3) is gone, f is new in segment 3.
PREVIOUS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e"],
        "segment_id": [1, 1, 2, 2, 3],
        "monetary": [10.0, 20.0, 30.0, 40.0, 50.0],
    }
)
CURRENT = pd.DataFrame(
    {
        "customer_id": ["f", "d", "c", "b", "a"],  # order does not matter
        "segment_id": [3, 3, 2, 2, 1],
        "monetary": [60.0, 41.0, 31.0, 21.0, 11.0],
    }
)


def test_transition_counts_on_six_customers() -> None:
    before = (PREVIOUS.copy(), CURRENT.copy())
    counts = transition_matrix(PREVIOUS, CURRENT).counts
    assert counts.index.tolist() == [1, 2, 3, NEW]
    assert counts.columns.tolist() == [1, 2, 3, GONE]
    assert counts.to_numpy().tolist() == [
        [1, 1, 0, 0],  # from 1: a stayed, b → 2
        [0, 1, 1, 0],  # from 2: c stayed, d → 3
        [0, 0, 0, 1],  # from 3: e gone
        [0, 0, 1, 0],  # new: f → 3
    ]
    assert int(counts.to_numpy().sum()) == 6
    pd.testing.assert_frame_equal(PREVIOUS, before[0])
    pd.testing.assert_frame_equal(CURRENT, before[1])


def test_transition_value_sums_current_value_and_the_gone_customers_last_value() -> None:
    matrix = transition_matrix(PREVIOUS, CURRENT, value="monetary")
    assert matrix.value is not None
    assert matrix.value.loc[1, 1] == 11.0
    assert matrix.value.loc[1, 2] == 21.0
    assert matrix.value.loc[2, 3] == 41.0
    assert matrix.value.loc[3, GONE] == 50.0  # e's value from the previous run
    assert matrix.value.loc[NEW, 3] == 60.0
    assert matrix.value.to_numpy().sum() == pytest.approx(11 + 21 + 31 + 41 + 50 + 60)
    assert transition_matrix(PREVIOUS, CURRENT).value is None


def test_a_segment_only_in_one_run_gets_a_row_and_a_column() -> None:
    current = pd.DataFrame({"customer_id": ["a"], "segment_id": [7]})
    counts = transition_matrix(PREVIOUS.iloc[:1], current).counts
    assert counts.index.tolist() == [1, 7, NEW]
    assert counts.loc[1, 7] == 1


def test_moves_lists_changed_customers() -> None:
    out = moves(PREVIOUS, CURRENT)
    assert out.columns.tolist() == ["customer_id", "from_segment", "to_segment"]
    assert out.to_dict("list") == {
        "customer_id": ["b", "d"],
        "from_segment": [1, 2],
        "to_segment": [2, 3],
    }
    assert str(out["from_segment"].dtype) == "Int64"


def test_moves_can_include_new_and_gone_customers() -> None:
    out = moves(PREVIOUS, CURRENT, include_new_and_gone=True)
    assert out["customer_id"].tolist() == ["b", "d", "e", "f"]
    assert out["from_segment"].isna().tolist() == [False, False, False, True]
    assert out["to_segment"].isna().tolist() == [False, False, True, False]


def test_no_moves_gives_an_empty_table() -> None:
    out = moves(PREVIOUS, PREVIOUS)
    assert out.empty
    assert out.columns.tolist() == ["customer_id", "from_segment", "to_segment"]


@pytest.mark.parametrize(
    ("previous", "error", "message"),
    [
        (
            pd.DataFrame({"customer_id": ["a", "a"], "segment_id": [1, 2]}),
            DataQualityError,
            r"previous assignments: customer id\(s\) \['a'\] appear more than once",
        ),
        (
            pd.DataFrame({"customer_id": ["a"]}),
            SchemaError,
            r"previous assignments: missing column\(s\) \['segment_id'\]",
        ),
        (
            pd.DataFrame({"customer_id": ["a", None], "segment_id": [1, 2]}),
            DataQualityError,
            "row 2 has no customer_id",
        ),
        (
            pd.DataFrame({"customer_id": ["a", "b"], "segment_id": [1, 1.5]}),
            DataQualityError,
            r"customer 'b' \(row 2\) has segment_id 1\.5",
        ),
        (
            pd.DataFrame({"customer_id": [1, 2], "segment_id": [1, 2]}),
            SchemaError,
            "read ids as text",
        ),
    ],
)
def test_bad_assignments_are_refused_with_a_clear_message(
    previous: pd.DataFrame, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        transition_matrix(previous, CURRENT)
    with pytest.raises(error, match=message):
        moves(previous, CURRENT)


def test_a_bad_value_column_is_refused() -> None:
    with pytest.raises(SchemaError, match="value column 'spend' is in neither"):
        transition_matrix(PREVIOUS, CURRENT, value="spend")
    bad = CURRENT.assign(monetary=["60", "x", "31", "21", "11"])
    with pytest.raises(DataQualityError, match="column 'monetary', row 2: 'x' is not a number"):
        transition_matrix(PREVIOUS, bad, value="monetary")
