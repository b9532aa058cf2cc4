"""Defining traits and the generic rendering of JSON structures."""

from __future__ import annotations

import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.records import RunRecord
from user_segmentation.report import defining_traits, format_std_diff, format_trait
from user_segmentation.report.structure import format_scalar, to_html


def test_defining_traits_by_largest_standardised_difference(record: RunRecord) -> None:
    traits = defining_traits(record.profiles)
    names = {seg: [f for f, _ in items] for seg, items in traits.items()}
    # Segment 0: |std_diff| = .8, 2.0, 2.0, 1.0 -> the 2.0 tie keeps profile order.
    assert names[0] == ["frequency", "monetary", "<i>tenure</i>"]
    # Segment 1: .2, .4, 1.0, 2.0 (lift would put monetary first).
    assert names[1] == ["<i>tenure</i>", "monetary", "frequency"]
    # Segment 2: 1.4, 1.8, 1.4, 1.0 -> frequency, then the 1.4 tie in profile order.
    assert names[2] == ["frequency", "recency_days", "monetary"]
    # The value returned is std_diff itself, with its sign.
    assert traits[2] == [("frequency", -1.8), ("recency_days", 1.4), ("monetary", -1.4)]


def test_defining_traits_ignore_lift(record: RunRecord) -> None:
    # A huge lift (a feature with a mean near zero) does not make a trait by itself.
    profiles = record.profiles.copy()
    profiles.loc[profiles["feature"] == "recency_days", "lift"] = 1000.0
    assert defining_traits(profiles) == defining_traits(record.profiles)


def test_defining_traits_skip_missing_std_diff_and_keep_empty_segments() -> None:
    profiles = pd.DataFrame(
        {
            "segment_id": [0, 0, 0, 1],
            "feature": ["a", "b", "c", "a"],
            "std_diff": [float("nan"), -0.5, None, float("inf")],
        }
    )
    assert defining_traits(profiles, n=3) == {0: [("b", -0.5)], 1: []}


def test_defining_traits_need_std_diff(record: RunRecord) -> None:
    with pytest.raises(SchemaError, match=r"profiles.*std_diff"):
        defining_traits(record.profiles.drop(columns="std_diff"))


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1.8, 1, "+1.8 sd"),
        (-1.2, 1, "−1.2 sd"),  # a true minus sign, U+2212
        (2.0, 1, "+2.0 sd"),
        (-0.04, 1, "0.0 sd"),  # rounds to zero: no sign
        (-1.234, 2, "−1.23 sd"),
        (float("nan"), 1, "n/a"),
        (float("-inf"), 1, "n/a"),
    ],
)
def test_format_std_diff(value: float, digits: int, expected: str) -> None:
    assert format_std_diff(value, digits=digits) == expected


def test_format_trait() -> None:
    assert format_trait("frequency", 1.8) == "frequency +1.8 sd"
    assert format_trait("recency_days", -1.2) == "recency_days \N{MINUS SIGN}1.2 sd"


def test_mapping_of_mappings_becomes_a_table_with_nested_cells() -> None:
    quality = {
        "transactions": {"rows_read": 1200, "dropped": {"missing_id": 35}},
        "<attrs>": {"rows_read": 31, "coverage": 0.9667},
    }
    out = to_html(quality)
    assert out.startswith('<table class="data"><thead><tr><th></th><th>rows_read</th>')
    assert "<th>dropped</th><th>coverage</th>" in out
    assert '<th scope="row">&lt;attrs&gt;</th>' in out
    assert '<td class="num">1,200</td>' in out
    assert "<dl><dt>missing_id</dt><dd>35</dd></dl>" in out
    # A source without a column gets an empty cell rather than a shifted row.
    assert '<td class="num">31</td><td></td><td class="num">0.9667</td>' in out


def test_lists_and_scalars() -> None:
    assert to_html(["<a>", 2]) == "<ul><li>&lt;a&gt;</li><li>2</li></ul>"
    assert to_html([{"k": 2}, {"k": 3, "x": "y"}]).count("<tr>") == 3
    assert to_html({}) == "<em>none</em>"
    assert [format_scalar(v) for v in (None, False, 12345, 2.5, 12345.678, float("nan"))] == [
        "—",
        "no",
        "12,345",
        "2.5",
        "12,345.7",
        "—",
    ]


def test_deep_nesting_is_cut_off_not_recursed_forever() -> None:
    value: dict = {}
    node = value
    for _ in range(50):
        node["x"] = {}
        node = node["x"]
    assert "<code>" in to_html(value)
