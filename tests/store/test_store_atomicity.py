"""A run is saved whole or not at all; a failed save leaves the earlier runs as they were."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import StoreError
from user_segmentation.records import RunRecord
from user_segmentation.store import RunStore

TABLES = ["runs", "k_scores", "segments", "assignments", "profiles"]


def _counts(path: Path, count_rows: Callable[[Path, str], int]) -> dict[str, int]:
    return {table: count_rows(path, table) for table in TABLES}


def test_duplicate_customer_rolls_back_the_whole_run(
    store_path: Path,
    record: RunRecord,
    new_record: Callable[..., RunRecord],
    count_rows: Callable[[Path, str], int],
):
    with RunStore(store_path) as store:
        store.save_run(record)
        before_list = store.list_runs()
        before_counts = _counts(store_path, count_rows)

        bad = new_record(project="bad")
        bad.assignments.loc[3, "customer_id"] = "c2"  # c2 is also row 2
        with pytest.raises(
            StoreError, match=r"customer_id='c2' appears more than once \(rows 2, 4\)"
        ):
            store.save_run(bad)

        assert bad.run_id is None
        assert store.latest_run_id() == 1
        pd.testing.assert_frame_equal(store.list_runs(), before_list)
        # runs, k_scores and segments were inserted before the failing assignments: all gone.
        assert _counts(store_path, count_rows) == before_counts
        pd.testing.assert_frame_equal(store.load_run().assignments, record.assignments)


def test_failure_in_the_last_table_rolls_back_everything(
    store_path: Path,
    record: RunRecord,
    new_record: Callable[..., RunRecord],
    count_rows: Callable[[Path, str], int],
):
    with RunStore(store_path) as store:
        store.save_run(record)
        before = _counts(store_path, count_rows)
        bad = new_record()
        bad.profiles.loc[1, "feature"] = "recency_days"  # (segment 0, recency_days) twice
        with pytest.raises(StoreError, match=r"profiles: segment_id=0, feature='recency_days'"):
            store.save_run(bad)

        assert _counts(store_path, count_rows) == before


def test_assignment_to_an_unknown_segment_is_refused(
    store_path: Path, record: RunRecord, count_rows: Callable[[Path, str], int]
):
    record.assignments.loc[2, "segment_id"] = 5
    with (
        RunStore(store_path) as store,
        pytest.raises(StoreError, match=r"assignments: column 'segment_id', row 3: 5 is not"),
    ):
        store.save_run(record)
    assert count_rows(store_path, "runs") == 0


def test_a_failed_save_does_not_burn_the_store(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        bad_assignments = record.assignments
        record.assignments = pd.concat([bad_assignments, bad_assignments.iloc[:1]])
        with pytest.raises(StoreError):
            store.save_run(record)
        record.assignments = bad_assignments
        run_id = store.save_run(record)
        assert store.load_run(run_id).meta == record.meta


def test_database_itself_enforces_one_assignment_per_customer(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        run_id = store.save_run(record)
    with closing(sqlite3.connect(store_path)) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO assignments (run_id, customer_id, segment_id, row_order) "
            "VALUES (?, 'c2', 0, 99)",
            (run_id,),
        )


def test_process_killed_mid_save_leaves_the_last_good_run(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        store.save_run(record)
    # The child saves a run and is killed while it is inserting the assignments.
    child = textwrap.dedent(
        f"""
        import sys, time
        import numpy as np, pandas as pd
        from sqlalchemy import Engine, event
        from user_segmentation.store import K_SCORE_COLUMNS, RunStore, RunRecord

        n = 20_000
        ids = [f"x{{i}}" for i in range(n)]
        record = RunRecord(
            meta={{"project": "killed"}}, quality={{}}, selection={{}}, model={{}}, timings={{}},
            k_scores=pd.DataFrame({{"k": [2], "inertia": [1.0], "silhouette": [0.5],
                                   "davies_bouldin": [0.5], "calinski_harabasz": [9.0]}}
                                 ).reindex(columns=K_SCORE_COLUMNS),
            assignments=pd.DataFrame({{"customer_id": ids, "segment_id": np.zeros(n, int),
                "secondary_segment_id": np.zeros(n, int), "distance": np.ones(n),
                "margin": np.ones(n), "confidence": np.ones(n), "pc1": np.ones(n),
                "pc2": np.ones(n), "pc3": np.ones(n)}}),
            segments=pd.DataFrame({{"segment_id": [0], "name": ["all"], "size": [n],
                                   "share": [1.0], "stability": [1.0], "rule": [""],
                                   "rule_precision": [1.0], "rule_recall": [1.0],
                                   "action": [""], "traits": [""],
                                   "revenue": [1.0], "revenue_share": [1.0],
                                   "value_index": [1.0], "small": [0]}}),
            profiles=pd.DataFrame({{"segment_id": [0], "feature": ["f"], "mean": [1.0],
                "median": [1.0], "overall_mean": [1.0], "lift": [1.0], "std_diff": [0.0]}}),
        )

        def pause(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO assignments"):
                print("inserting", flush=True)
                time.sleep(60)

        event.listen(Engine, "after_cursor_execute", pause)
        RunStore({str(store_path)!r}).save_run(record)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the child is mid-transaction
        assert line.strip() == "inserting", proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
        proc.wait()

    with RunStore(store_path) as store:
        assert store.list_runs()["run_id"].tolist() == [1]
        loaded = store.load_run()
    pd.testing.assert_frame_equal(loaded.assignments, record.assignments)
    with closing(sqlite3.connect(store_path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 4
