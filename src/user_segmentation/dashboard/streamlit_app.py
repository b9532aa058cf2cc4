"""Entry script of the dashboard: ``streamlit run streamlit_app.py -- --store URL``.

Reads the settings (:mod:`~user_segmentation.dashboard.settings`), shows the run picker in the
sidebar (the published run by default), and runs the page chosen in the navigation. Errors the
package raises on purpose (a store that is busy, damaged or gone) are shown as a message, not a
traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from user_segmentation.dashboard import data
from user_segmentation.dashboard.builders import run_label
from user_segmentation.dashboard.context import CONTEXT_KEY, DashboardContext
from user_segmentation.dashboard.settings import read_settings
from user_segmentation.errors import SegmentationError
from user_segmentation.store.connection import resolve_location

PAGES_DIR = Path(__file__).with_name("app_pages")

#: (file in app_pages/, title, url path, icon), in navigation order; the first is the default.
PAGES = [
    ("overview.py", "Overview", "overview", ":material/dashboard:"),
    ("choosing_k.py", "Choosing k", "choosing-k", ":material/stacked_line_chart:"),
    ("explore.py", "Explore", "explore", ":material/scatter_plot:"),
    ("variables.py", "Variables", "variables", ":material/bar_chart:"),
    ("changes.py", "Changes over time", "changes", ":material/timeline:"),
    ("members.py", "Members", "members", ":material/group:"),
    ("data_quality.py", "Data quality", "data-quality", ":material/fact_check:"),
]

#: Session-state key of the run picker.
RUN_KEY = "run_id"


def _pick_run(store_url: str) -> tuple[int, int | None]:
    """The sidebar's run picker; returns (picked run, current run)."""
    runs = data.runs_table(store_url)
    current = data.current_run(store_url)
    if runs.empty or current is None:
        st.warning("This store has no runs yet. Make one with `segment run`, then reload.")
        st.stop()
    ids = [int(r) for r in runs["run_id"]]
    labels = {int(row["run_id"]): run_label(row, current) for row in runs.to_dict("records")}
    if st.session_state.get(RUN_KEY) not in ids:
        # First visit, or the picked run vanished from the list: show the current run.
        st.session_state[RUN_KEY] = current if current in ids else ids[0]
    picked = st.sidebar.selectbox(
        "Run",
        ids,
        key=RUN_KEY,
        format_func=lambda run_id: labels.get(int(run_id), f"run {run_id}"),
        help="The published run is shown by default; pick another to look back or compare.",
    )
    return int(picked), current


def main() -> None:
    """Render the sidebar and the chosen page."""
    st.set_page_config(page_title="Customer segments", page_icon=":material/groups:", layout="wide")
    try:
        settings = read_settings(sys.argv[1:], os.environ)
        display = resolve_location(settings.store_url).display
        run_id, current = _pick_run(settings.store_url)
    except SegmentationError as exc:
        st.error(str(exc))
        st.stop()
    st.sidebar.caption(f"Store: `{display}` (read-only)")
    st.session_state[CONTEXT_KEY] = DashboardContext(
        store_url=settings.store_url,
        store_display=display,
        run_id=run_id,
        current_run_id=current,
        min_size=settings.min_size,
    )
    pages = [
        st.Page(
            PAGES_DIR / file,
            title=title,
            url_path=url_path,
            icon=icon,
            default=i == 0,
        )
        for i, (file, title, url_path, icon) in enumerate(PAGES)
    ]
    page = st.navigation(pages)
    try:
        page.run()
    except SegmentationError as exc:
        st.error(str(exc))


if __name__ == "__main__":
    main()
