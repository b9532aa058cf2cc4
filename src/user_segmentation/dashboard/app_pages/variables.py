"""Variables: one variable across segments, the profile heatmap, a radar, two segments compared."""

from __future__ import annotations

import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import strongest_variables, variable_catalog
from user_segmentation.dashboard.context import DashboardContext, page_context
from user_segmentation.profile.compare import compare_segments
from user_segmentation.records import RunRecord
from user_segmentation.report.figures import profile_heatmap_figure
from user_segmentation.report.labels import segment_colours, segment_labels
from user_segmentation.report.variables import comparison_figure, distribution_figure, radar_figure

VIEWS = ["Distribution", "Heatmap", "Radar", "Side by side"]
KINDS = ["box", "violin", "histogram"]


def _distribution(ctx: DashboardContext, record: RunRecord) -> None:
    catalog = variable_catalog(record.statistics, record.profiles)
    if not catalog:
        st.warning("This run recorded no variables to draw.")
        return
    left, right = st.columns([2, 1])
    variable = left.selectbox("Variable", list(catalog), key="variables_variable")
    categorical = catalog[str(variable)] == "categorical"
    kind = right.radio(
        "Plot",
        KINDS,
        horizontal=True,
        key="variables_kind",
        disabled=categorical,
        help="A categorical variable is drawn as each segment's share of its levels.",
    )
    values = data.customer_features(ctx.store_url, ctx.run_id, [str(variable)])
    figure = distribution_figure(
        values,
        record.assignments["segment_id"].to_numpy(),
        record.segments,
        str(variable),
        kind=kind if kind in KINDS else "box",  # type: ignore[arg-type]
        categorical=categorical,
        random_state=int(record.meta.get("seed") or 0),
    )
    st.plotly_chart(figure, key="variables_distribution")


def _radar(record: RunRecord) -> None:
    labels = segment_labels(record.segments)
    chosen = st.multiselect(
        "Segments",
        list(labels),
        default=list(labels)[:3],
        format_func=lambda s: labels[int(s)],
        key="variables_radar_segments",
    )
    if not chosen:
        st.info("Pick at least one segment.")
        return
    table = record.statistics if len(record.statistics) else record.profiles
    st.plotly_chart(
        radar_figure(table, record.segments, segment_ids=[int(s) for s in chosen]),
        key="variables_radar",
    )


def _side_by_side(ctx: DashboardContext, record: RunRecord) -> None:
    labels = segment_labels(record.segments)
    ids = list(labels)
    if len(ids) < 2:
        st.info("The run has one segment: nothing to compare.")
        return
    catalog = variable_catalog(record.statistics, record.profiles)
    left, right = st.columns(2)
    a = left.selectbox(
        "Segment A", ids, index=0, format_func=lambda s: labels[int(s)], key="variables_a"
    )
    b = right.selectbox(
        "Segment B", ids, index=1, format_func=lambda s: labels[int(s)], key="variables_b"
    )
    variables = st.multiselect(
        "Variables compared",
        list(catalog),
        default=strongest_variables(record.statistics, catalog),
        key="variables_compared",
        help="Each variable is read from the store once; the most distinguishing ones are "
        "preselected.",
    )
    if not variables:
        st.info("Pick at least one variable.")
        return
    values = data.customer_features(ctx.store_url, ctx.run_id, variables)
    comparison = compare_segments(
        values,
        record.assignments["segment_id"].to_numpy(),
        int(a),
        int(b),
        numeric=[v for v in variables if catalog[v] == "numeric"],
        categorical=[v for v in variables if catalog[v] == "categorical"],
    )
    colours = segment_colours(labels)
    st.plotly_chart(
        comparison_figure(
            comparison, labels[int(a)], labels[int(b)], colours=(colours[int(a)], colours[int(b)])
        ),
        key="variables_comparison",
    )
    shown = comparison[
        ["feature", "mean_a", "mean_b", "difference", "effect", "effect_measure", "p_adjusted"]
    ]
    st.dataframe(shown, hide_index=True)


def render() -> None:
    """Draw the page."""
    ctx = page_context()
    record = data.run_record(ctx.store_url, ctx.run_id)
    st.title("Variables across segments")
    view = st.radio("View", VIEWS, horizontal=True, key="variables_view")
    if view == "Distribution":
        _distribution(ctx, record)
    elif view == "Heatmap":
        st.plotly_chart(
            profile_heatmap_figure(record.profiles, record.segments), key="variables_heatmap"
        )
    elif view == "Radar":
        _radar(record)
    else:
        _side_by_side(ctx, record)


if __name__ == "__main__":
    render()
