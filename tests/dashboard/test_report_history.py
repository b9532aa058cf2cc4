"""The figures the dashboard adds to the report package: history (migration, sizes, drift) and
the customer map. Built on the hand-made runs of ``conftest.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.report.explore import customer_map_figure, key_features
from user_segmentation.report.figures import segment_sizes_figure
from user_segmentation.report.history import (
    drift_figure,
    drift_indicators,
    drift_table,
    migration_sankey_figure,
    segment_sizes_over_runs_figure,
    size_history,
)
from user_segmentation.report.labels import segment_labels
from user_segmentation.track import DriftThresholds, transition_matrix

from .conftest import NAMES, PSI, RUN1_MEMBERS, RUN2_MEMBERS, TRANSITIONS, make_run

COLUMNS = ["customer_id", "segment_id"]


@pytest.fixture(scope="module")
def runs():  # type: ignore[no-untyped-def]
    return make_run(RUN1_MEMBERS, update=False), make_run(RUN2_MEMBERS, update=True)


def _sankey(runs, **kwargs):  # type: ignore[no-untyped-def]
    one, two = runs
    counts = transition_matrix(one.assignments[COLUMNS], two.assignments[COLUMNS]).counts
    assert counts.to_numpy().tolist() == TRANSITIONS  # the module text of conftest.py
    return migration_sankey_figure(
        counts,
        segment_labels(one.segments),
        segment_labels(two.segments),
        run_from=1,
        run_to=2,
        **kwargs,
    )


def test_sankey_links_are_the_transition_counts(runs) -> None:  # type: ignore[no-untyped-def]
    sankey = _sankey(runs).data[0]
    nodes = list(sankey.node.label)
    assert nodes == [*NAMES.values(), "new customers", *NAMES.values(), "left the base"]
    links = {
        (nodes[s], t - 4, v)
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)
    }
    # Right-hand nodes 4..7 are segments 1, 2, 3 and "left the base".
    expected = set()
    for i, row in enumerate(TRANSITIONS):
        for j, count in enumerate(row):
            if count:
                expected.add((nodes[i], j, count))
    assert links == expected
    assert sum(sankey.link.value) == 118 + 4  # every customer of either run, once


def test_sankey_without_stayers_draws_only_moves(runs) -> None:  # type: ignore[no-untyped-def]
    fig = _sankey(runs, include_stayed=False)
    assert sorted(fig.data[0].link.value) == [2, 3, 4, 5]
    assert "14 changed segment, arrived or left" in fig.layout.title.text


def test_sankey_with_no_move_says_so() -> None:
    counts = pd.DataFrame(
        [[4, 0, 0], [0, 0, 0]],
        index=pd.Index([1, "new"], dtype=object),
        columns=pd.Index([1, 2, "gone"], dtype=object),
    )
    fig = migration_sankey_figure(counts, {1: "A"}, {1: "A"}, include_stayed=False)
    assert list(fig.data[0].link.value) == []
    assert fig.layout.annotations[0].text == "no customer changed segment, arrived or left"


def test_sankey_colours_match_the_later_runs_figures() -> None:
    counts = pd.DataFrame(
        [[2, 0, 1], [0, 3, 0], [0, 1, 0]],
        index=pd.Index([1, 2, "new"], dtype=object),
        columns=pd.Index([2, 5, "gone"], dtype=object),
    )
    later = pd.DataFrame({"segment_id": [2, 5], "name": ["B", "E"]})
    fig = migration_sankey_figure(counts, {}, segment_labels(later))
    colour = dict(zip(fig.data[0].node.label, fig.data[0].node.color, strict=True))
    sizes = segment_sizes_figure(later.assign(size=[1, 1], share=[0.5, 0.5]))
    assert [colour["B"], colour["E"]] == list(sizes.data[0].marker.color)


def test_sankey_refuses_a_fractional_count() -> None:
    counts = pd.DataFrame([[1.5]], index=pd.Index([1], dtype=object), columns=[1])
    with pytest.raises(SchemaError, match=r"from 1 to 1 is 1\.5"):
        migration_sankey_figure(counts, {}, {})


def test_sankey_escapes_segment_names() -> None:
    counts = pd.DataFrame([[3]], index=pd.Index([1], dtype=object), columns=[1])
    fig = migration_sankey_figure(counts, {1: "<b>VIP</b>"}, {1: "<b>VIP</b>"})
    assert list(fig.data[0].node.label) == ["&lt;b&gt;VIP&lt;/b&gt;"] * 2


def test_size_history_and_its_figure(runs) -> None:  # type: ignore[no-untyped-def]
    one, two = runs
    history = size_history({2: two.segments, 1: one.segments})
    assert history[["run_id", "segment_id", "size"]].values.tolist() == [
        [1, 1, 60],
        [1, 2, 50],
        [1, 3, 8],
        [2, 1, 62],
        [2, 2, 50],
        [2, 3, 8],
    ]
    fig = segment_sizes_over_runs_figure(history, measure="size")
    assert [t.name for t in fig.data] == list(NAMES.values())
    assert [list(t.y) for t in fig.data] == [[60, 62], [50, 50], [8, 8]]
    assert list(fig.data[0].x) == ["run 1", "run 2"]
    shares = segment_sizes_over_runs_figure(history)
    assert shares.data[0].y == pytest.approx((60 / 118, 62 / 120))


def test_a_segment_born_later_has_no_point_before(runs) -> None:  # type: ignore[no-untyped-def]
    one, _ = runs
    born = pd.DataFrame(
        {"segment_id": [1, 4], "name": ["Loyal", "New kind"], "size": [5, 5], "share": [0.5, 0.5]}
    )
    history = size_history({1: one.segments, 2: born})
    fig = segment_sizes_over_runs_figure(history, measure="size")
    by_name = {t.name: list(t.y) for t in fig.data}
    assert by_name["New kind"] == [None, 5]
    assert by_name["Dormant"] == [8, None]


def test_size_history_names_a_broken_table() -> None:
    with pytest.raises(SchemaError, match="run 4 segments"):
        size_history({4: pd.DataFrame({"segment_id": [1]})})
    with pytest.raises(ValueError, match="measure"):
        segment_sizes_over_runs_figure(size_history({}), measure="revenue")  # type: ignore[arg-type]


def test_drift_table_reads_psi_levels(runs) -> None:  # type: ignore[no-untyped-def]
    _, two = runs
    table = drift_table(two.meta["update"])
    assert table.values.tolist() == [
        ["spend", "numeric", PSI["spend"], "major"],
        ["visits", "numeric", PSI["visits"], "moderate"],
        ["plan", "numeric", PSI["plan"], "stable"],
    ]
    strict = drift_table(two.meta["update"], DriftThresholds(psi_moderate=0.01, psi_major=0.05))
    assert strict["level"].tolist() == ["major", "major", "moderate"]
    assert drift_table(None).empty


def test_drift_figure_bars_and_levels(runs) -> None:  # type: ignore[no-untyped-def]
    _, two = runs
    fig = drift_figure(drift_table(two.meta["update"]))
    assert list(fig.data[0].x) == [0.31, 0.12, 0.02]
    assert list(fig.data[0].marker.color) == ["#d62728", "#ff7f0e", "#2ca02c"]
    assert sorted(shape.x0 for shape in fig.layout.shapes) == [0.1, 0.25]
    empty = drift_figure(drift_table(None))
    assert "not made by an update" in empty.layout.annotations[0].text


def test_drift_indicators_against_their_thresholds(runs) -> None:  # type: ignore[no-untyped-def]
    _, two = runs
    table = drift_indicators(two.meta["update"])
    assert table.values.tolist() == [
        ["largest feature PSI (spend)", 0.31, 0.25, True],
        ["total shift of segment shares", 0.04, 0.1, False],
        ["fall of the median margin", 0.02, 0.25, False],
        ["customers far from every segment", 0.01, 0.05, False],
    ]
    assert drift_indicators(None).empty


def test_key_features_skip_levels(runs) -> None:  # type: ignore[no-untyped-def]
    one, _ = runs
    numeric = one.profiles[~one.profiles["feature"].str.contains("=")]
    strength = numeric.assign(s=numeric["std_diff"].abs()).groupby("feature")["s"].max()
    assert key_features(one.profiles, 2) == list(strength.sort_values(ascending=False).index)
    assert key_features(one.profiles, 5) == key_features(one.profiles, 2)  # plan=... skipped


@pytest.mark.parametrize("dimensions", [2, 3])
def test_customer_map_hover_shows_id_segment_and_values(runs, dimensions: int) -> None:  # type: ignore[no-untyped-def]
    one, _ = runs
    points = one.assignments.merge(one.customers, on="customer_id")
    fig = customer_map_figure(points, one.segments, dimensions=dimensions, hover=["spend", "plan"])  # type: ignore[arg-type]
    assert [t.type for t in fig.data] == ["scattergl" if dimensions == 2 else "scatter3d"] * 3
    assert [t.name for t in fig.data] == list(NAMES.values())
    first = fig.data[0].customdata[0]
    assert list(first) == ["C001", "Loyal", "501", "gold"]
    assert "spend: %{customdata[2]}" in fig.data[0].hovertemplate
    assert len(fig.data[2].x) == 8
    if dimensions == 3:
        assert fig.layout.scene.zaxis.title.text == "principal component 3"
        named = customer_map_figure(
            points, one.segments, dimensions=3, explained_variance=[0.6, 0.3, 0.1]
        )
        assert named.layout.scene.zaxis.title.text == "principal component 3 (10.0% of variance)"


def test_customer_map_samples_large_bases_and_says_so(runs) -> None:  # type: ignore[no-untyped-def]
    one, _ = runs
    fig = customer_map_figure(one.assignments, one.segments, max_points=59)
    assert sum(len(t.x) for t in fig.data) == 59
    assert "59 of 118 shown (stratified sample)" in fig.layout.title.text
    # Every segment keeps a point, even the 8-customer one.
    assert all(len(t.x) >= 1 for t in fig.data)
    again = customer_map_figure(one.assignments.iloc[::-1], one.segments, max_points=59)
    assert [sorted(t.customdata[:, 0]) for t in fig.data] == [
        sorted(t.customdata[:, 0]) for t in again.data
    ]


def test_customer_map_draws_a_missing_component_at_zero(runs) -> None:  # type: ignore[no-untyped-def]
    one, _ = runs
    flat = one.assignments.assign(pc3=np.nan)
    fig = customer_map_figure(flat, one.segments, dimensions=3)
    assert set(fig.data[0].z) == {0.0}
    assert "not available" in fig.layout.scene.zaxis.title.text
    with pytest.raises(ValueError, match="dimensions"):
        customer_map_figure(flat, one.segments, dimensions=4)  # type: ignore[arg-type]


def test_customer_map_hides_who_is_in_a_small_segment(runs) -> None:  # type: ignore[no-untyped-def]
    one, _ = runs
    points = one.assignments.merge(one.customers, on="customer_id")
    fig = customer_map_figure(points, one.segments, hover=["spend"], private_segments=[3])
    dormant = fig.data[2]
    assert dormant.name == "Dormant" and len(dormant.x) == 8  # still drawn
    assert {tuple(row) for row in dormant.customdata} == {
        ("hidden (small segment)", "Dormant", "hidden")
    }
    text = fig.to_json()
    assert not any(f"C{i:03d}" in text for i in range(111, 119))
    assert fig.data[0].customdata[0][0] == "C001"  # other segments unchanged
