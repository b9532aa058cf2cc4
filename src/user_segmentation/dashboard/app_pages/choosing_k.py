"""Choosing k: every index's curve with the choice marked, the rationale, and stability."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import selection_summary
from user_segmentation.dashboard.context import page_context
from user_segmentation.report.figures import k_selection_figure, stability_figure


def render() -> None:
    """Draw the page."""
    ctx = page_context()
    record = data.run_record(ctx.store_url, ctx.run_id)
    st.title("Choosing the number of segments")
    selection = record.selection
    k = selection.get("recommended_k", record.meta.get("k", len(record.segments)))
    rationale = selection.get("rationale")
    if rationale:
        st.info(str(rationale))
    summary = selection_summary(selection, record.meta)
    if len(summary):
        st.dataframe(summary, hide_index=True, width="content")
    if len(record.k_scores):
        elbow = selection.get("elbow_k")
        st.plotly_chart(
            k_selection_figure(record.k_scores, int(k), None if elbow is None else int(elbow)),
            key="k_selection",
        )
        with st.expander("Scores by k"):
            st.dataframe(record.k_scores, hide_index=True)
    else:
        st.warning("This run kept its number of segments from an earlier run: no k sweep.")
    segments = record.segments
    stability = (
        pd.to_numeric(segments["stability"], errors="coerce")
        if "stability" in segments
        else pd.Series(dtype=float)
    )
    if stability.notna().any():
        st.subheader("Stability of each segment")
        st.plotly_chart(stability_figure(record.segments), key="stability")
    else:
        st.caption("Segment stability was not measured for this run.")


if __name__ == "__main__":
    render()
