"""Tables that DuckDB evaluates lazily: a SQL query plus the DataFrames it refers to.

Transaction logs and event tables can be far larger than memory. They are therefore passed
between stages as a :class:`TableRef` — SQL over files (``read_csv``/``read_parquet``), over
registered DataFrames or over tables of the process's workspace database — and only the
per-customer aggregates are ever materialised in pandas.

Every connection of :func:`connect` belongs to one in-memory DuckDB database per process, so a
table stored there once (a parsed log, see :meth:`TableRef.materialize`) is read by every later
stage without parsing the file again. The database keeps within a memory limit
(:data:`DEFAULT_MEMORY_LIMIT`, or the environment variable ``SEGMENT_MEMORY_LIMIT``, see
:func:`set_memory_limit`): beyond it DuckDB moves blocks to temporary files of the workspace
folder (under ``TMPDIR``), so stored tables may be larger than memory.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import duckdb
import pandas as pd

from user_segmentation.errors import ConfigError

logger = logging.getLogger(__name__)

#: Memory the workspace database may use before it spills to temporary files.
DEFAULT_MEMORY_LIMIT = "2GB"
#: Environment variable that overrides :data:`DEFAULT_MEMORY_LIMIT` (e.g. ``"6GB"``).
MEMORY_LIMIT_VARIABLE = "SEGMENT_MEMORY_LIMIT"

#: Column types whose text form casts back to exactly the same DOUBLE as a direct cast.
EXACT_AS_DOUBLE = frozenset(
    ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
     "DOUBLE"]
)  # fmt: skip

_names = itertools.count()
_workspace: list[Path] = []
_database: list[tuple[int, duckdb.DuckDBPyConnection]] = []  # (process id, connection)
_settings: dict[str, str] = {}
_cursors: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()  # live connections
_lock = threading.Lock()  # one database per process, even when threads start together


def workspace() -> Path:
    """A private temporary folder (the database's spill files), removed when the process exits."""
    if not _workspace:
        folder = Path(tempfile.mkdtemp(prefix="user_segmentation_"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _workspace.append(folder)
    return _workspace[0]


def _shared() -> duckdb.DuckDBPyConnection:
    """The workspace database of this process, created on first use.

    A process started by ``fork`` gets a database of its own: DuckDB's state cannot be shared
    across processes.
    """
    with _lock:
        if not _database or _database[0][0] != os.getpid():
            folder = workspace() / "spill"
            con = duckdb.connect(":memory:")
            con.execute(f"SET temp_directory = {quote_literal(str(folder))}")
            _set_limit(con, _settings.get("memory_limit") or _default_limit())
            # Registered after the workspace's removal, so it runs first: files are closed then.
            atexit.register(con.close)
            _database[:] = [(os.getpid(), con)]
        return _database[0][1]


def set_memory_limit(limit: str | None = None) -> None:
    """Set how much memory the workspace database may use before spilling (e.g. ``"3GB"``).

    ``None`` goes back to the default: ``SEGMENT_MEMORY_LIMIT`` if set, else
    :data:`DEFAULT_MEMORY_LIMIT`.

    Raises
    ------
    ConfigError
        When DuckDB does not understand the limit.

    Examples
    --------
    >>> set_memory_limit("1GB")
    >>> set_memory_limit()  # back to the default
    """
    limit = limit or _default_limit()
    if _database and _database[0][0] == os.getpid():
        _set_limit(_database[0][1], limit)
    _settings["memory_limit"] = limit


def _default_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT


def _set_limit(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    try:
        con.execute(f"SET memory_limit = {quote_literal(limit)}")
    except duckdb.Error as exc:
        raise ConfigError(
            f"memory limit {limit!r} (set by {MEMORY_LIMIT_VARIABLE} or set_memory_limit) is "
            f"not a size DuckDB understands, such as '2GB' or '512MB': {exc}"
        ) from None


def connect() -> duckdb.DuckDBPyConnection:
    """A connection to the workspace database, without the terminal progress bar (output is ours).

    Views, temporary tables and registered DataFrames belong to the connection; tables stored
    with :meth:`TableRef.materialize` are seen by every connection.
    """
    con = _shared().cursor()
    # Progress is tracked for query_progress() but never printed: the output is ours. In a
    # Jupyter kernel without ipywidgets DuckDB refuses the settings; nothing prints there.
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar_print = false")
        con.execute("SET enable_progress_bar = true")
    # Naive timestamps are UTC, whatever the machine's zone (and results do not depend on it).
    con.execute("SET TimeZone = 'UTC'")
    _cursors.add(con)
    return con


def query_progress() -> float | None:
    """Percent done (0-100) of the furthest-along query running on this process's workspace
    connections, or None when none is running: for progress displays of long stages.

    Examples
    --------
    >>> query_progress() is None
    True
    """
    done = []
    for con in list(_cursors):
        with contextlib.suppress(duckdb.Error):
            done.append(con.query_progress())
    running = [p for p in done if p >= 0]
    return max(running) if running else None


def quote_identifier(name: str) -> str:
    """Quote a column name for DuckDB: double quotes, embedded quotes doubled.

    Column names come from users' files, so they are never interpolated unquoted.

    Examples
    --------
    >>> print(quote_identifier("order id"), quote_identifier('a"b'))
    "order id" "a""b"
    """
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Quote a text as a DuckDB string literal: single quotes, embedded quotes doubled.

    Examples
    --------
    >>> print(quote_literal("it's"))
    'it''s'
    """
    return "'" + text.replace("'", "''") + "'"


class StoredTable:
    """A table of the workspace database, dropped once no :class:`TableRef` refers to it.

    Examples
    --------
    >>> stored = StoredTable.create("SELECT 42 AS answer")
    >>> with connect() as con:
    ...     con.execute(f"SELECT answer FROM {stored.name}").fetchall()
    [(42,)]
    """

    def __init__(self, name: str) -> None:
        self.name = name
        drop = weakref.finalize(self, _drop, name, os.getpid())
        drop.atexit = False  # the whole database goes at exit anyway

    @classmethod
    def create(
        cls,
        sql: str,
        frames: Mapping[str, Frame] | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> StoredTable:
        """Evaluate ``sql`` (reading ``frames``) once into a new table.

        ``con``: a connection of :func:`connect` whose temporary tables ``sql`` reads.
        """
        name = f"stored_{next(_names)}"
        target = connect() if con is None else con
        registered = [n for n, f in (frames or {}).items() if not isinstance(f, StoredTable)]
        try:
            for frame_name in registered:
                target.register(frame_name, (frames or {})[frame_name])
            target.execute(f"CREATE TABLE {name} AS {sql}")
        finally:
            if con is None:
                target.close()
            else:
                for frame_name in registered:
                    target.unregister(frame_name)
        return cls(name)


def _drop(name: str, pid: int) -> None:
    if not _database or _database[0][0] != pid:
        return  # another process's table, or the database is gone
    try:
        with _database[0][1].cursor() as con:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    except duckdb.Error as exc:  # e.g. the database was closed at exit
        logger.debug("could not drop %s: %s", name, exc)


#: What a table's SQL reads besides files: DataFrames and stored tables.
Frame: TypeAlias = pd.DataFrame | StoredTable


@dataclass(frozen=True)
class RawKeyed:
    """A table's rows with ``customer_id`` as written in the source, and the way to canonical ids.

    Each raw id of these rows has its own canonical id (the stored table ``mapping``, columns
    ``_raw_id`` and ``_canonical_id``, maps them one to one), so grouping by the raw id and
    mapping the groups gives what grouping by the canonical id gives, without joining every
    row to its canonical id first.
    """

    sql: str
    mapping: str
    #: Text columns whose values are also held as DOUBLE (``TRY_CAST``, computed once when
    #: the source was parsed), by the name of the column of ``sql`` holding them.
    numbers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TableRef:
    """A table as SQL that any DuckDB connection can evaluate once :meth:`attach` has run.

    Examples
    --------
    >>> t = TableRef.from_frame(pd.DataFrame({"a": [1, 2, 3]}))
    >>> t.derive("SELECT * FROM t WHERE a > 1").count()
    2
    """

    sql: str
    frames: dict[str, Frame] = field(default_factory=dict)
    origin: str = ""  # file or source name, for messages
    #: The same rows keyed by raw ids, where known (tables derived from this one drop it).
    raw_keyed: RawKeyed | None = None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, origin: str = "") -> TableRef:
        """Wrap an in-memory DataFrame."""
        name = f"frame_{next(_names)}"
        return cls(f"SELECT * FROM {name}", {name: frame}, origin)

    @classmethod
    def from_stored(cls, stored: StoredTable, origin: str = "") -> TableRef:
        """Read a stored table (which lives as long as this table or any derived from it)."""
        return cls(f"SELECT * FROM {stored.name}", {stored.name: stored}, origin)

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """Register the DataFrames this table reads from on ``con``."""
        for name, frame in self.frames.items():
            if not isinstance(frame, StoredTable):  # stored tables are seen by every connection
                con.register(name, frame)

    def derive(self, sql: str) -> TableRef:
        """A new table whose ``sql`` reads this one as ``t`` (``SELECT ... FROM t ...``)."""
        return TableRef(f"WITH t AS ({self.sql}) {sql}", self.frames, self.origin)

    def materialize(self) -> TableRef:
        """Evaluate once into a table of the workspace database and read from there.

        Later queries scan the stored columns instead of re-running the whole chain (parsing a
        CSV file, say). The table is held in memory up to the database's memory limit and
        spills to temporary files beyond it, so this works for tables larger than memory;
        column types and row order are kept exactly. The table is dropped once no table
        refers to it any longer.
        """
        return TableRef.from_stored(StoredTable.create(self.sql, self.frames), self.origin)

    def columns(self) -> list[str]:
        """Column names, without reading the data."""
        return list(self.types())

    def types(self) -> dict[str, str]:
        """Column names and DuckDB types (``"VARCHAR"``, ``"BIGINT"`` ...), without reading data."""
        with self._connection() as con:
            described = con.execute(f"SELECT * FROM ({self.sql}) LIMIT 0").description
        return {str(d[0]): str(d[1]) for d in described}

    def count(self) -> int:
        """Number of rows."""
        with self._connection() as con:
            row = con.execute(f"SELECT count(*) FROM ({self.sql})").fetchone()
        return int(row[0]) if row else 0

    def df(self) -> pd.DataFrame:
        """Materialise in pandas (for small tables and tests)."""
        with self._connection() as con:
            return con.execute(self.sql).df()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        con = connect()
        self.attach(con)
        return con
