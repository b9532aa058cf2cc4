"""Changes over time: migration between two runs, segment sizes over runs, drift at an update."""

from __future__ import annotations

import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import default_base_run, run_label
from user_segmentation.dashboard.context import DashboardContext, page_context
from user_segmentation.report.history import (
    drift_figure,
    drift_indicators,
    drift_table,
    migration_sankey_figure,
    segment_sizes_over_runs_figure,
    size_history,
)
from user_segmentation.report.labels import segment_labels
from user_segmentation.track import transition_matrix

#: Runs drawn in the sizes-over-runs chart by default (each is read from the store once).
DEFAULT_HISTORY = 8


def _migration(ctx: DashboardContext, run_ids: list[int], labels: dict[int, str]) -> int:
    """The run pickers and the Sankey; returns the later run."""
    record = data.run_record(ctx.store_url, ctx.run_id)
    base = default_base_run(run_ids, ctx.run_id, record.meta.get("base_run_id"))
    if base is None:
        base = next(r for r in run_ids if r != ctx.run_id)
    left, right = st.columns(2)
    run_from = left.selectbox(
        "From run",
        run_ids,
        index=run_ids.index(base),
        format_func=lambda r: labels[int(r)],
        key="changes_from",
    )
    run_to = right.selectbox(
        "To run",
        run_ids,
        index=run_ids.index(ctx.run_id),
        format_func=lambda r: labels[int(r)],
        key="changes_to",
    )
    earlier = data.run_record(ctx.store_url, int(run_from))
    later = data.run_record(ctx.store_url, int(run_to))
    columns = ["customer_id", "segment_id"]
    matrix = transition_matrix(earlier.assignments[columns], later.assignments[columns])
    only_moves = st.toggle(
        "Only customers who changed segment, arrived or left",
        key="changes_only_moves",
        help="Customers who stayed usually dwarf the moves.",
    )
    st.plotly_chart(
        migration_sankey_figure(
            matrix.counts,
            segment_labels(earlier.segments),
            segment_labels(later.segments),
            include_stayed=not only_moves,
            run_from=int(run_from),
            run_to=int(run_to),
        ),
        key="changes_sankey",
    )
    with st.expander("Transition matrix (customers, rows: from, columns: to)"):
        counts = matrix.counts.copy()
        counts.index = [str(i) for i in counts.index]
        counts.columns = [str(c) for c in counts.columns]
        st.dataframe(counts)
    return int(run_to)


def _sizes(ctx: DashboardContext, run_ids: list[int]) -> None:
    st.subheader("Segment sizes over runs")
    left, right = st.columns(2)
    n_runs = left.number_input(
        "Latest runs shown",
        min_value=2,
        max_value=len(run_ids),
        value=min(DEFAULT_HISTORY, len(run_ids)),
        step=1,
        key="changes_n_runs",
    )
    measure = right.radio("Measure", ["share", "size"], horizontal=True, key="changes_measure")
    chosen = sorted(run_ids)[-int(n_runs) :]
    history = size_history({r: data.run_segments(ctx.store_url, r) for r in chosen})
    st.plotly_chart(
        segment_sizes_over_runs_figure(history, measure="size" if measure == "size" else "share"),
        key="changes_sizes",
    )


def _drift(ctx: DashboardContext, run_id: int) -> None:
    st.subheader(f"Drift at run {run_id}")
    record = data.run_record(ctx.store_url, run_id)
    update = record.meta.get("update")
    if not isinstance(update, dict):
        st.info(
            f"Run {run_id} was made from scratch (`segment run`), not by `segment update`: "
            "no drift was measured against an earlier run."
        )
        return
    decision = str(update.get("decision", "n/a"))
    reasons = "; ".join(str(r) for r in update.get("reasons") or [])
    st.markdown(
        f"Update of run {record.meta.get('base_run_id', 'n/a')}: **{decision}** — {reasons}"
    )
    for note in update.get("notes") or []:
        st.caption(str(note))
    st.dataframe(drift_indicators(update), hide_index=True)
    st.plotly_chart(drift_figure(drift_table(update)), key="changes_drift")
    st.caption(f"{len(record.moves):,} customers moved, arrived or left at this update.")


def render() -> None:
    """Draw the page."""
    ctx = page_context()
    st.title("Changes over time")
    runs = data.runs_table(ctx.store_url)
    run_ids = [int(r) for r in runs["run_id"]]
    if len(run_ids) < 2:
        st.info(
            "The store holds one run so far. Once `segment update` (or another `segment run`) "
            "adds runs, this page shows who moved where, sizes over runs and drift."
        )
        return
    if ctx.run_id not in run_ids:
        st.warning(f"Run {ctx.run_id} is no longer in the store.")
        return
    labels = {int(r["run_id"]): run_label(r, ctx.current_run_id) for r in runs.to_dict("records")}
    run_to = _migration(ctx, run_ids, labels)
    _sizes(ctx, run_ids)
    _drift(ctx, run_to)


if __name__ == "__main__":
    render()
