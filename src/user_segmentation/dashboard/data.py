"""Cached, read-only loaders of the dashboard, keyed by store URL and run id.

A run never changes once saved (runs are append-only), so a run's record and its customer
features are cached until evicted; the list of runs and the current run are re-read every few
seconds, so that a run published while the dashboard is open shows up. Customer features are
read one at a time (a range read each, fast) and cached one at a time, so that a page asks
only for the columns it draws and a second page reuses them. Every loader opens the store
through :func:`~user_segmentation.dashboard.access.open_existing_store`, which never creates
one; nothing here writes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from user_segmentation.dashboard.access import open_existing_store
from user_segmentation.dashboard.builders import align_features
from user_segmentation.records import RunRecord

logger = logging.getLogger(__name__)

#: Seconds the list of runs (and which one is current) is trusted before being read again.
RUNS_TTL = 5.0


@st.cache_data(ttl=RUNS_TTL, show_spinner=False)
def runs_table(store_url: str) -> pd.DataFrame:
    """The store's completed runs, newest first (:meth:`RunStore.list_runs`)."""
    with open_existing_store(store_url) as store:
        return store.list_runs()


@st.cache_data(ttl=RUNS_TTL, show_spinner=False)
def current_run(store_url: str) -> int | None:
    """The run shown by default: the published one, else the latest."""
    with open_existing_store(store_url) as store:
        return store.current_run_id()


# A handful of records: each holds one row per customer (assignments), so memory is bounded by
# the number of runs a user flips between, not by the store's history.
@st.cache_data(max_entries=8, show_spinner="Reading the run…")
def run_record(store_url: str, run_id: int) -> RunRecord:
    """A run without its customer table (the summaries, assignments and model)."""
    with open_existing_store(store_url) as store:
        return store.load_run(int(run_id), customers=False)


@st.cache_data(max_entries=256, show_spinner="Reading the run…")
def run_segments(store_url: str, run_id: int) -> pd.DataFrame:
    """A run's segment table alone (small), for views over many runs.

    Cached apart from :func:`run_record`, so that drawing the history of many runs keeps
    neither their customer-level tables in memory nor evicts the run being looked at.
    """
    with open_existing_store(store_url) as store:
        return store.load_run(int(run_id), customers=False).segments


@st.cache_data(max_entries=128, show_spinner="Reading customer values…")
def feature_column(store_url: str, run_id: int, feature: str) -> pd.DataFrame:
    """One feature of a run's customer table: ``customer_id`` and the feature."""
    with open_existing_store(store_url) as store:
        return store.load_customers(int(run_id), features=[feature])


def customer_features(store_url: str, run_id: int, features: Sequence[str]) -> pd.DataFrame:
    """``customer_id`` and the chosen features, in the run's assignment order.

    Each feature comes from (and goes to) the cache on its own, so asking for one more
    feature reads only that one; the joined table is cached too, as a page asks for the same
    columns on every rerun.
    """
    return _joined_features(store_url, int(run_id), tuple(dict.fromkeys(features)))


@st.cache_data(max_entries=32, show_spinner=False)
def _joined_features(store_url: str, run_id: int, features: tuple[str, ...]) -> pd.DataFrame:
    record = run_record(store_url, run_id)
    parts = [feature_column(store_url, run_id, feature) for feature in features]
    return align_features(record.assignments["customer_id"], parts)
