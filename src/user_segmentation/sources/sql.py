"""A database table or read-only query into a DataFrame, through SQLAlchemy Core.

Table names come from configuration and cannot be bound as parameters, so they are checked
against a strict identifier pattern and against the tables the database lists, then quoted.
The connection is made read-only where the database allows it (SQLite: read-only open and
``query_only``; PostgreSQL: a read-only transaction) and is always rolled back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from user_segmentation.errors import SourceError
from user_segmentation.sources.checks import clean_names, frame_from_rows, require_rows
from user_segmentation.sources.files import check_file

#: What a table name from configuration may look like (PostgreSQL's 63-byte limit).
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")  # used with fullmatch

_QUERY_START = re.compile(r"^\(*\s*(select|with|values)\b", re.IGNORECASE)
_WRITE_WORDS = re.compile(
    r"\b(insert|update|delete|merge|upsert|drop|alter|create|truncate|grant|revoke|attach|"
    r"detach|pragma|vacuum|reindex|copy|call|exec|execute|lock)\b",
    re.IGNORECASE,
)
_DRIVER_HINTS = {"postgresql": "pip install 'user-segmentation[postgres]'"}


def read_sql(
    path: str | Path | None = None,
    *,
    url: str | None = None,
    table: str | None = None,
    query: str | None = None,
    id_columns: Sequence[str] = (),
    name: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """Read a whole table, or the result of one read-only query.

    Parameters
    ----------
    path
        A SQLite file (opened read-only); give this or ``url``.
    url
        A SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``.
    table
        Table or view name: a plain identifier that must exist in the database.
    query
        A single ``SELECT``/``WITH``/``VALUES`` statement, run as given (nothing is
        interpolated into it); give this or ``table``.
    id_columns
        Columns returned as text (integers exact, without ``.0``).
    name
        Label for messages; defaults to the file name or the URL without password.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The rows, and the label naming database and table (or query) for later messages.

    Raises
    ------
    SourceError
        Bad or ambiguous arguments, a table name that is not a plain identifier or does not
        exist (the tables found are listed), a query that is not a single read, a missing
        driver, or any database error.
    EmptyInputError
        When the table or query has 0 rows.

    Examples
    --------
    >>> import sqlite3, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "shop.db"
    >>> with sqlite3.connect(db) as con:
    ...     _ = con.execute("create table customers (id integer, city text)")
    ...     _ = con.execute("insert into customers values (12345678901234567, 'Oslo')")
    >>> df, where = read_sql(db, table="customers", id_columns=["id"])
    >>> df["id"].tolist(), where
    (['12345678901234567'], "shop.db, table 'customers'")
    """
    if (path is None) == (url is None):
        raise SourceError("a source of kind 'sql' needs exactly one of url= or path=")
    if (table is None) == (query is None):
        raise SourceError("a source of kind 'sql' needs exactly one of table= or query=")
    db_url, label = _url(path, url, name)
    if table is not None and not (isinstance(table, str) and IDENTIFIER.fullmatch(table)):
        raise SourceError(
            f"{label}: table name {table!r} is not a plain identifier (a letter or _, then "
            "letters, digits or _; at most 63 characters); refusing to use it"
        )
    if query is not None:
        check_read_only_query(query, label)
    where = f"{label}, table {table!r}" if table is not None else f"{label}, query"
    engine = _engine(db_url, label)
    try:
        with engine.connect() as conn:
            try:
                _make_read_only(conn)
                if table is not None:
                    _check_table_exists(conn, table, label)
                    stmt: Any = sa.select(sa.literal_column("*")).select_from(
                        sa.table(sa.quoted_name(table, quote=True))
                    )
                else:
                    stmt = sa.text(query or "")
                result = conn.execute(stmt)
                columns = clean_names(result.keys(), where)
                rows = result.fetchall()
            finally:
                conn.rollback()  # never commit: reading must leave the database as it was
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise SourceError(f"{where}: database error: {reason}") from exc
    finally:
        engine.dispose()
    frame = frame_from_rows(rows, columns, id_columns, coerce_float=True)
    require_rows(frame, where, "table" if table is not None else "query result")
    return frame, where


def check_read_only_query(query: str, label: str) -> None:
    """Refuse anything but one statement that reads.

    A first line of defence only (the connection is also read-only where the database allows
    it): string literals, quoted identifiers and comments are blanked, then the statement must
    start with SELECT, WITH or VALUES, hold no further statement and no writing keyword.

    Examples
    --------
    >>> check_read_only_query("SELECT id FROM t WHERE note = 'a; drop'", "db")
    >>> check_read_only_query("SELECT 1; DROP TABLE users", "db")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    user_segmentation.errors.SourceError: db: query holds more than one statement; ...
    """
    code = _code_only(query).strip()
    while code.endswith(";"):
        code = code[:-1].rstrip()
    if not code:
        raise SourceError(f"{label}: query is empty")
    if ";" in code:
        raise SourceError(
            f"{label}: query holds more than one statement; only a single read is allowed"
        )
    if not _QUERY_START.match(code):
        raise SourceError(f"{label}: query must start with SELECT, WITH or VALUES")
    word = _WRITE_WORDS.search(code)
    if word:
        raise SourceError(
            f"{label}: query contains {word.group(1).upper()!r}; only reading is allowed "
            '(quote an identifier with that name, e.g. "update")'
        )


def _code_only(sql: str) -> str:
    """Blank out string literals, quoted identifiers and comments (written here: no parser
    of SQL dialects is a dependency, and only statement boundaries and keywords matter)."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # doubled quote inside the literal
                        j += 2
                        continue
                    break
                j += 1
            out.append(" ")
            i = j + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            out.append(" ")
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _url(path: str | Path | None, url: str | None, name: str | None) -> tuple[URL, str]:
    if path is not None:
        file = check_file(path, "sql", name)
        # mode=ro: a read-only open, and no new empty database when the path is wrong.
        db_url = URL.create(
            "sqlite", database=file.resolve().as_uri(), query={"mode": "ro", "uri": "true"}
        )
        return db_url, name or file.name
    try:
        db_url = sa.make_url(url or "")
    except ArgumentError as exc:
        raise SourceError(f"{name or 'sql source'}: invalid database URL: {exc}") from exc
    label = name or db_url.render_as_string(hide_password=True)
    database = db_url.database or ""
    if (
        db_url.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
        and not Path(database).is_file()
    ):
        # SQLite would silently create an empty database at a mistyped path.
        raise SourceError(f"{label}: SQLite database file not found: {database}")
    return db_url, label


def _engine(db_url: URL, label: str) -> sa.Engine:
    try:
        return sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        backend = db_url.get_backend_name()
        hint = _DRIVER_HINTS.get(backend, f"install a database driver for {backend!r}")
        raise SourceError(f"{label}: no driver for {db_url.drivername!r}: {hint}") from exc
    except (ArgumentError, SQLAlchemyError, ValueError, TypeError) as exc:
        raise SourceError(f"{label}: cannot set up the database connection: {exc}") from exc


def _make_read_only(conn: Connection) -> None:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only = ON")
    elif dialect == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def _check_table_exists(conn: Connection, table: str, label: str) -> None:
    inspector = sa.inspect(conn)
    names = [*inspector.get_table_names(), *inspector.get_view_names()]
    if table not in names:
        found = ", ".join(repr(n) for n in sorted(names)) or "none"
        raise SourceError(f"{label}: table {table!r} not found; tables found: {found}")
