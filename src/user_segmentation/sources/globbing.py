"""Glob patterns (``exports/orders_*.csv``): every matching file read alike, then stacked."""

from __future__ import annotations

import glob
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from user_segmentation.errors import SourceError
from user_segmentation.sources.combine import union_parts

logger = logging.getLogger(__name__)

#: The column :func:`read_matching` adds, naming each row's file.
FILE_COLUMN = "source_file"

_MAGIC = re.compile(r"[*?[]")


def is_pattern(path: str | Path | None) -> bool:
    """Tell whether ``path`` is a glob pattern: it holds ``*``, ``?`` or ``[``.

    A path that exists as written is a path, even when its name holds such characters
    (``report [2024].csv``).

    Examples
    --------
    >>> is_pattern("exports/orders_*.csv"), is_pattern("exports/orders.csv"), is_pattern(None)
    (True, False, False)
    """
    if path is None:
        return False
    text = str(path)
    return bool(_MAGIC.search(text)) and not Path(text).exists()


def expand_pattern(pattern: str, label: str, *, folders: bool = False) -> list[tuple[Path, str]]:
    """The files matching ``pattern``, sorted, each with the name to show for it.

    ``**`` matches any number of folders; hidden files are not matched by ``*``. The name
    shown is the path below the pattern's fixed leading folders (``orders_2024.csv`` for
    ``exports/orders_*.csv``, ``2024/orders.csv`` for ``exports/*/orders.csv``).

    Parameters
    ----------
    pattern
        The glob pattern.
    label
        Name used in messages.
    folders
        Keep matching folders too (Parquet datasets); otherwise only files are kept.

    Raises
    ------
    SourceError
        When nothing matches (the pattern is named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["b_2.csv", "b_1.csv", "c.txt"]:
    ...     _ = (d / name).write_text("id\\n1\\n")
    >>> [shown for _, shown in expand_pattern(str(d / "b_*.csv"), "orders")]
    ['b_1.csv', 'b_2.csv']
    """
    root = pattern_root(pattern)
    found: list[tuple[Path, str]] = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        path = Path(match)
        if path.is_file() or (folders and path.is_dir()):
            try:
                shown = path.relative_to(root).as_posix()
            except ValueError:
                shown = path.as_posix()
            found.append((path, shown))
    if not found:
        what = "file or folder" if folders else "file"
        raise SourceError(f"{label}: no {what} matches the pattern {pattern!r}")
    return found


def pattern_root(pattern: str) -> Path:
    """The leading folders of ``pattern`` that hold no wildcard.

    Examples
    --------
    >>> pattern_root("exports/2024-*/orders.csv").as_posix(), pattern_root("*.csv").as_posix()
    ('exports', '.')
    """
    fixed = []
    for part in Path(pattern).parts[:-1]:
        if _MAGIC.search(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path()


def read_matching(
    pattern: str,
    label: str,
    read_one: Callable[[Path, str], pd.DataFrame],
    *,
    folders: bool = False,
) -> pd.DataFrame:
    """Read every file matching ``pattern`` with ``read_one`` and stack them.

    Parameters
    ----------
    pattern
        The glob pattern (see :func:`expand_pattern`).
    label
        Name of the whole source, used in messages; each file is read with the label
        ``"<label>, file '<name>'"``.
    read_one
        Reads one file given its path and label.
    folders
        Let folders match too (Parquet datasets).

    Returns
    -------
    pandas.DataFrame
        The files' rows in sorted file order, plus a ``source_file`` column naming each
        row's file as :func:`expand_pattern` shows it.

    Raises
    ------
    SourceError
        When nothing matches, or as ``read_one`` raises. A file whose content equals an
        earlier match (a copy) is skipped with a warning.
    SchemaError
        When a file's columns differ from the first file's (the file and columns are named),
        a column holds different kinds of values in two files, or a file already has a
        ``source_file`` column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "o_1.csv").write_text("id,x\\n1,2\\n")
    >>> _ = (d / "o_2.csv").write_text("id,x\\n3,4\\n")
    >>> df = read_matching(str(d / "o_*.csv"), "orders", lambda p, _: pd.read_csv(p))
    >>> df.to_dict("list")
    {'id': [1, 3], 'x': [2, 4], 'source_file': ['o_1.csv', 'o_2.csv']}
    """
    # Imported here: fingerprint.py expands patterns with this module.
    from user_segmentation.sources.fingerprint import file_fingerprint

    parts = []
    seen: dict[str, str] = {}
    for path, shown in expand_pattern(pattern, label, folders=folders):
        # The same export copied twice (BAD_INPUTS #18) must not count its rows twice.
        digest = file_fingerprint(path) if path.is_file() else shown
        if digest in seen:
            logger.warning("%s: file %r skipped, same content as %r", label, shown, seen[digest])
            continue
        seen[digest] = shown
        frame = read_one(path, f"{label}, file {shown!r}")
        logger.info("%s, file %r: %d rows", label, shown, len(frame))
        parts.append((shown, frame))
    return union_parts(parts, FILE_COLUMN, label, "file")
