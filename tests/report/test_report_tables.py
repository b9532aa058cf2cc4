"""Defining traits and the generic rendering of JSON structures."""

from __future__ import annotations

import pandas as pd

from user_segmentation.report import defining_traits
from user_segmentation.report.structure import format_scalar, to_html
from user_segmentation.store.records import RunRecord


def test_defining_traits_by_distance_from_one(record: RunRecord) -> None:
    traits = defining_traits(record.profiles)
    names = {seg: [f for f, _ in items] for seg, items in traits.items()}
    # Segment 0: |lift-1| = .667, 1.0, 1.0, .25 -> the 1.0 tie keeps profile order.
    assert names[0] == ["frequency", "monetary", "recency_days"]
    # Segment 1: .167, .2, .5, .5.
    assert names[1] == ["monetary", "<i>tenure</i>", "frequency"]
    # Segment 2: 1.167, .9, .7, .25.
    assert names[2] == ["recency_days", "frequency", "monetary"]
    assert traits[2][0][1] == 130 / 60


def test_defining_traits_skip_missing_lift_and_keep_empty_segments() -> None:
    profiles = pd.DataFrame(
        {
            "segment_id": [0, 0, 1],
            "feature": ["a", "b", "a"],
            "lift": [float("nan"), 1.5, float("inf")],
        }
    )
    assert defining_traits(profiles, n=3) == {0: [("b", 1.5)], 1: []}


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
