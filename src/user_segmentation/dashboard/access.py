"""Open a store for reading only: never create one, and say plainly when there is nothing to show.

:class:`~user_segmentation.store.RunStore` creates a SQLite file that does not exist yet (the
pipeline wants that); a reader must not, so a missing file is refused here before the store is
opened.
"""

from __future__ import annotations

from user_segmentation.errors import StoreError
from user_segmentation.store import RunStore
from user_segmentation.store.connection import resolve_location


def connection_url(url_or_path: str) -> str:
    """The store as a full SQLAlchemy URL (a path becomes an absolute ``sqlite:///`` URL).

    The password of a server URL is kept: the result is for connecting, not for messages.

    Examples
    --------
    >>> connection_url("/data/runs.db")
    'sqlite:////data/runs.db'
    >>> connection_url("postgresql+psycopg://me:secret@db/segments")
    'postgresql+psycopg://me:secret@db/segments'
    """
    return resolve_location(url_or_path).url.render_as_string(hide_password=False)


def has_password(url_or_path: str) -> bool:
    """Whether the store URL holds a password (then it is passed in the environment).

    Examples
    --------
    >>> has_password("postgresql+psycopg://me:secret@db/segments"), has_password("runs.db")
    (True, False)
    """
    return resolve_location(url_or_path).url.password is not None


def open_existing_store(url_or_path: str) -> RunStore:
    """Open a store that must already exist.

    Parameters
    ----------
    url_or_path
        A SQLAlchemy URL or the path of a SQLite store.

    Returns
    -------
    RunStore
        To be closed by the caller (use it as a context manager).

    Raises
    ------
    StoreError
        If a SQLite store file does not exist (nothing is created), or the store cannot be
        opened (damaged, unreachable, not a store).

    Examples
    --------
    >>> open_existing_store("/nonexistent/runs.db")
    Traceback (most recent call last):
    ...
    user_segmentation.errors.StoreError: store /nonexistent/runs.db does not exist; ...
    """
    location = resolve_location(url_or_path)
    if location.path is not None and not location.path.exists():
        raise StoreError(
            f"store {location.display} does not exist; make a run first "
            "(`segment run -c segmentation.yaml`, or `segment demo`) or point --store at "
            "an existing store"
        )
    return RunStore(url_or_path)


def check_store(url_or_path: str) -> int:
    """Check that a store opens and has a run to show; return the run shown by default.

    Raises
    ------
    StoreError
        If the store does not exist, cannot be opened, or holds no completed run.

    Examples
    --------
    >>> check_store("sqlite://")
    Traceback (most recent call last):
    ...
    user_segmentation.errors.StoreError: store sqlite:// has no runs yet; ...
    """
    with open_existing_store(url_or_path) as store:
        current = store.current_run_id()
        where = store.url
    if current is None:
        raise StoreError(
            f"store {where} has no runs yet; make one with `segment run -c segmentation.yaml`"
        )
    return current
