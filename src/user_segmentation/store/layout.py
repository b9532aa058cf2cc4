"""Give a database the run store's tables, or check that it already holds them.

A new SQLite store is built under a temporary name and linked into place complete; any other
empty database gets the tables in one transaction. An existing database is checked before use
and refused, never altered, if it is not a store this version can read.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from sqlalchemy import Connection, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from user_segmentation.errors import StoreError
from user_segmentation.store.connection import REMEDY, WRITE_OPTION, make_engine, resolve_location
from user_segmentation.store.schema import SCHEMA_VERSION, metadata, schema_version

logger = logging.getLogger(__name__)


def create_schema(conn: Connection) -> None:
    """Create all tables and the version row, unless another process did it first."""
    if schema_version.name in inspect(conn).get_table_names():
        return
    metadata.create_all(conn)
    conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))


def create_sqlite_file(path: Path, busy_timeout: float) -> None:
    """Create a new SQLite store at ``path`` atomically.

    The store is built under a temporary name in the same folder and hard-linked into place
    only once complete, so no process ever sees an empty or half-created file at ``path``
    (which :func:`~user_segmentation.store.connection.check_sqlite_file` would rightly refuse
    as damaged). If another process links its store first, that one is kept.

    Raises
    ------
    StoreError
        If the folder or the file cannot be created, naming the path.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "runs.db"
    >>> create_sqlite_file(path, busy_timeout=5.0)
    >>> path.read_bytes()[:15]
    b'SQLite format 3'
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"store {path}: cannot create the folder {path.parent}: {exc.strerror or exc}"
        ) from exc
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.creating")
    engine = make_engine(resolve_location(temp), busy_timeout)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                create_schema(conn)
        # Closing the last connection checkpoints the WAL into the file before it is linked.
        engine.dispose()
        try:
            os.link(temp, path)
        except FileExistsError:
            logger.debug("store %s was created by another process meanwhile", path)
        except OSError:
            # No hard links on this filesystem: fall back to a rename, which could replace a
            # store created by another process in the same instant (acceptable: it is empty).
            if not path.exists():
                os.replace(temp, path)
    except SQLAlchemyError as exc:
        raise StoreError(f"store {path}: cannot create a new store: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"store {path}: cannot create a new store: {exc.strerror or exc}") from exc
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)


def check_layout(conn: Connection, where: str) -> bool:
    """Check that a database holds a run store this version can read.

    Parameters
    ----------
    conn
        A connection inside a transaction; nothing is written.
    where
        The store's file or URL, for messages.

    Returns
    -------
    bool
        ``True`` for a usable store, ``False`` for a database with no tables at all (one
        that :func:`create_schema` may fill).

    Raises
    ------
    StoreError
        If the database holds other tables, was written by a newer version, or lacks a
        table or column of the store; the message says what to do.

    Examples
    --------
    >>> from sqlalchemy import create_engine
    >>> engine = create_engine("sqlite://")
    >>> with engine.begin() as conn:
    ...     before = check_layout(conn, "sqlite://")
    ...     create_schema(conn)
    ...     after = check_layout(conn, "sqlite://")
    >>> before, after
    (False, True)
    """
    insp = inspect(conn)
    tables = set(insp.get_table_names())
    if not tables:
        return False
    if schema_version.name not in tables:
        raise StoreError(
            f"{where} is a database but not a run store (it holds the tables "
            f"{', '.join(sorted(tables))}). Point the store setting in segmentation.yaml "
            "to another location."
        )
    versions = list(conn.execute(select(schema_version.c.version)).scalars())
    if len(versions) != 1:
        raise StoreError(
            f"store {where} is damaged: schema_version holds {len(versions)} rows, "
            f"expected 1. {REMEDY}"
        )
    version = versions[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"store {where} was written by a newer version of user-segmentation (store "
            f"schema {version}; this version reads up to {SCHEMA_VERSION}). Upgrade "
            "user-segmentation, or point the store setting to another location."
        )
    if version < 1:
        raise StoreError(f"store {where} is damaged: schema version {version}. {REMEDY}")
    missing = sorted(set(metadata.tables) - tables)
    if missing:
        raise StoreError(
            f"store {where} is damaged: table(s) {', '.join(missing)} are missing. {REMEDY}"
        )
    absent = []
    for name, table in metadata.tables.items():
        present = {str(c["name"]) for c in insp.get_columns(name)}
        absent += [f"{name}.{c.name}" for c in table.columns if c.name not in present]
    if absent:
        # Schema version 1 is still the pre-release layout, so a store made by an earlier
        # 0.x build can lack a column added since; it is refused, not altered.
        raise StoreError(
            f"store {where} lacks column(s) {', '.join(absent)}: it was made by an earlier "
            "pre-release of user-segmentation with an older store layout, or it is damaged. "
            "Point the store setting in segmentation.yaml to another location (a new path "
            "starts an empty store). The store was left untouched."
        )
    return True
