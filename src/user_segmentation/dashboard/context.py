"""What every page needs to know: the store, the run picked in the sidebar, the privacy guard.

The entry script (``streamlit_app.py``) puts a :class:`DashboardContext` in the session state
before running the chosen page; a page reads it with :func:`page_context`.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

#: Session-state key of the context.
CONTEXT_KEY = "dashboard_context"


@dataclass(frozen=True)
class DashboardContext:
    """The session's view of the store.

    Attributes
    ----------
    store_url
        The store to read (full URL, password included: never displayed).
    store_display
        The store as shown to the user (password hidden).
    run_id
        The run picked in the sidebar.
    current_run_id
        The run shown by default (published, else the latest).
    min_size
        Smallest segment whose members may be listed or downloaded.
    """

    store_url: str
    store_display: str
    run_id: int
    current_run_id: int | None
    min_size: int


def page_context() -> DashboardContext:
    """The context set by the entry script; stops the page when it is missing."""
    context = st.session_state.get(CONTEXT_KEY)
    if not isinstance(context, DashboardContext):
        st.error("Open the dashboard with `segment dashboard`; this page cannot run on its own.")
        st.stop()
    return context
