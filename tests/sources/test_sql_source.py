"""SQL sources on a real SQLite file: identifiers, injection, read-only queries (BAD_INPUTS #48)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources import read_source
from user_segmentation.sources import sql as sql_module


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute(f'select count(*) from "{table}"').fetchone()[0])


def _tables(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        rows = con.execute("select name from sqlite_master where type = 'table' order by name")
        return [r[0] for r in rows]


def test_table_with_exact_ids(shop_db: Path) -> None:  # BAD_INPUTS #19 #20
    df = read_source("sql", shop_db, table="customers", id_columns=["customer_id", "code"])
    assert df.columns.tolist() == ["customer_id", "code", "spend"]
    assert df["customer_id"].dtype == pd.StringDtype()
    assert df["customer_id"].tolist() == ["12345678901234567", pd.NA, "42"]
    assert df["code"].tolist() == ["007", "008", pd.NA]
    assert df["spend"].tolist() == [10.5, 2.0, 3.25]
    assert isinstance(df.index, pd.RangeIndex)


def test_sqlite_url_works_like_a_path(shop_db: Path) -> None:
    df = read_source("sql", url=f"sqlite:///{shop_db}", table="users")
    assert df["name"].tolist() == ["ana", "bo"]


def test_injection_in_table_name_is_refused_and_db_unchanged(shop_db: Path) -> None:
    before = _tables(shop_db)
    with pytest.raises(SourceError, match="is not a plain identifier"):
        read_source("sql", shop_db, table='x"; DROP TABLE users; --')
    assert _tables(shop_db) == before
    assert _count(shop_db, "users") == 2


@pytest.mark.parametrize(
    "table", ["users;", "users\n", "main.users", "1users", "us ers", "a" * 64, ""]
)
def test_table_names_outside_the_identifier_pattern(shop_db: Path, table: str) -> None:
    with pytest.raises(SourceError, match="is not a plain identifier"):
        read_source("sql", shop_db, table=table)


def test_unknown_table_lists_the_tables(shop_db: Path) -> None:
    with pytest.raises(SourceError) as info:
        read_source("sql", shop_db, table="customer")
    assert str(info.value) == (
        "shop.db: table 'customer' not found; tables found: 'customers', 'orders', 'users'"
    )


def test_reserved_word_table_is_quoted(tmp_path: Path) -> None:
    db = tmp_path / "odd.db"
    with sqlite3.connect(db) as con:
        con.execute('create table "order" (id integer, "select" text)')
        con.execute("insert into \"order\" values (1, 'x')")
    df = read_source("sql", db, table="order")
    assert df.to_dict("list") == {"id": [1], "select": ["x"]}


def test_empty_table_is_empty_input(shop_db: Path) -> None:  # BAD_INPUTS #2
    with pytest.raises(EmptyInputError, match=r"shop\.db, table 'orders': table has 0 data rows"):
        read_source("sql", shop_db, table="orders")


def test_query_reads_rows(shop_db: Path) -> None:
    df = read_source(
        "sql",
        shop_db,
        query="SELECT customer_id AS id, spend FROM customers WHERE code <> 'x;y' ORDER BY spend;",
        id_columns=["id"],
    )
    assert df["id"].tolist() == [pd.NA, "12345678901234567"]  # NULL code fails the WHERE


def test_query_with_no_rows_is_empty_input(shop_db: Path) -> None:
    with pytest.raises(EmptyInputError, match="query result has 0 data rows"):
        read_source("sql", shop_db, query="select * from users where id > 99")


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("SELECT 1; DROP TABLE users", "more than one statement"),
        ("DROP TABLE users", "must start with SELECT"),
        ("DELETE FROM users", "must start with SELECT"),
        ("WITH d AS (DELETE FROM users RETURNING id) SELECT * FROM d", "contains 'DELETE'"),
        ("select 1 /* ; */ ; -- fine\n; update users set name = 'x'", "more than one statement"),
    ],
)
def test_writing_queries_are_refused_and_db_unchanged(
    shop_db: Path, query: str, match: str
) -> None:
    with pytest.raises(SourceError, match=match):
        read_source("sql", shop_db, query=query)
    assert _count(shop_db, "users") == 2
    assert _tables(shop_db) == ["customers", "orders", "users"]


def test_connection_is_read_only(shop_db: Path) -> None:
    df = read_source("sql", shop_db, query="SELECT * FROM pragma_query_only")
    assert df.iloc[0, 0] == 1


def test_database_refuses_writes_even_past_the_query_check(
    shop_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The keyword check is only the first defence: the read-only connection is the second.
    monkeypatch.setattr(sql_module, "check_read_only_query", lambda query, label: None)
    with pytest.raises(SourceError, match="database error: attempt to write a readonly"):
        read_source("sql", shop_db, query="DELETE FROM users")
    assert _count(shop_db, "users") == 2


def test_duplicate_result_columns_are_refused(shop_db: Path) -> None:
    with pytest.raises(SchemaError, match="duplicate column names: 'id'"):
        read_source("sql", shop_db, query="select id, name as id from users")


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(SourceError, match=r"nope\.db: file not found"):
        read_source("sql", missing, table="users")
    with pytest.raises(SourceError, match="SQLite database file not found"):
        read_source("sql", url=f"sqlite:///{missing}", table="users")
    assert not missing.exists()


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database, just text " * 200)
    with pytest.raises(SourceError, match=r"notes\.db, table 'users': database error"):
        read_source("sql", path, table="users")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"table": "users"}, "exactly one of url= or path="),
        ({"url": "sqlite://", "path": "x.db", "table": "users"}, "exactly one of url= or path="),
        ({"url": "sqlite://"}, "exactly one of table= or query="),
        ({"url": "sqlite://", "table": "t", "query": "select 1"}, "exactly one of table="),
        ({"url": "not a url", "table": "t"}, "invalid database URL"),
    ],
)
def test_argument_mistakes(kwargs: dict, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        read_source("sql", **kwargs)


def test_password_never_appears_in_messages() -> None:
    with pytest.raises(SourceError) as info:
        read_source("sql", url="nosuchdb://ana:s3cret@db.example/shop", table="users")
    assert "s3cret" not in str(info.value)
    assert "no driver" in str(info.value)
