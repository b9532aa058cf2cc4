"""A damaged or foreign store file gives a StoreError naming it and what to do (BAD_INPUTS #54).

The file is never recreated or changed: the user must be able to restore or inspect it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from user_segmentation.errors import StoreError
from user_segmentation.records import RunRecord
from user_segmentation.store import RunStore


def _filled_store(path: Path, new_record: Callable[..., RunRecord]) -> bytes:
    """A store with two runs of a few hundred customers (several pages); its bytes."""
    with RunStore(path) as store:
        store.save_run(new_record(n_extra=400))
        store.save_run(new_record(n_extra=300))
    assert not Path(f"{path}-wal").exists()  # closed cleanly: everything is in the main file
    return path.read_bytes()


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(store_path: Path):
    store_path.parent.mkdir(parents=True)
    content = b"customer_id,amount\n1,2.50\n"
    store_path.write_bytes(content)

    with pytest.raises(StoreError) as info:
        RunStore(store_path)

    message = str(info.value)
    assert str(store_path) in message
    assert "not a SQLite database" in message
    assert "backup" in message and "another location" in message
    assert store_path.read_bytes() == content


def test_an_empty_file_is_refused_not_silently_made_a_new_store(store_path: Path):
    store_path.parent.mkdir(parents=True)
    store_path.touch()

    with pytest.raises(StoreError, match=r"is empty \(0 bytes\).*backup"):
        RunStore(store_path)
    assert store_path.stat().st_size == 0


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_store_is_refused_and_left_alone(
    store_path: Path, new_record: Callable[..., RunRecord], keep: float
):
    content = _filled_store(store_path, new_record)
    cut = content[: int(len(content) * keep)]
    store_path.write_bytes(cut)

    with pytest.raises(StoreError, match=r"is truncated.*backup") as info:
        RunStore(store_path)
    assert str(store_path) in str(info.value)
    assert store_path.read_bytes() == cut


def test_a_store_cut_inside_its_header_is_refused(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        store.save_run(record)
    store_path.write_bytes(store_path.read_bytes()[:50])

    with pytest.raises(StoreError, match="is truncated"):
        RunStore(store_path)


def test_garbled_pages_give_a_store_error_not_a_traceback(
    store_path: Path, new_record: Callable[..., RunRecord]
):
    content = bytearray(_filled_store(store_path, new_record))
    page = 4096
    # Keep page 1 (header and table list) intact, scribble over everything after it.
    for start in range(page, len(content), page):
        content[start : start + page] = bytes((i * 37 + 11) % 256 for i in range(page))
    store_path.write_bytes(bytes(content))

    with (
        pytest.raises(StoreError, match=r"damaged|not a run store|truncated") as info,
        RunStore(store_path) as store,
    ):
        store.load_run()
    assert str(store_path) in str(info.value)


def test_another_programs_database_is_refused_and_left_alone(store_path: Path):
    store_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(store_path)) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL)")
        conn.execute("INSERT INTO orders VALUES (1, 9.5)")
        conn.commit()

    with pytest.raises(StoreError, match=r"not a run store \(it holds the tables orders\)"):
        RunStore(store_path)

    with closing(sqlite3.connect(store_path)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["orders"]


def test_an_empty_sqlite_database_becomes_a_store(store_path: Path, record: RunRecord):
    store_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(store_path)) as conn:
        conn.execute("PRAGMA user_version = 1")  # writes the header: a valid, empty database
        conn.commit()

    with RunStore(store_path) as store:
        assert store.save_run(record) == 1


def test_a_store_from_a_newer_version_is_refused(store_path: Path, record: RunRecord):
    with RunStore(store_path) as store:
        store.save_run(record)
    with closing(sqlite3.connect(store_path)) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
        conn.commit()

    with pytest.raises(StoreError, match=r"newer version of user-segmentation \(store schema 99"):
        RunStore(store_path)


def test_a_store_missing_a_table_is_refused(store_path: Path):
    RunStore(store_path).close()
    with closing(sqlite3.connect(store_path)) as conn:
        conn.execute("DROP TABLE profiles")
        conn.commit()

    with pytest.raises(StoreError, match=r"damaged: table\(s\) profiles are missing.*backup"):
        RunStore(store_path)


def test_a_store_with_an_older_pre_release_layout_is_refused_untouched(
    store_path: Path, record: RunRecord
):
    # A store made before profiles gained std_diff: same schema version, one column fewer.
    with RunStore(store_path) as store:
        store.save_run(record)
    with closing(sqlite3.connect(store_path)) as conn:
        conn.execute("ALTER TABLE profiles DROP COLUMN std_diff")
        conn.commit()
    before = store_path.read_bytes()

    with pytest.raises(StoreError, match=r"lacks column\(s\) profiles\.std_diff: .*pre-release"):
        RunStore(store_path)
    assert store_path.read_bytes() == before


def test_a_directory_is_not_a_store(tmp_path: Path):
    with pytest.raises(StoreError, match="is a directory"):
        RunStore(tmp_path)
