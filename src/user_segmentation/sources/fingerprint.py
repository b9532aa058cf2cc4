"""Content fingerprints of source files, recorded with each run."""

from __future__ import annotations

import hashlib
from pathlib import Path

from user_segmentation.errors import SourceError


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
