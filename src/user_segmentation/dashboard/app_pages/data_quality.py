"""Data quality: the run's integration report, source by source."""

from __future__ import annotations

import pandas as pd
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
    _section("Missing values", missing_share_table(quality), percent="missing_share")
    _section(
        "Out-of-range values",
        out_of_range_table(quality),
        percent="share",
        caption="Values outside the range declared for their column "
        "(features.attributes.ranges); policy 'missing': they were treated as missing values.",
    )
    _section("Preprocessing", preprocessing_table(quality))
    for warning in quality.get("warnings") or []:
        st.warning(str(warning))
    with st.expander("The whole report"):
        st.json(quality, expanded=False)


def _section(
    title: str, table: pd.DataFrame, *, percent: str | None = None, caption: str | None = None
) -> None:
    """A titled table, left out when empty; ``percent`` names a share column shown as %."""
    if not len(table):
        return
    st.subheader(title)
    if caption:
        st.caption(caption)
    config = {percent: st.column_config.NumberColumn(format="percent")} if percent else None
    st.dataframe(table, hide_index=True, column_config=config)


if __name__ == "__main__":
    render()
