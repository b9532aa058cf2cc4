"""Figures of the report, checked against the hand-made run in conftest.py."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.records import RunRecord
from user_segmentation.report import (
    k_selection_figure,
    pca_scatter_figure,
    profile_heatmap_figure,
    segment_sizes_figure,
    stratified_sample,
)
from user_segmentation.report.labels import segment_labels

AXES = ["x", "x2", "x3", "x4"]
METRICS = ["inertia", "silhouette", "davies_bouldin", "calinski_harabasz"]
# The fixture's scores at k = 3, panel by panel.
AT_K3 = [70.0, 0.62, 0.55, 95.0]


def _named(fig, prefix):
    return [t for t in fig.data if (t.name or "").startswith(prefix)]


def _points(fig) -> int:
    return sum(len(t.x) for t in fig.data)


# --- k selection ---------------------------------------------------------------------------


def test_k_selection_has_one_curve_per_metric_on_its_own_panel(record: RunRecord) -> None:
    fig = k_selection_figure(record.k_scores, 3, 4)
    curves = [t for t in fig.data if t.name in METRICS]
    assert [t.name for t in curves] == METRICS
    assert [t.xaxis for t in curves] == AXES
    assert list(curves[0].x) == [2, 3, 4, 5, 6]
    assert list(curves[1].y) == [0.45, 0.62, 0.51, 0.44, 0.40]


def test_k_selection_marks_recommended_k_in_every_panel(record: RunRecord) -> None:
    fig = k_selection_figure(record.k_scores, 3, 4)
    markers = _named(fig, "recommended k = 3")
    assert [t.xaxis for t in markers] == AXES
    assert [list(t.x) for t in markers] == [[3]] * 4
    assert [t.y[0] for t in markers] == pytest.approx(AT_K3)
    lines = fig.layout.shapes
    assert sorted(s.xref for s in lines) == AXES
    assert all(s.x0 == 3 and s.x1 == 3 for s in lines)


def test_k_selection_marks_elbow_on_inertia_panel_only(record: RunRecord) -> None:
    fig = k_selection_figure(record.k_scores, 3, 4)
    elbow = _named(fig, "elbow")
    assert len(elbow) == 1
    assert elbow[0].xaxis == "x"
    assert (list(elbow[0].x), list(elbow[0].y)) == ([4], [40.0])
    assert _named(k_selection_figure(record.k_scores, 3, None), "elbow") == []


def test_k_selection_axis_titles(record: RunRecord) -> None:
    layout = k_selection_figure(record.k_scores, 3, 4).layout
    xaxes = [layout.xaxis, layout.xaxis2, layout.xaxis3, layout.xaxis4]
    yaxes = [layout.yaxis, layout.yaxis2, layout.yaxis3, layout.yaxis4]
    assert {a.title.text for a in xaxes} == {"number of segments k"}
    assert [a.title.text for a in yaxes] == [
        "inertia",
        "silhouette",
        "Davies-Bouldin index",
        "Calinski-Harabasz index",
    ]
    titles = [a.text for a in layout.annotations]
    assert any("higher is better" in t and "Silhouette" in t for t in titles)
    assert any("lower is better" in t and "Davies-Bouldin" in t for t in titles)


def test_k_selection_missing_score_keeps_line_but_drops_marker(record: RunRecord) -> None:
    scores = record.k_scores.copy()
    scores.loc[scores["k"] == 3, "silhouette"] = np.nan
    fig = k_selection_figure(scores, 3, 4)
    assert [t.xaxis for t in _named(fig, "recommended")] == ["x", "x3", "x4"]
    assert len(fig.layout.shapes) == 4
    assert fig.data[[t.name for t in fig.data].index("silhouette")].y[1] is None


def test_k_selection_does_not_mutate_and_rejects_missing_column(record: RunRecord) -> None:
    scores = record.k_scores.sample(frac=1, random_state=1)
    before = scores.copy()
    k_selection_figure(scores, 3, 4)
    pd.testing.assert_frame_equal(scores, before)
    with pytest.raises(SchemaError, match=r"k_scores.*davies_bouldin"):
        k_selection_figure(scores.drop(columns="davies_bouldin"), 3, 4)


# --- PCA scatter ---------------------------------------------------------------------------


def test_pca_scatter_small_run_shows_everyone(record: RunRecord) -> None:
    fig = pca_scatter_figure(record.assignments, record.segments)
    assert _points(fig) == 30
    assert "all 30 shown" in fig.layout.title.text
    assert [t.name for t in fig.data] == [
        "Loyal big spenders",
        "&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters",
        "Dormant",
    ]
    assert [len(t.x) for t in fig.data] == [12, 10, 8]


def test_pca_scatter_hover_shows_customer_and_segment(record: RunRecord) -> None:
    fig = pca_scatter_figure(record.assignments, record.segments)
    dormant = fig.data[2]
    assert "customdata[0]" in dormant.hovertemplate
    assert "customdata[1]" in dormant.hovertemplate
    ids = [row[0] for row in dormant.customdata]
    assert ids[0] == "C023"
    # Escaped so Plotly shows it literally instead of reading it as a tag.
    assert ids[-1] == "&lt;script&gt;alert('x')&lt;/script&gt;"
    assert {row[1] for row in dormant.customdata} == {"Dormant"}


def test_pca_scatter_samples_above_max_points_and_says_so(record: RunRecord) -> None:
    fig = pca_scatter_figure(record.assignments, record.segments, max_points=12)
    assert _points(fig) == 12
    assert "12 of 30 shown" in fig.layout.title.text
    # 12 of 30 in proportion to 12/10/8: 4.8, 4.0, 3.2 -> largest remainder gives 5, 4, 3.
    assert [len(t.x) for t in fig.data] == [5, 4, 3]


def test_pca_scatter_sample_is_seeded_and_ignores_row_order(record: RunRecord) -> None:
    def shown(frame: pd.DataFrame, seed: int) -> set[str]:
        fig = pca_scatter_figure(frame, record.segments, max_points=12, random_state=seed)
        return {row[0] for t in fig.data for row in t.customdata}

    first = shown(record.assignments, 0)
    assert shown(record.assignments, 0) == first
    assert shown(record.assignments.sample(frac=1, random_state=3), 0) == first
    assert any(shown(record.assignments, seed) != first for seed in (1, 2, 3))


def test_stratified_sample_keeps_every_segment_and_rejects_zero() -> None:
    frame = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(30)], "segment_id": [0] * 28 + [1, 2]}
    )
    sample = stratified_sample(frame, 5, random_state=0)
    assert len(sample) == 5
    assert sample["segment_id"].value_counts().sort_index().tolist() == [3, 1, 1]
    with pytest.raises(ValueError, match="max_points"):
        stratified_sample(frame, 0)


def test_pca_scatter_single_component_draws_on_zero(record: RunRecord) -> None:
    one_pc = record.assignments.assign(pc2=np.nan)
    fig = pca_scatter_figure(one_pc, record.segments, explained_variance=[0.9])
    assert all((np.asarray(t.y) == 0).all() for t in fig.data)
    assert "not available" in fig.layout.yaxis.title.text
    assert "90.0% of variance" in fig.layout.xaxis.title.text


# --- sizes ---------------------------------------------------------------------------------


def test_segment_sizes_bars_and_share_labels(record: RunRecord) -> None:
    fig = segment_sizes_figure(record.segments.iloc[::-1])
    (bar,) = fig.data
    assert bar.type == "bar"
    assert list(bar.y) == [12, 10, 8]
    assert list(bar.text) == ["40.0%", "33.3%", "26.7%"]
    assert list(bar.x) == [
        "Loyal big spenders",
        "&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters",
        "Dormant",
    ]


# --- profile heatmap -----------------------------------------------------------------------


def test_profile_heatmap_cells(record: RunRecord) -> None:
    fig = profile_heatmap_figure(record.profiles, record.segments)
    (heat,) = fig.data
    assert list(heat.x) == ["recency_days", "frequency", "monetary", "&lt;i&gt;tenure&lt;/i&gt;"]
    assert list(heat.y) == [
        "Loyal big spenders",
        "&lt;b&gt;Bargain&lt;/b&gt; &amp; hunters",
        "Dormant",
    ]
    # Colour is the standardised difference (conftest.py's second table), not lift.
    assert np.asarray(heat.z, dtype=float) == pytest.approx(
        np.array(
            [
                [-0.8, 2.0, 2.0, 1.0],
                [-0.2, -0.4, -1.0, -2.0],
                [1.4, -1.8, -1.4, 1.0],
            ]
        )
    )
    assert [list(row) for row in heat.text] == [
        ["20", "10", "600", "30"],
        ["50", "4", "150", "12"],
        ["130", "0.5", "90", "30"],
    ]


def test_profile_heatmap_scale_is_diverging_centred_at_zero(record: RunRecord) -> None:
    heat = profile_heatmap_figure(record.profiles, record.segments).data[0]
    assert heat.zmid == 0.0
    # Symmetric, spanning the largest |std_diff| of the run (2.0).
    assert (heat.zmin, heat.zmax) == (-2.0, 2.0)
    assert heat.colorscale[0][1] != heat.colorscale[-1][1]  # two different end colours


def test_profile_heatmap_scale_is_capped_and_floored(record: RunRecord) -> None:
    extreme = record.profiles.copy()
    extreme.loc[0, "std_diff"] = -9.0
    heat = profile_heatmap_figure(extreme, record.segments).data[0]
    assert (heat.zmin, heat.zmax) == (-2.5, 2.5)
    assert heat.z[0][0] == -9.0  # the value itself is kept; only the colour saturates
    mild = record.profiles.assign(std_diff=record.profiles["std_diff"] / 10)
    heat = profile_heatmap_figure(mild, record.segments).data[0]
    assert (heat.zmin, heat.zmax) == (-1.0, 1.0)


def test_profile_heatmap_hover_shows_mean_overall_mean_lift_and_std_diff(
    record: RunRecord,
) -> None:
    heat = profile_heatmap_figure(record.profiles, record.segments).data[0]
    for word in ("segment mean", "overall mean", "lift", "standardised difference"):
        assert word in heat.hovertemplate
    # Segment 2, recency_days: mean 130, overall mean 60, lift 130/60, std_diff +1.4.
    assert list(heat.customdata[2][0]) == ["130", "60", "2.17", "+1.40 sd"]
    # Segment 1, tenure: mean 12, overall 24, lift 0.5, std_diff −2.0.
    assert list(heat.customdata[1][3]) == ["12", "24", "0.50", "\N{MINUS SIGN}2.00 sd"]


def test_profile_heatmap_feature_order_follows_profiles(record: RunRecord) -> None:
    # Reordering rows so "monetary" appears first puts it first on the x axis.
    profiles = pd.concat(
        [record.profiles[record.profiles["feature"] == "monetary"], record.profiles]
    ).drop_duplicates(["segment_id", "feature"])
    fig = profile_heatmap_figure(profiles, record.segments)
    assert list(fig.data[0].x)[:2] == ["monetary", "recency_days"]


def test_profile_heatmap_blank_for_missing_std_diff_and_rejects_duplicates(
    record: RunRecord,
) -> None:
    profiles = record.profiles.copy()
    profiles.loc[0, "std_diff"] = math.nan  # a constant feature
    profiles.loc[1, "std_diff"] = math.inf
    profiles.loc[2, "lift"] = math.nan
    fig = profile_heatmap_figure(profiles, record.segments)
    heat = fig.data[0]
    assert heat.z[0][0] is None
    assert heat.z[0][1] is None
    assert heat.text[0][0] == "20"  # the mean is still shown
    assert heat.customdata[0][0][3] == "n/a"
    assert heat.customdata[0][2][2] == "n/a"
    with pytest.raises(SchemaError, match="segment 0, feature 'recency_days'"):
        profile_heatmap_figure(pd.concat([profiles, profiles.iloc[[0]]]), record.segments)


def test_profile_heatmap_needs_std_diff(record: RunRecord) -> None:
    with pytest.raises(SchemaError, match=r"profiles.*std_diff"):
        profile_heatmap_figure(record.profiles.drop(columns="std_diff"), record.segments)


def test_segment_labels_disambiguate_duplicates_and_blanks() -> None:
    segments = pd.DataFrame({"segment_id": [2, 0, 1], "name": ["A", "A", " "]})
    assert segment_labels(segments, extra_ids=[5]) == {
        0: "A (#0)",
        1: "segment 1",
        2: "A (#2)",
        5: "segment 5",
    }


def test_stability_figure_draws_one_bar_per_segment_and_the_readings() -> None:
    from user_segmentation.report import stability_figure

    segments = pd.DataFrame(
        {"segment_id": [2, 1], "name": ["B", "A"], "stability": [0.5, float("nan")]}
    )
    fig = stability_figure(segments)
    assert list(fig.data[0].y) == [None, 0.5]  # id order; NaN drawn as a gap
    assert sorted(shape.y0 for shape in fig.layout.shapes) == [0.6, 0.75, 0.85]


def test_dendrogram_figure_from_a_real_ward_tree() -> None:
    from scipy.cluster.hierarchy import ward

    from user_segmentation.cluster import dendrogram_data
    from user_segmentation.report import dendrogram_figure

    rng = np.random.default_rng(0)
    X = np.r_[
        rng.normal(0, 0.3, (40, 2)), rng.normal(5, 0.3, (60, 2)), rng.normal(10, 0.3, (20, 2))
    ]
    data = dendrogram_data(ward(X), 3, leaves=10)
    fig = dendrogram_figure(data)
    assert len(fig.data) == 9  # 10 leaves, 9 merges
    assert sum(data["leaf_labels"]) == 120
    # The cut line lies between the last three merges' heights: it crosses exactly 3 branches.
    cut = fig.layout.shapes[0].y0
    tops = sorted(max(ys) for ys in data["dcoord"])
    assert tops[-3] < cut < tops[-2]
