"""Data quality: the run's integration report, source by source."""

from __future__ import annotations

import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import (
    missing_share_table,
    out_of_range_table,
    preprocessing_table,
    source_quality_table,
)
from user_segmentation.dashboard.context import page_context


def render() -> None:
    """Draw the page."""
    ctx = page_context()
    record = data.run_record(ctx.store_url, ctx.run_id)
    quality = record.quality
    st.title("Data quality")
    st.caption(f"The integration report of run {ctx.run_id}: what was read, dropped and joined.")
    sources = source_quality_table(quality)
    if len(sources):
        st.subheader("Sources")
        st.dataframe(
            sources,
            hide_index=True,
            column_config={"coverage": st.column_config.NumberColumn(format="percent")},
        )
    population = quality.get("population")
    if isinstance(population, dict) and population.get("customers") is not None:
        st.markdown(
            f"**{int(population['customers']):,} customers** in the population"
            + (
                f" (from {', '.join(map(str, population['sources']))})"
                if population.get("sources")
                else ""
            )
            + "."
        )
    missing = missing_share_table(quality)
    if len(missing):
        st.subheader("Missing values")
        st.dataframe(
            missing,
            hide_index=True,
            column_config={"missing_share": st.column_config.NumberColumn(format="percent")},
        )
    out_of_range = out_of_range_table(quality)
    if len(out_of_range):
        st.subheader("Out-of-range values")
        st.caption(
            "Values outside the range declared for their column (features.attributes.ranges); "
            "policy 'missing': they were treated as missing values."
        )
        st.dataframe(
            out_of_range,
            hide_index=True,
            column_config={"share": st.column_config.NumberColumn(format="percent")},
        )
    pre = preprocessing_table(quality)
    if len(pre):
        st.subheader("Preprocessing")
        st.dataframe(pre, hide_index=True)
    for warning in quality.get("warnings") or []:
        st.warning(str(warning))
    with st.expander("The whole report"):
        st.json(quality, expanded=False)


if __name__ == "__main__":
    render()
