"""Explore: customers on the principal components (2-D, 3-D), filtered by segment and attribute."""

from __future__ import annotations

import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import (
    RowFilter,
    filter_rows,
    private_segments,
    variable_catalog,
)
from user_segmentation.dashboard.context import page_context
from user_segmentation.dashboard.widgets import attribute_filter
from user_segmentation.report.explore import customer_map_figure, key_features
from user_segmentation.report.labels import segment_labels

#: Choices of how many points to draw; larger bases are sampled, stratified by segment.
SAMPLE_SIZES = [1_000, 2_000, 5_000, 10_000, 20_000]


def render() -> None:
    """Draw the page."""
    ctx = page_context()
    record = data.run_record(ctx.store_url, ctx.run_id)
    st.title("Explore customers")
    catalog = variable_catalog(record.statistics, record.profiles)
    labels = segment_labels(record.segments)
    controls = st.columns([1, 2, 3])
    dimensions = controls[0].radio(
        "View", [2, 3], format_func=lambda d: f"{d}-D", key="explore_dims", horizontal=True
    )
    max_points = controls[1].select_slider(
        "Points drawn at most", SAMPLE_SIZES, value=5_000, key="explore_points"
    )
    chosen = controls[2].multiselect(
        "Segments",
        list(labels),
        default=list(labels),
        format_func=lambda s: labels[int(s)],
        key="explore_segments",
    )
    attribute = attribute_filter(ctx, catalog, key="explore")
    hover = [f for f in key_features(record.profiles, 3) if f in catalog]
    needed = [*hover, *([attribute.variable] if attribute.variable else [])]
    columns = ["customer_id", "segment_id", "pc1", "pc2", "pc3"]
    points = record.assignments[columns]
    if needed:
        values = data.customer_features(ctx.store_url, ctx.run_id, needed)
        points = points.assign(**{name: values[name].to_numpy() for name in dict.fromkeys(needed)})
    spec = RowFilter(
        segments=tuple(int(s) for s in chosen),
        variable=attribute.variable,
        low=attribute.low,
        high=attribute.high,
        levels=attribute.levels,
    )
    shown = filter_rows(points, spec)
    st.caption(
        f"{len(shown):,} of {len(points):,} customers match the filters; above "
        f"{int(max_points):,} a sample stratified by segment is drawn (the title says how many)."
    )
    if not len(shown):
        st.warning("No customer matches these filters.")
        return
    ratios = record.model.get("pca", {}).get("explained_variance_ratio")
    figure = customer_map_figure(
        shown,
        record.segments,
        dimensions=3 if int(dimensions) == 3 else 2,
        hover=hover,
        max_points=int(max_points),
        random_state=int(record.meta.get("seed") or 0),
        explained_variance=ratios if isinstance(ratios, list) else None,
        private_segments=private_segments(record.segments, ctx.min_size),
    )
    st.plotly_chart(figure, key="explore_map")


if __name__ == "__main__":
    render()
