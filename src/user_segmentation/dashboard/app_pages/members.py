"""Members: a segment's customers, filterable and paginated, downloadable as CSV or Excel.

The list comes from the export's member table, so a segment under the minimum size is refused
here exactly as ``segment export`` refuses it: the page shows why instead of the list and the
download buttons.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import (
    RowFilter,
    filter_rows,
    members_csv,
    members_excel,
    page_count,
    page_rows,
    segment_members,
    variable_catalog,
)
from user_segmentation.dashboard.context import page_context
from user_segmentation.dashboard.widgets import attribute_filter
from user_segmentation.errors import PrivacyError
from user_segmentation.report.explore import key_features
from user_segmentation.report.labels import segment_labels

PAGE_SIZES = [25, 50, 100, 250]
EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render() -> None:
    """Draw the page."""
    ctx = page_context()
    record = data.run_record(ctx.store_url, ctx.run_id)
    st.title("Members of a segment")
    labels = segment_labels(record.segments)
    sizes = dict(
        zip(record.segments["segment_id"].astype(int), record.segments["size"], strict=True)
    )
    segment = st.selectbox(
        "Segment",
        list(labels),
        format_func=lambda s: f"{labels[int(s)]} (#{s}, {int(sizes.get(int(s), 0)):,} customers)",
        key="members_segment",
    )
    catalog = variable_catalog(record.statistics, record.profiles)
    features = st.multiselect(
        "Columns",
        list(catalog),
        default=[f for f in key_features(record.profiles, 4) if f in catalog],
        key="members_features",
    )
    try:
        # The guard runs before any customer value is read.
        segment_members(
            record, record.assignments[["customer_id"]], int(segment), min_size=ctx.min_size
        )
    except PrivacyError as exc:
        st.warning(f"Members not shown: {exc}.")
        return
    customers = data.customer_features(ctx.store_url, ctx.run_id, features)
    members = segment_members(
        record, customers, int(segment), min_size=ctx.min_size, features=features
    )
    left, right = st.columns(2)
    with left:
        min_confidence = st.number_input(
            "Minimum confidence",
            min_value=0.0,
            max_value=1.0,
            value=0.0,
            step=0.05,
            key="members_min_confidence",
            help="How clearly a customer belongs to the segment rather than the next one "
            "(0: on the boundary, 1: at the centre).",
        )
    with right:
        attribute = attribute_filter(ctx, catalog, key="members")
    if attribute.variable is not None and attribute.variable not in members:
        extra = data.customer_features(ctx.store_url, ctx.run_id, [attribute.variable])
        members = members.merge(extra, on="customer_id", how="left")
    spec = RowFilter(
        variable=attribute.variable,
        low=attribute.low,
        high=attribute.high,
        levels=attribute.levels,
        min_confidence=float(min_confidence) if min_confidence else None,
    )
    shown = filter_rows(members, spec)
    if attribute.variable is not None and attribute.variable not in features:
        shown = shown.drop(columns=attribute.variable)
    st.caption(f"{len(shown):,} of {len(members):,} members match the filters.")
    size_column, page_column = st.columns(2)
    page_size = size_column.selectbox("Rows per page", PAGE_SIZES, index=1, key="members_page_size")
    n_pages = page_count(len(shown), int(page_size))
    page = page_column.number_input(
        f"Page (of {n_pages:,})",
        min_value=1,
        max_value=n_pages,
        value=1,
        step=1,
        key="members_page",
    )
    st.dataframe(page_rows(shown, int(page), int(page_size)), hide_index=True)
    name = f"segment_{int(segment)}_run_{ctx.run_id}_members"
    buttons = st.columns(2)
    buttons[0].download_button(
        "Download CSV",
        data=partial(members_csv, shown),
        file_name=f"{name}.csv",
        mime="text/csv",
        key="members_csv",
        on_click="ignore",
    )
    buttons[1].download_button(
        "Download Excel",
        data=partial(members_excel, shown),
        file_name=f"{name}.xlsx",
        mime=EXCEL_MIME,
        key="members_excel",
        on_click="ignore",
    )
    st.caption("Downloads hold the rows that match the filters, with the columns chosen above.")


if __name__ == "__main__":
    render()
