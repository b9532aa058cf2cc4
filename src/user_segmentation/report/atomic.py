"""Write a file so that readers see either the old content or the new, never half of it."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from user_segmentation.errors import SegmentationError

logger = logging.getLogger(__name__)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and ``os.replace``.

    The temporary file lives in the target's directory, so the final rename stays on one file
    system and is atomic. On any failure the temporary file is removed and an existing file at
    ``path`` is left as it was. Missing parent directories are created.

    Parameters
    ----------
    path
        Destination file.
    text
        Content; characters UTF-8 cannot encode (lone surrogates) are written as backslash
        escapes rather than failing the write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    SegmentationError
        If the directory cannot be created or the file cannot be written, naming the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> write_text_atomic(target, "<p>hi</p>").read_text()
    '<p>hi</p>'
    """
    return write_bytes_atomic(path, text.encode("utf-8", errors="backslashreplace"))


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` as :func:`write_text_atomic` does: complete or not at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "members.csv"
    >>> write_bytes_atomic(target, b"customer_id\\n").read_bytes()
    b'customer_id\\n'
    """
    target = Path(path)
    # Keep the temporary name within NAME_MAX even for long report names.
    tmp = target.parent / f".{target.name[:100]}.{uuid.uuid4().hex}.tmp"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # os.open with 0o666 lets the umask decide the mode, as for any ordinary file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SegmentationError(f"cannot write {target}: {reason}") from exc
    logger.info("wrote %s (%d bytes)", target, len(data))
    return target
