"""Figures of the variables: distributions, the explorer, the radar and the pair comparison.

Built on the hand-made run of ``conftest.py``: 30 customers whose segment means are
recency_days 20 / 50 / 130, frequency 10 / 4 / 0.5, monetary 600 / 150 / 90 and
<i>tenure</i> 30 / 12 / 30, and a categorical ``plan`` (segment 0: 9 gold, 3 basic;
segment 1: 8 basic, 2 of the hostile level; segment 2: 6 basic, 2 hostile).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.profile.compare import compare_segments
from user_segmentation.records import RunRecord
from user_segmentation.report.figures import pca_scatter_figure
from user_segmentation.report.variables import (
    MAX_LEVELS,
    OTHER_LEVEL,
    comparison_figure,
    distribution_figure,
    radar_figure,
    variable_explorer_figure,
    variable_kinds,
)

from .conftest import EVIL_LEVEL, FEATURES, SEGMENT_MEANS

NAMES = ["Loyal big spenders", "&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters", "Dormant"]


def _ids(record: RunRecord) -> np.ndarray:
    return record.assignments["segment_id"].to_numpy()


def test_variable_kinds() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["a"],
            "spend": [1.0],
            "visits": [3],
            "plan": ["gold"],
            "member": [True],
            "region": [7],
        }
    )
    stats = pd.DataFrame({"variable": ["region", "region"], "kind": ["categorical"] * 2})
    assert variable_kinds(customers, stats) == {
        "spend": "numeric",
        "visits": "numeric",
        "plan": "categorical",
        "member": "categorical",
        "region": "categorical",
    }
    assert variable_kinds(customers)["region"] == "numeric"


def test_box_figure_one_trace_per_segment_with_its_values(full_record: RunRecord) -> None:
    fig = distribution_figure(
        full_record.customers, _ids(full_record), full_record.segments, "monetary"
    )
    assert [t.type for t in fig.data] == ["box"] * 3
    assert [t.name for t in fig.data] == NAMES
    for trace, seg in zip(fig.data, (0, 1, 2), strict=True):
        assert np.mean(np.asarray(trace.y, dtype=float)) == pytest.approx(SEGMENT_MEANS[seg][2])
    assert fig.layout.title.text == "monetary by segment: all 30 customers shown"


def test_segment_colours_match_the_other_figures(full_record: RunRecord) -> None:
    fig = distribution_figure(
        full_record.customers, _ids(full_record), full_record.segments, "frequency"
    )
    pca = pca_scatter_figure(full_record.assignments, full_record.segments)
    assert [t.marker.color for t in fig.data] == [t.marker.color for t in pca.data]
    radar = radar_figure(full_record.statistics, full_record.segments)
    assert [t.line.color for t in radar.data[:3]] == [t.marker.color for t in pca.data]


@pytest.mark.parametrize(("kind", "trace_type"), [("violin", "violin"), ("histogram", "histogram")])
def test_other_kinds(full_record: RunRecord, kind: str, trace_type: str) -> None:
    fig = distribution_figure(
        full_record.customers, _ids(full_record), full_record.segments, "frequency", kind=kind
    )
    assert [t.type for t in fig.data] == [trace_type] * 3
    if kind == "histogram":
        assert fig.layout.barmode == "overlay"
        assert {t.histnorm for t in fig.data} == {"percent"}


def test_large_base_is_sampled_and_says_so(full_record: RunRecord) -> None:
    fig = distribution_figure(
        full_record.customers,
        _ids(full_record),
        full_record.segments,
        "monetary",
        max_points=10,
        random_state=3,
    )
    sizes = [len(t.y) for t in fig.data]
    assert sizes == [4, 3, 3]  # 12 : 10 : 8 of 30, in proportion
    assert "10 of 30 customers shown (stratified sample)" in fig.layout.title.text
    again = distribution_figure(
        full_record.customers,
        _ids(full_record),
        full_record.segments,
        "monetary",
        max_points=10,
        random_state=3,
    )
    assert [list(t.y) for t in again.data] == [list(t.y) for t in fig.data]


def test_missing_values_are_left_out_and_counted(full_record: RunRecord) -> None:
    customers = full_record.customers.copy()
    customers.loc[[0, 1], "monetary"] = np.nan
    fig = distribution_figure(customers, _ids(full_record), full_record.segments, "monetary")
    assert len(fig.data[0].y) == 10
    assert "2 without a value left out" in fig.layout.title.text


def test_categorical_variable_is_drawn_as_stacked_shares(full_record: RunRecord) -> None:
    fig = distribution_figure(
        full_record.customers, _ids(full_record), full_record.segments, "plan"
    )
    assert fig.layout.barmode == "stack"
    by_level = {t.name: list(t.y) for t in fig.data}
    # Levels by overall count: basic 17, gold 9, hostile 4.
    assert [t.name for t in fig.data] == ["basic", "gold", "&lt;img src=x onerror=alert(1)&gt;"]
    assert by_level["gold"] == pytest.approx([0.75, 0.0, 0.0])
    assert by_level["basic"] == pytest.approx([0.25, 0.8, 0.75])
    assert list(fig.data[0].x) == NAMES
    assert "all 30 customers" in fig.layout.title.text


def test_many_levels_are_pooled() -> None:
    n = MAX_LEVELS + 3
    customers = pd.DataFrame(
        {"customer_id": [str(i) for i in range(n)], "code": list("ABCDEFGHIJKLMNO")}
    )
    segments = pd.DataFrame({"segment_id": [0], "name": ["All"]})
    fig = distribution_figure(customers, [0] * n, segments, "code")
    assert len(fig.data) == MAX_LEVELS + 1
    assert fig.data[-1].name == OTHER_LEVEL
    assert fig.data[-1].y[0] == pytest.approx(3 / n)
    assert "the 3 rarest levels pooled" in fig.layout.title.text


def test_hostile_text_is_escaped(full_record: RunRecord) -> None:
    customers = full_record.customers.rename(columns={"plan": "<b>plan</b>"})
    fig = distribution_figure(customers, _ids(full_record), full_record.segments, "<b>plan</b>")
    text = fig.to_json()
    assert EVIL_LEVEL not in text
    assert "<b>plan" not in text
    assert "<b>Bargain" not in text


def test_distribution_errors(full_record: RunRecord) -> None:
    customers, ids, segments = full_record.customers, _ids(full_record), full_record.segments
    with pytest.raises(SchemaError, match=r"customers.*lacks column\(s\) \['visits'\]"):
        distribution_figure(customers, ids, segments, "visits")
    with pytest.raises(SchemaError, match="29 segment ids for 30 customers"):
        distribution_figure(customers, ids[:-1], segments, "monetary")
    with pytest.raises(ValueError, match="kind must be one of"):
        distribution_figure(customers, ids, segments, "monetary", kind="pie")  # type: ignore[arg-type]
    bad = customers.copy()
    bad.loc[3, "monetary"] = float("inf")
    with pytest.raises(SchemaError, match=r"'monetary' row 3: inf"):
        distribution_figure(bad, ids, segments, "monetary")


def test_explorer_has_every_numeric_variable_and_both_kinds(full_record: RunRecord) -> None:
    fig = variable_explorer_figure(full_record.customers, _ids(full_record), full_record.segments)
    dropdown, kinds = fig.layout.updatemenus
    assert [b.label for b in dropdown.buttons] == [
        "recency_days",
        "frequency",
        "monetary",
        "&lt;i&gt;tenure&lt;/i&gt;",
    ]
    assert len(fig.data) == 4 * 3
    assert [t.visible for t in fig.data] == [True] * 3 + [False] * 9
    # The third entry shows monetary's three traces only, and retitles the axis.
    visible = dropdown.buttons[2].args[0]["visible"]
    assert visible == [False] * 6 + [True] * 3 + [False] * 3
    assert dropdown.buttons[2].args[1]["yaxis.title.text"] == "monetary"
    assert [np.mean(np.asarray(fig.data[6 + s].y, dtype=float)) for s in range(3)] == (
        pytest.approx([600.0, 150.0, 90.0])
    )
    assert [b.label for b in kinds.buttons] == ["box", "violin"]
    assert [b.args[0]["type"] for b in kinds.buttons] == ["box", "violin"]
    assert {t.legendgroup for t in fig.data} == {"0", "1", "2"}


def test_explorer_embeds_one_bounded_sample(full_record: RunRecord) -> None:
    fig = variable_explorer_figure(
        full_record.customers, _ids(full_record), full_record.segments, max_points=6
    )
    per_variable = [sum(len(t.y) for t in fig.data[i : i + 3]) for i in range(0, 12, 3)]
    assert per_variable == [6, 6, 6, 6]
    assert "6 of 30 customers shown (stratified sample)" in fig.layout.title.text


def test_explorer_needs_a_numeric_variable(full_record: RunRecord) -> None:
    only_text = full_record.customers[["customer_id", "plan"]]
    with pytest.raises(SchemaError, match="no numeric variable"):
        variable_explorer_figure(only_text, _ids(full_record), full_record.segments)


def test_radar_from_statistics(full_record: RunRecord) -> None:
    fig = radar_figure(full_record.statistics, full_record.segments, n_features=3)
    assert [t.name for t in fig.data] == [*NAMES, "reference (0 sd)"]
    # Largest |std_diff| against the rest in any segment: <i>tenure</i> (segment 1, −9.76),
    # monetary (segment 0, +9.08), recency_days (segment 2, +5.34).
    theta = ["&lt;i&gt;tenure&lt;/i&gt;", "monetary", "recency_days"]
    assert list(fig.data[0].theta) == [*theta, theta[0]]
    stats = full_record.statistics.set_index(["segment_id", "feature"])["std_diff"]
    expected = [stats[(1, f)] for f in ["<i>tenure</i>", "monetary", "recency_days"]]
    assert list(fig.data[1].r) == pytest.approx([*expected, expected[0]])
    assert set(fig.data[3].r) == {0.0}
    assert "rest of the base" in fig.layout.title.text


def test_radar_from_profiles_with_chosen_segments_and_features(record: RunRecord) -> None:
    fig = radar_figure(
        record.profiles, record.segments, segment_ids=[2], features=["frequency", "monetary"]
    )
    assert [t.name for t in fig.data] == ["Dormant", "reference (0 sd)"]
    assert list(fig.data[0].r) == pytest.approx([-1.8, -1.4, -1.8])
    assert "average customer" in fig.layout.title.text
    # Dormant keeps its colour (third segment) even when drawn alone.
    assert fig.data[0].line.color == "#00CC96"


def test_radar_accepts_the_statistics_column_name(record: RunRecord) -> None:
    renamed = record.profiles.rename(columns={"segment_id": "segment"})
    assert len(radar_figure(renamed, record.segments).data) == 4


def test_radar_errors(record: RunRecord) -> None:
    with pytest.raises(SchemaError, match=r"segment\(s\) \[9\]"):
        radar_figure(record.profiles, record.segments, segment_ids=[9])
    with pytest.raises(SchemaError, match=r"feature\(s\) \['age'\]"):
        radar_figure(record.profiles, record.segments, features=["age"])
    with pytest.raises(SchemaError, match="std_diff"):
        radar_figure(record.profiles.drop(columns="std_diff"), record.segments)
    doubled = pd.concat([record.profiles, record.profiles.head(1)])
    with pytest.raises(SchemaError, match="more than one row for segment 0"):
        radar_figure(doubled, record.segments)


def test_comparison_figure_from_compare_segments(full_record: RunRecord) -> None:
    frame = compare_segments(
        full_record.customers, _ids(full_record), 0, 2, numeric=FEATURES, categorical=["plan"]
    )
    fig = comparison_figure(frame, "Loyal big spenders", "Dormant", colours=("#111", "#222"))
    bars = fig.data[0]
    assert list(bars.y)[:3] == ["frequency", "monetary", "recency_days"]
    assert list(bars.x) == pytest.approx(frame["effect"].dropna().tolist())
    assert [c == "#111" for c in bars.marker.color] == [x > 0 for x in bars.x]
    significant = frame.dropna(subset=["effect"])["significant"].tolist()
    assert [o == 1.0 for o in bars.marker.opacity] == significant
    assert "higher in Dormant" in fig.layout.xaxis.title.text


def test_comparison_figure_keeps_the_strongest_and_escapes() -> None:
    frame = pd.DataFrame(
        {
            "feature": ["a", "<b>b</b>", "c"],
            "effect": [0.1, -2.0, float("nan")],
            "p_adjusted": [0.5, 0.01, float("nan")],
        }
    )
    fig = comparison_figure(frame, "<i>one</i>", "two", n_features=1)
    assert list(fig.data[0].y) == ["&lt;b&gt;b&lt;/b&gt;"]
    assert "<i>one" not in fig.to_json()


def test_comparison_figure_of_nothing_says_so() -> None:
    frame = pd.DataFrame({"feature": [], "effect": []})
    fig = comparison_figure(frame, "A", "B")
    assert fig.layout.annotations[0].text == "no variable to compare"


def test_numeric_code_can_be_drawn_as_levels() -> None:
    customers = pd.DataFrame({"customer_id": list("abcd"), "region": [1, 1, 2, 2]})
    segments = pd.DataFrame({"segment_id": [0, 1], "name": ["A", "B"]})
    as_numbers = distribution_figure(customers, [0, 1, 0, 1], segments, "region")
    assert [t.type for t in as_numbers.data] == ["box", "box"]
    as_levels = distribution_figure(customers, [0, 1, 0, 1], segments, "region", categorical=True)
    assert [t.name for t in as_levels.data] == ["1", "2"]
    assert list(as_levels.data[0].y) == [0.5, 0.5]
