"""One writer at a time: a second run on the same store stops at once with a clear message.

Readers never take the lock (SQLite in WAL mode and PostgreSQL let them read while a run
writes). For a SQLite store the lock is an exclusive ``flock`` on ``<store>.lock`` beside the
file: the kernel releases it when the holder exits, even when killed, so a crashed run never
leaves a stale lock behind. For PostgreSQL it is a session-level advisory lock, released the
same way when the connection ends. The holder's pid and start time are written into the lock
file (or looked up in ``pg_locks``) so that the refusal can say who holds it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from user_segmentation.errors import StoreError
from user_segmentation.store.connection import make_engine, resolve_location

logger = logging.getLogger(__name__)

#: Advisory-lock key of the run store on PostgreSQL (any fixed 64-bit number).
PG_LOCK_KEY = 0x5E6_3E47


def lock_path(store_path: Path) -> Path:
    """The lock file of a SQLite store.

    Examples
    --------
    >>> lock_path(Path("/data/segmentation.db")).name
    'segmentation.db.lock'
    """
    return store_path.with_name(store_path.name + ".lock")


def _busy(display: str, holder: str) -> StoreError:
    return StoreError(
        f"store {display}: a run is in progress ({holder}); only one run writes at a time. "
        "Wait for it to finish, or stop it, then try again"
    )


@contextmanager
def file_lock(store_path: Path, display: str) -> Iterator[None]:
    """Hold the writer lock of a SQLite store, or raise :class:`StoreError` at once.

    Examples
    --------
    >>> import tempfile
    >>> db = Path(tempfile.mkdtemp()) / "runs.db"
    >>> with file_lock(db, str(db)):
    ...     with file_lock(db, str(db)):
    ...         pass
    Traceback (most recent call last):
    ...
    user_segmentation.errors.StoreError: store ...: a run is in progress (pid ...
    """
    path = lock_path(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(display, _holder(fd)) from None
        holder = {"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """'pid N, since T' from the lock file, or a plain note when it cannot be read yet."""
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {int(data['pid'])}, since {data['since']}"
    except (ValueError, KeyError, TypeError, OSError):
        return "another process"


@contextmanager
def advisory_lock(engine: Engine, display: str) -> Iterator[None]:
    """Hold the writer lock of a PostgreSQL store, or raise :class:`StoreError` at once."""
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
        if not got.scalar():
            row = conn.execute(
                text(
                    "SELECT a.pid, a.backend_start FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.objid = :low LIMIT 1"
                ),
                {"low": PG_LOCK_KEY & 0xFFFFFFFF},
            ).first()
            holder = "another session" if row is None else f"backend {row[0]}, since {row[1]}"
            conn.rollback()
            raise _busy(display, holder)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
            conn.commit()


@contextmanager
def writer_lock(url_or_path: str | Path) -> Iterator[None]:
    """Hold the writer lock of a store for a whole run (read → save), or fail at once.

    Works before the store exists (a new SQLite store is only created when the first run is
    saved). A second process asking while a run holds it gets a :class:`StoreError` naming
    the holder; nothing waits or retries. Readers never need the lock. An in-memory SQLite
    store belongs to one process and takes no lock.

    Examples
    --------
    >>> with writer_lock("sqlite://"):
    ...     pass
    """
    location = resolve_location(url_or_path)
    if location.path is not None:
        with file_lock(location.path, location.display):
            yield
    elif location.url.get_backend_name() == "postgresql":
        engine = make_engine(location, busy_timeout=30.0)
        try:
            with advisory_lock(engine, location.display):
                yield
        finally:
            engine.dispose()
    else:
        yield
