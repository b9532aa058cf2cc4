"""The tables follow records.py, and SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from user_segmentation.errors import StoreError
from user_segmentation.records import (
    ASSIGNMENT_COLUMNS,
    K_SCORE_COLUMNS,
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    STATISTICS_COLUMNS,
)
from user_segmentation.store import RunStore
from user_segmentation.store.connection import make_engine, resolve_location
from user_segmentation.store.schema import CUSTOMER_VALUE_COLUMNS, SCHEMA_VERSION, metadata


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("k_scores", K_SCORE_COLUMNS),
        ("assignments", ASSIGNMENT_COLUMNS),
        ("segments", SEGMENT_COLUMNS),
        ("profiles", PROFILE_COLUMNS),
        ("statistics", STATISTICS_COLUMNS),
        ("customer_values", CUSTOMER_VALUE_COLUMNS),
    ],
)
def test_frame_tables_hold_the_records_columns(table: str, columns: list[str]):
    names = [c.name for c in metadata.tables[table].columns]
    assert names == ["run_id", *columns, "row_order"]


def test_created_store_has_keys_index_and_version(store_path: Path):
    RunStore(store_path).close()
    engine = create_engine(f"sqlite:///{store_path}")
    try:
        insp = inspect(engine)
        assert set(insp.get_table_names()) == set(metadata.tables)
        assert insp.get_pk_constraint("assignments")["constrained_columns"] == [
            "run_id",
            "customer_id",
        ]
        assert insp.get_pk_constraint("segments")["constrained_columns"] == [
            "run_id",
            "segment_id",
        ]
        assert insp.get_pk_constraint("profiles")["constrained_columns"] == [
            "run_id",
            "segment_id",
            "feature",
        ]
        indexed = [ix["column_names"] for ix in insp.get_indexes("assignments")]
        assert ["run_id", "segment_id"] in indexed
        runs_columns = {c["name"] for c in insp.get_columns("runs")}
        assert {"meta_json", "quality_json", "selection_json", "model_json", "timings_json"} <= (
            runs_columns
        )
    finally:
        engine.dispose()
    with closing(sqlite3.connect(store_path)) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_store_file_is_in_wal_mode(store_path: Path):
    RunStore(store_path).close()
    with closing(sqlite3.connect(store_path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_connection_gets_foreign_keys_and_busy_timeout(tmp_path: Path):
    engine = make_engine(resolve_location(tmp_path / "x.db"), busy_timeout=7.5)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7500
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_a_path_becomes_an_absolute_sqlite_url_and_its_folder_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    with RunStore(Path("nested") / "deeper" / "runs.db") as store:
        assert store.url == f"sqlite:///{tmp_path / 'nested' / 'deeper' / 'runs.db'}"
    assert (tmp_path / "nested" / "deeper" / "runs.db").is_file()


def test_a_relative_sqlite_url_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    with RunStore("sqlite:///runs.db") as store:
        assert store.url == f"sqlite:///{tmp_path / 'runs.db'}"


def test_creating_a_store_leaves_no_temporary_files(store_path: Path):
    RunStore(store_path).close()
    assert sorted(os.listdir(store_path.parent)) == ["runs.db"]


def test_url_hides_the_password():
    location = resolve_location("postgresql+psycopg://me:secret@db.example/runs")
    assert "secret" not in location.display
    assert location.path is None


def test_invalid_url_is_a_store_error():
    with pytest.raises(StoreError, match="not a valid database URL"):
        RunStore("nosuch://host:port/db")


def test_unknown_database_kind_is_a_store_error():
    with pytest.raises(StoreError, match="cannot use this database URL"):
        RunStore("nosuchdb://host/db")


def test_closed_store_says_so(store_path: Path):
    store = RunStore(store_path)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(StoreError, match="is closed"):
        store.list_runs()


def test_schema_and_inserts_compile_for_postgresql():
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = postgresql.dialect()
    for table in metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert "sqlite" not in ddl.lower()
        for index in table.indexes:
            CreateIndex(index).compile(dialect=dialect)
        compiled = table.insert().compile(dialect=dialect)
        assert not compiled.positional  # rows are then passed as dicts


def test_rows_insert_with_a_named_paramstyle_driver_too(tmp_path: Path):
    # PostgreSQL drivers use named parameters; SQLite can too, which lets us run that path here.
    import numpy as np

    from user_segmentation.store.run_store import _insert_columns
    from user_segmentation.store.schema import runs, segments

    engine = create_engine(f"sqlite:///{tmp_path / 'named.db'}", paramstyle="named")
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            assert not conn.dialect.positional
            conn.execute(
                runs.insert().values(
                    run_id=1, created_at="t", status="complete", n_customers=0, k=2,
                    meta_json="{}", quality_json="{}", selection_json="{}", model_json="{}",
                    timings_json="{}",
                )
            )  # fmt: skip
            values = [np.array([1, 0]), np.array(["B", None], dtype=object), np.array([2, 3])]
            values.append(np.array([0.4, 0.6]))
            _insert_columns(conn, segments, ["segment_id", "name", "size", "share"], values, 1)
            rows = conn.exec_driver_sql(
                "SELECT segment_id, name, size, share, row_order FROM segments ORDER BY row_order"
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "B", 2, 0.4, 0), (0, None, 3, 0.6, 1)]
