"""Saving a run and loading it back gives the same run."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import StoreError
from user_segmentation.records import (
    ASSIGNMENT_COLUMNS,
    K_SCORE_COLUMNS,
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    RunRecord,
)
from user_segmentation.store import LIST_COLUMNS, RunStore

FRAMES = ["k_scores", "assignments", "segments", "profiles", "statistics", "customers"]
SECTIONS = ["meta", "quality", "selection", "model", "timings"]


def test_round_trip_gives_back_equal_sections_and_frames(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        run_id = store.save_run(record)
        loaded = store.load_run(run_id)

    assert loaded.run_id == run_id == record.run_id == 1
    for name in SECTIONS:
        assert getattr(loaded, name) == getattr(record, name), name
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(record, name), obj=name)


def test_customer_table_is_optional_on_load(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        run_id = store.save_run(record)
        light = store.load_run(run_id, customers=False)

    assert list(light.customers.columns) == ["customer_id"]
    assert light.customers.empty
    pd.testing.assert_frame_equal(light.segments, record.segments)


def test_categorical_customer_values_come_back_as_text(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))

    customers = loaded.customers
    assert customers["monetary"].dtype == np.float64
    assert pd.api.types.is_string_dtype(customers["country"].dtype)
    assert customers["country"].isna().tolist() == [False, True, False, False]


def test_loaded_frames_have_records_columns_and_fixed_dtypes(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))

    assert list(loaded.k_scores.columns) == K_SCORE_COLUMNS
    assert list(loaded.assignments.columns) == ASSIGNMENT_COLUMNS
    assert list(loaded.segments.columns) == SEGMENT_COLUMNS
    assert list(loaded.profiles.columns) == PROFILE_COLUMNS
    a = loaded.assignments
    assert pd.api.types.is_string_dtype(a["customer_id"].dtype)
    assert a["segment_id"].dtype == np.int64
    assert a["secondary_segment_id"].dtype == np.int64
    assert a["distance"].dtype == np.float64
    assert loaded.segments["size"].dtype == np.int64
    assert loaded.k_scores["k"].dtype == np.int64


def test_rows_come_back_in_saved_order_not_key_order(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))

    assert loaded.assignments["customer_id"].tolist() == ["c10", "c2", "c7", "c1"]
    assert loaded.segments["segment_id"].tolist() == [1, 0]
    assert isinstance(loaded.assignments.index, pd.RangeIndex)


def test_nan_survives_in_frames(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))

    assert loaded.assignments["pc3"].isna().tolist() == [True, False, True, False]
    assert math.isnan(loaded.k_scores["silhouette"].iloc[1])
    assert math.isnan(loaded.profiles["median"].iloc[1])
    assert loaded.profiles["std_diff"].isna().tolist() == [False] * 4 + [True] * 2
    assert loaded.profiles["std_diff"].dtype == np.float64


def test_missing_std_diff_is_stored_as_null(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        store.save_run(record)
    with closing(sqlite3.connect(store_path)) as conn:
        rows = conn.execute(
            "SELECT feature, std_diff FROM profiles WHERE segment_id = 0 ORDER BY row_order"
        ).fetchall()

    assert rows == [("recency_days", -1.0), ("monetary", 1.0), ("country=UK", None)]


def test_nan_and_infinity_survive_in_json_sections(store_path: Path, record: RunRecord):
    record.selection["silhouette"] = [0.61, math.nan]
    record.selection["gap_limit"] = math.inf
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))

    assert loaded.selection["silhouette"][0] == 0.61
    assert math.isnan(loaded.selection["silhouette"][1])
    assert loaded.selection["gap_limit"] == math.inf


def test_missing_secondary_segment_comes_back_as_nullable_int(store_path: Path, record: RunRecord):
    record.assignments["secondary_segment_id"] = pd.array([1, None, 0, 0], dtype="Int64")
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))

    pd.testing.assert_series_equal(
        loaded.assignments["secondary_segment_id"], record.assignments["secondary_segment_id"]
    )


def test_numpy_values_in_model_state_are_stored_as_plain_json(store_path: Path, record: RunRecord):
    record.model["centroids"] = np.array([[-1.0, 1.2], [1.0, -1.2]])
    record.model["n_iter"] = np.int64(7)
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))
    with closing(sqlite3.connect(store_path)) as conn:
        raw = conn.execute("SELECT model_json FROM runs").fetchone()[0]

    assert loaded.model["centroids"] == [[-1.0, 1.2], [1.0, -1.2]]
    assert loaded.model["n_iter"] == 7
    assert json.loads(raw) == loaded.model  # plain JSON text, nothing to unpickle


def test_model_that_is_not_json_data_is_refused(store_path: Path, record: RunRecord):
    record.model["estimator"] = object()
    with RunStore(store_path) as store:
        with pytest.raises(StoreError, match=r"model\['estimator'\] is a object"):
            store.save_run(record)
        assert store.latest_run_id() is None
    assert record.run_id is None


def test_non_text_dict_keys_are_refused_rather_than_silently_changed(
    store_path: Path, record: RunRecord
):
    record.quality["by_segment"] = {0: 10, 1: 12}
    with RunStore(store_path) as store, pytest.raises(StoreError, match=r"quality\['by_segment'\]"):
        store.save_run(record)


def test_tampered_model_json_is_an_error_not_code(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        run_id = store.save_run(record)
    with closing(sqlite3.connect(store_path)) as conn:
        conn.execute("UPDATE runs SET model_json = ? WHERE run_id = ?", ("cos\nsystem\n", run_id))
        conn.commit()

    with RunStore(store_path) as store, pytest.raises(StoreError, match="model is not valid JSON"):
        store.load_run(run_id)


def test_record_with_empty_frames_round_trips_columns(store_path: Path):
    empty = RunRecord(
        meta={"project": "empty"},
        quality={},
        selection={},
        model={},
        timings={},
        k_scores=pd.DataFrame(columns=K_SCORE_COLUMNS),
        assignments=pd.DataFrame(columns=ASSIGNMENT_COLUMNS),
        segments=pd.DataFrame(columns=SEGMENT_COLUMNS),
        profiles=pd.DataFrame(columns=PROFILE_COLUMNS),
    )
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(empty))

    assert list(loaded.assignments.columns) == ASSIGNMENT_COLUMNS
    assert len(loaded.assignments) == 0
    assert loaded.assignments["segment_id"].dtype == np.int64
    assert loaded.meta == {"project": "empty"}


def test_text_customer_ids_are_required(store_path: Path, record: RunRecord):
    record.assignments["customer_id"] = [10, 2, 7, 1]
    with (
        RunStore(store_path) as store,
        pytest.raises(StoreError, match=r"assignments: column 'customer_id', row 1: 10 is a"),
    ):
        store.save_run(record)


def test_fractional_segment_id_is_refused_with_row_and_value(store_path: Path, record: RunRecord):
    record.segments["segment_id"] = [1.5, 0.0]
    with (
        RunStore(store_path) as store,
        pytest.raises(StoreError, match=r"segments: column 'segment_id', row 1: 1\.5 is not"),
    ):
        store.save_run(record)


def test_missing_and_unexpected_columns_are_named(store_path: Path, record: RunRecord):
    record.assignments = record.assignments.drop(columns=["margin"]).assign(extra=1)
    with (
        RunStore(store_path) as store,
        pytest.raises(StoreError, match=r"missing column\(s\) \['margin'\].*\['extra'\]"),
    ):
        store.save_run(record)


def test_load_latest_and_by_id(store_path: Path, new_record: Callable[..., RunRecord]):
    with RunStore(store_path) as store:
        first = store.save_run(new_record(project="a"))
        second = store.save_run(new_record(project="b", n_extra=2))

        assert store.latest_run_id() == second == first + 1
        assert store.load_run().meta["project"] == "b"
        assert store.load_run(first).meta["project"] == "a"
        assert len(store.load_run().assignments) == 6


def test_unknown_run_id_lists_the_ids_that_exist(
    store_path: Path, record: RunRecord, new_record: Callable[..., RunRecord]
):
    with RunStore(store_path) as store:
        for _ in range(3):
            store.save_run(new_record())
        with pytest.raises(StoreError, match=r"no run 9; runs that exist: 1-3"):
            store.load_run(9)


def test_empty_store_has_no_latest_run(store_path: Path):
    with RunStore(store_path) as store:
        assert store.latest_run_id() is None
        with pytest.raises(StoreError, match="has no completed runs"):
            store.load_run()


def test_list_runs_newest_first(store_path: Path, new_record: Callable[..., RunRecord]):
    with RunStore(store_path) as store:
        assert list(store.list_runs().columns) == LIST_COLUMNS
        store.save_run(new_record(project="a"))
        store.save_run(new_record(project="b", n_extra=3))
        listed = store.list_runs()

    assert list(listed.columns) == LIST_COLUMNS
    assert listed["run_id"].tolist() == [2, 1]
    assert listed["project"].tolist() == ["b", "a"]
    assert listed["n_customers"].tolist() == [7, 4]
    assert listed["k"].tolist() == [2, 2]
    assert listed["status"].tolist() == ["complete", "complete"]
    assert listed["seed"].tolist() == [42, 42]
    assert listed["created_at"].iloc[0] == "2025-01-31T12:00:00+00:00"


def test_created_at_defaults_to_now_without_changing_meta(store_path: Path, record: RunRecord):
    del record.meta["created_at"]
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))
        listed = store.list_runs()

    assert "created_at" not in loaded.meta
    assert pd.Timestamp(listed["created_at"].iloc[0]).tzinfo is not None


def test_non_integer_seed_is_refused(store_path: Path, record: RunRecord):
    record.meta["seed"] = "forty-two"
    with RunStore(store_path) as store, pytest.raises(StoreError, match=r"meta\['seed'\]"):
        store.save_run(record)


def test_saving_a_loaded_run_appends_a_new_run(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        loaded = store.load_run(store.save_run(record))
        again = store.save_run(loaded)

        assert again == 2 and loaded.run_id == 2
        assert store.list_runs()["run_id"].tolist() == [2, 1]


def test_runs_persist_across_reopening(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        store.save_run(record)
    with RunStore(store_path) as store:
        loaded = store.load_run()

    pd.testing.assert_frame_equal(loaded.assignments, record.assignments)


def test_load_customers_reads_only_the_features_asked_for(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        run_id = store.save_run(record)
        some = store.load_customers(run_id, features=["country"])
        everything = store.load_customers()
        with pytest.raises(StoreError, match=r"no feature\(s\) \['age'\]; features: "):
            store.load_customers(run_id, features=["age"])

    assert list(some.columns) == ["customer_id", "country"]
    assert some["customer_id"].tolist() == record.customers["customer_id"].tolist()
    pd.testing.assert_frame_equal(everything, record.customers, check_dtype=False)
