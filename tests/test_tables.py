"""Lazy tables: a materialised table reads back exactly what its query gave, spilling to disk
beyond the workspace database's memory limit, and goes once nothing reads it."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import ConfigError
from user_segmentation.tables import (
    StoredTable,
    TableRef,
    connect,
    query_progress,
    set_memory_limit,
    workspace,
)

_TYPED = """
SELECT * FROM (VALUES
    ('a', 1, 1.5, TRUE, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.678901',
     12.345::DECIMAL(9, 3), 170141183460469231731687303715884105727::HUGEINT,
     'c6b5f3a2-8f0e-4f0a-9a53-2a1b5d3e4f60'::UUID, '{"k": 1}'::JSON, [1, 2], {'x': 'y'},
     INTERVAL 3 DAY, 2::UTINYINT),
    (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) t(s, i, d, b, dt, ts, dec, huge, id, js, l, st, iv, u)
"""


def _describe(table: TableRef) -> list[tuple[str, str]]:
    with connect() as con:
        table.attach(con)
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table.sql}").fetchall()]


def test_materialised_columns_keep_their_types_and_values() -> None:
    query = TableRef(_TYPED)
    stored = query.materialize()
    assert _describe(stored) == _describe(query)
    pd.testing.assert_frame_equal(stored.df(), query.df())


def test_materialised_table_is_read_again_and_again() -> None:
    lines = pd.DataFrame({"customer_id": ["1", "2", "2", None], "amount": [1.0, 2.0, 2.0, 4.0]})
    stored = TableRef.from_frame(lines).derive("SELECT DISTINCT * FROM t").materialize()
    assert stored.count() == 3
    assert stored.columns() == ["customer_id", "amount"]
    top = stored.derive("SELECT customer_id FROM t WHERE amount > 1 ORDER BY amount").df()
    assert top["customer_id"].fillna("-").tolist() == ["2", "-"]
    assert stored.count() == 3  # reading does not consume it


def test_materialised_empty_result_keeps_its_columns() -> None:
    lines = pd.DataFrame({"customer_id": ["1"], "amount": [1.0]})
    stored = TableRef.from_frame(lines).derive("SELECT * FROM t WHERE amount < 0").materialize()
    assert stored.count() == 0
    assert stored.columns() == ["customer_id", "amount"]


def test_materialised_rows_keep_the_query_order() -> None:
    lines = pd.DataFrame({"n": range(5000)})
    stored = TableRef.from_frame(lines).derive("SELECT n FROM t ORDER BY n DESC").materialize()
    assert stored.df()["n"].tolist() == list(range(4999, -1, -1))


def _stored_names() -> set[str]:
    with connect() as con:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_a_materialised_table_is_seen_by_every_connection_and_dropped_when_unused() -> None:
    stored = TableRef.from_frame(pd.DataFrame({"a": [1, 2]})).materialize()
    (name,) = (n for n, f in stored.frames.items() if isinstance(f, StoredTable))
    assert name in _stored_names()
    with connect() as con:  # a new connection, nothing attached
        assert con.execute(f"SELECT sum(a) FROM {name}").fetchone() == (3,)
    derived = stored.derive("SELECT a * 10 AS b FROM t")
    del stored
    gc.collect()
    assert derived.df()["b"].tolist() == [10, 20]  # a derived table keeps it alive
    del derived
    gc.collect()
    assert name not in _stored_names()


@pytest.fixture
def small_memory() -> Iterator[None]:
    set_memory_limit("48MB")
    yield
    set_memory_limit()


def test_a_table_larger_than_the_memory_limit_spills_and_reads_back_exactly(
    small_memory: None,
) -> None:
    n = 1_500_000  # about 100 MB of text against a 48 MB limit
    query = TableRef(
        f"SELECT range AS n, printf('%08d', range) || repeat('x', 56) AS text FROM range({n})"
    )
    stored = query.materialize()
    with connect() as con:
        row = con.execute("SELECT sum(temporary_storage_bytes) FROM duckdb_memory()").fetchone()
    assert row is not None and row[0] > 0
    checks = "SELECT count(*) AS rows, count(DISTINCT text) AS texts, sum(n) AS total FROM t"
    assert stored.derive(checks).df().iloc[0].tolist() == [n, n, n * (n - 1) // 2]
    last = stored.derive("SELECT text FROM t ORDER BY n DESC LIMIT 1").df()["text"].item()
    assert last == f"{n - 1:08d}" + "x" * 56


def test_the_spill_folder_is_in_the_private_workspace() -> None:
    with connect() as con:
        folder = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    assert Path(folder).parent == workspace()


@pytest.mark.parametrize("size", [0, 1, 70_000])
def test_texts_of_any_length_survive(size: int) -> None:
    text = "é" * size
    stored = TableRef.from_frame(pd.DataFrame({"t": [text, text + "y"]})).materialize()
    assert stored.df()["t"].tolist() == [text, text + "y"]


def _current_limit() -> str:
    with connect() as con:
        return str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])


def test_the_memory_limit_comes_from_the_environment_and_a_bad_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEGMENT_MEMORY_LIMIT", "300MB")
    set_memory_limit()
    try:
        assert _current_limit() == "286.1 MiB"  # DuckDB shows 300 MB in MiB
        monkeypatch.setenv("SEGMENT_MEMORY_LIMIT", "lots")
        with pytest.raises(ConfigError, match=r"memory limit 'lots'.*SEGMENT_MEMORY_LIMIT"):
            set_memory_limit()
        assert _current_limit() == "286.1 MiB"  # the last good limit stays
    finally:
        monkeypatch.delenv("SEGMENT_MEMORY_LIMIT")
        set_memory_limit()
    assert _current_limit() == "1.8 GiB"  # the 2 GB default


def test_query_progress_follows_a_running_query_and_is_none_when_idle() -> None:
    con = connect()
    seen: list[float | None] = []
    worker = threading.Thread(
        target=lambda: con.execute(
            "SELECT sum(hash(i::VARCHAR)) FROM range(30000000) t(i)"
        ).fetchall()
    )
    worker.start()
    while worker.is_alive():
        seen.append(query_progress())
        time.sleep(0.05)
    worker.join()
    running = [p for p in seen if p is not None]
    assert running and all(0 <= p <= 100 for p in running)
    assert query_progress() is None
    con.close()
