"""Run store: every run, its assignments, profiles, k-selection scores and model state.

Examples
--------
>>> from user_segmentation.store import RunStore
>>> with RunStore("sqlite://") as store:
...     store.latest_run_id() is None
True
"""

from user_segmentation.records import (
    ASSIGNMENT_COLUMNS,
    K_SCORE_COLUMNS,
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    RunRecord,
)
from user_segmentation.store.lock import writer_lock
from user_segmentation.store.run_store import LIST_COLUMNS, RunStore
from user_segmentation.store.schema import SCHEMA_VERSION

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "K_SCORE_COLUMNS",
    "LIST_COLUMNS",
    "PROFILE_COLUMNS",
    "SCHEMA_VERSION",
    "SEGMENT_COLUMNS",
    "RunRecord",
    "RunStore",
    "writer_lock",
]
