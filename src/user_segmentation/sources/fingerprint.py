"""Content fingerprints of source files, recorded with each run."""

from __future__ import annotations

import hashlib
from pathlib import Path

from user_segmentation.errors import SourceError
from user_segmentation.sources.globbing import expand_pattern, is_pattern
from user_segmentation.sources.parquet_dataset import dataset_files


def file_fingerprint(path: str | Path) -> str:
    """Return the SHA-256 of a file's bytes as 64 hex digits, reading it in chunks.

    The same content gives the same fingerprint whatever the file's name or modification
    time, so a run record can tell whether its inputs changed.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        Lower-case hex digest.

    Raises
    ------
    SourceError
        When the file does not exist, is a directory or cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"abc")
    >>> file_fingerprint(p)[:16]
    'ba7816bf8f01cfea'
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256")
    except FileNotFoundError as exc:
        raise SourceError(f"{p}: file not found") from exc
    except IsADirectoryError as exc:
        raise SourceError(f"{p}: is a directory, not a file") from exc
    except OSError as exc:
        raise SourceError(f"{p}: cannot read the file: {exc.strerror or exc}") from exc
    return digest.hexdigest()


def source_fingerprint(path: str | Path) -> str:
    """Return the SHA-256 of what a file source reads: a file, a Parquet folder or a pattern.

    A file gives :func:`file_fingerprint`. A folder gives a digest over the relative path and
    content digest of each of its ``*.parquet`` files (as
    :func:`~user_segmentation.sources.parquet_dataset.dataset_files` lists them), a glob
    pattern the same over the matching files (a matching folder contributes its Parquet
    files): renaming, adding or changing a file changes the fingerprint.

    Parameters
    ----------
    path
        A file, a folder or a glob pattern, as given to
        :func:`~user_segmentation.sources.read_source`.

    Returns
    -------
    str
        Lower-case hex digest.

    Raises
    ------
    SourceError
        When the file does not exist or cannot be read, or the pattern matches nothing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a_1.csv").write_bytes(b"abc")
    >>> source_fingerprint(d / "a_1.csv") == file_fingerprint(d / "a_1.csv")
    True
    >>> before = source_fingerprint(d / "a_*.csv")
    >>> _ = (d / "a_2.csv").write_bytes(b"abc")
    >>> source_fingerprint(d / "a_*.csv") == before
    False
    """
    text = str(path)
    if is_pattern(path):
        matches = expand_pattern(text, text, folders=True)
    elif Path(path).is_dir():
        matches = [(Path(path), "")]
    else:
        return file_fingerprint(path)
    digest = hashlib.sha256()
    for match, shown in matches:
        files = [(match, shown)]
        if match.is_dir():
            files = [
                (f, _joined(shown, f.relative_to(match).as_posix())) for f in dataset_files(match)
            ]
        for file, name in files:
            digest.update(f"{name}\0{file_fingerprint(file)}\n".encode())
    return digest.hexdigest()


def _joined(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
