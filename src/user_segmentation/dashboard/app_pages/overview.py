"""Overview: the run's headline numbers and a card per segment."""

from __future__ import annotations

import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import kpis
from user_segmentation.dashboard.context import page_context
from user_segmentation.report.cards import CARD_CSS, segment_cards_html
from user_segmentation.report.figures import segment_sizes_figure

# The report page styles these elements globally; the cards need them here too.
_CARD_EXTRA_CSS = """
.card dl { display: grid; gap: .15rem .9rem; margin: .3rem 0; }
.card dt { font-weight: 600; } .card dd { margin: 0; }
.card .dim { color: #777; } .card .up { color: #b2182b; } .card .down { color: #2166ac; }
"""


def render() -> None:
    """Draw the page."""
    ctx = page_context()
    record = data.run_record(ctx.store_url, ctx.run_id)
    project = record.meta.get("project") or "segmentation"
    st.title(f"{project}: customer segments")
    state = "the current run" if ctx.run_id == ctx.current_run_id else "not the current run"
    st.caption(
        f"Run {ctx.run_id} ({state}), created {record.meta.get('created_at', 'n/a')} · "
        f"method {record.meta.get('primary_method', 'n/a')}"
    )
    numbers = kpis(record)
    columns = st.columns(4)
    columns[0].metric("Customers", f"{numbers['customers']:,}")
    columns[1].metric("Segments", f"{numbers['segments']:,}")
    revenue = numbers["revenue"]
    columns[2].metric("Net revenue", "n/a" if revenue is None else f"{revenue:,.0f}")
    columns[3].metric(
        "Small segments",
        f"{numbers['small_segments']:,}",
        help=f"Segments under {ctx.min_size} customers: shown, but their members are never "
        "listed or exported.",
    )
    st.subheader("Segments")
    statistics = record.statistics if len(record.statistics) else None
    cards = segment_cards_html(record.segments, statistics)
    st.html(f"<style>{CARD_CSS}{_CARD_EXTRA_CSS}</style>{cards}")
    st.plotly_chart(segment_sizes_figure(record.segments), key="overview_sizes")


if __name__ == "__main__":
    render()
