"""Open the database behind a run store: resolve the location, check the file, make the engine.

SQLite is the default and gets three things on every new connection: ``journal_mode=WAL``
(readers never block the one writer, and a reader sees only committed runs),
``foreign_keys=ON`` and a ``busy_timeout`` (a second writer waits for the first instead of
failing at once). SQLAlchemy also takes over ``BEGIN`` from the ``sqlite3`` module, whose
legacy mode starts no transaction for SELECT or CREATE TABLE: with it a run loaded in several
SELECTs could mix two snapshots, and the schema would not be created atomically.

Other databases (PostgreSQL) get a plain engine; nothing here is SQLite-only except the
connection hooks, which are installed only when the dialect is SQLite.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from user_segmentation.errors import StoreError

logger = logging.getLogger(__name__)

#: Execution option that makes a SQLite transaction take the write lock at BEGIN. Writers use
#: it so that they queue on busy_timeout instead of failing when upgrading a read snapshot.
WRITE_OPTION = "user_segmentation_write"

#: What a user can do about a damaged store file; appended to every such error.
REMEDY = (
    "Restore the file from a backup, or point the store setting in segmentation.yaml to "
    "another location (a new path starts an empty store). The file was left untouched."
)

_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class StoreLocation:
    """Where a store lives: the URL to connect to and, for a SQLite file, its path."""

    url: URL
    path: Path | None

    @property
    def display(self) -> str:
        """The file path, or the URL with any password hidden, for messages."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)


def resolve_location(url_or_path: str | Path) -> StoreLocation:
    """Turn a database URL or a file path into a :class:`StoreLocation`.

    A path (anything without ``://``) is a SQLite file; it becomes an absolute
    ``sqlite:///`` URL. A ``sqlite:///`` URL with a relative path is made absolute too.

    Examples
    --------
    >>> loc = resolve_location("/tmp/runs.db")
    >>> loc.url.render_as_string(), str(loc.path)
    ('sqlite:////tmp/runs.db', '/tmp/runs.db')
    >>> resolve_location("sqlite://").path is None
    True
    """
    if isinstance(url_or_path, Path) or "://" not in str(url_or_path):
        path = Path(url_or_path).expanduser().resolve()
        return StoreLocation(URL.create("sqlite", database=str(path)), path)
    try:
        url = make_url(str(url_or_path))
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"store location {url_or_path!r} is not a valid database URL") from exc
    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file:")
    if url.get_backend_name() != "sqlite" or in_memory:
        return StoreLocation(url, None)
    path = Path(database).expanduser().resolve()
    return StoreLocation(url.set(database=str(path)), path)


def check_sqlite_file(path: Path) -> bool:
    """Check that an existing file looks like an intact SQLite database, before opening it.

    Only the header is read; the file is never written, so a damaged store stays as it was for
    the user to restore.

    Parameters
    ----------
    path
        The store file.

    Returns
    -------
    bool
        ``True`` if the file exists (and passed), ``False`` if there is no file yet.

    Raises
    ------
    StoreError
        If the path is a directory, the file is empty, is not a SQLite database, or is shorter
        than its header says (truncated). The message names the file and what to do.

    Examples
    --------
    >>> check_sqlite_file(Path("/nonexistent/runs.db"))
    False
    """
    if not path.exists():
        return False
    if path.is_dir():
        raise StoreError(f"store {path} is a directory, not a file; point the store elsewhere")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StoreError(f"store {path} cannot be read: {exc.strerror or exc}") from exc
    if size == 0:
        # A store is created under a temporary name and linked into place complete, so an
        # empty file at the store path is damage (or a stray file), never a store being born.
        raise StoreError(
            f"store {path} is empty (0 bytes): it was truncated or is not a store. {REMEDY}"
        )
    if not (header.startswith(_SQLITE_MAGIC) or _SQLITE_MAGIC.startswith(header)):
        raise StoreError(f"store {path} is not a SQLite database. {REMEDY}")
    if len(header) < 100:
        raise StoreError(f"store {path} is truncated (only {size} bytes). {REMEDY}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise StoreError(f"store {path} has a damaged header (page size {page_size}). {REMEDY}")
    wal = path.with_name(path.name + "-wal")
    change_counter, valid_for = header[24:28], header[92:96]
    # The page count in the header is trustworthy only when no WAL is pending (no connection
    # open, last one checkpointed) and the header says it is valid for this change counter.
    if not wal.exists() and change_counter == valid_for:
        n_pages = int.from_bytes(header[28:32], "big")
        if n_pages * page_size > size:
            raise StoreError(
                f"store {path} is truncated: its header counts {n_pages} pages of {page_size} "
                f"bytes ({n_pages * page_size} bytes) but the file has {size} bytes. {REMEDY}"
            )
    return True


def make_engine(location: StoreLocation, busy_timeout: float) -> Engine:
    """Create the SQLAlchemy engine for a store, with the SQLite connection hooks if needed.

    Parameters
    ----------
    location
        Where the store is.
    busy_timeout
        Seconds a SQLite writer waits for another writer before giving up.

    Returns
    -------
    sqlalchemy.Engine

    Raises
    ------
    StoreError
        If the URL names a database driver that is not installed.

    Examples
    --------
    >>> engine = make_engine(resolve_location("sqlite://"), busy_timeout=5.0)
    >>> engine.dialect.name
    'sqlite'
    >>> engine.dispose()
    """
    try:
        engine = create_engine(location.url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        hint = ""
        if location.url.get_backend_name() == "postgresql":
            hint = " (pip install 'user-segmentation[postgres]')"
        raise StoreError(
            f"store {location.display}: cannot use this database URL: {exc}{hint}"
        ) from exc
    if engine.dialect.name == "sqlite":
        _install_sqlite_hooks(engine, busy_timeout)
    return engine


def _install_sqlite_hooks(engine: Engine, busy_timeout: float) -> None:
    timeout_ms = max(0, round(busy_timeout * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Leave BEGIN to the "begin" hook below (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms:d}")
            cursor.execute("PRAGMA foreign_keys = ON")
            # A bigger page cache (64 MiB, allocated only as used) keeps the assignment
            # indexes in memory while a large run is inserted: ~20 % less time at 1M rows.
            cursor.execute("PRAGMA cache_size = -65536")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        finally:
            cursor.close()
        if str(mode).lower() != "wal":
            # In-memory databases report "memory"; a file that refuses WAL would let readers
            # block the writer, which is worth a warning but not a refusal.
            logger.log(
                logging.DEBUG if str(mode).lower() == "memory" else logging.WARNING,
                "store %s: journal_mode is %s, not WAL",
                engine.url.render_as_string(hide_password=True),
                mode,
            )

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
