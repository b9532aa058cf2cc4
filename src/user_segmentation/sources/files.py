"""File-level helpers shared by the file readers: existence checks, gzip, text decoding errors."""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from pathlib import Path
from typing import BinaryIO, cast

from user_segmentation.errors import EmptyInputError, SourceError
from user_segmentation.sources.limits import DEFAULT_MAX_UNCOMPRESSED_BYTES, CappedStream

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def check_file(
    path: str | Path | None, kind: str, label: str | None = None, *, folder_ok: bool = False
) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking it is a non-empty file.

    Parameters
    ----------
    path
        The file to check.
    kind
        The source kind, for the message when ``path`` is missing.
    label
        Name used in messages (defaults to the file name).
    folder_ok
        Accept a directory too (a folder of Parquet files).

    Returns
    -------
    pathlib.Path
        The same path.

    Raises
    ------
    SourceError
        When no path is given, the path does not exist, is a directory or cannot be read.
    EmptyInputError
        When the file holds 0 bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("id\\n1\\n")
    >>> check_file(p, "csv").name
    'a.csv'
    """
    if path is None:
        raise SourceError(f"a source of kind '{kind}' needs a path")
    p = Path(path)
    name = label or p.name
    try:
        if not p.exists():
            raise SourceError(f"{p}: file not found")
        if p.is_dir():
            if folder_ok:
                return p
            raise SourceError(f"{p}: is a directory, not a file")
        size = p.stat().st_size
    except OSError as exc:
        raise SourceError(f"{p}: cannot access the file: {exc.strerror or exc}") from exc
    if size == 0:
        raise EmptyInputError(f"{name}: file is empty (0 bytes)")
    return p


def is_gzip(path: Path) -> bool:
    """Tell whether ``path`` starts with the gzip magic bytes (whatever its extension).

    Examples
    --------
    >>> import gzip, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv.gz"
    >>> _ = p.write_bytes(gzip.compress(b"id\\n1\\n"))
    >>> is_gzip(p)
    True
    """
    with open(path, "rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_binary(
    path: Path,
    max_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    label: str | None = None,
) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing gzip transparently.

    Decompressed gzip content is counted as it is read and refused beyond ``max_bytes``
    (a :class:`~user_segmentation.errors.SourceError` naming ``label``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> with open_binary(p) as fh:
    ...     fh.read()
    b'abc'
    """
    if is_gzip(path):
        raw = cast(BinaryIO, gzip.open(path, "rb"))  # noqa: SIM115 - closed with the wrapper
        stream = CappedStream(raw, max_bytes, label or path.name)
        return cast(BinaryIO, io.BufferedReader(stream, _CHUNK))
    return open(path, "rb")


def normalise_encoding(encoding: str | None, label: str) -> str:
    """Return the codec name to read with: ``utf-8-sig`` by default (strips a BOM).

    Raises
    ------
    SourceError
        When the encoding is unknown to Python.

    Examples
    --------
    >>> normalise_encoding(None, "a.csv")
    'utf-8-sig'
    >>> normalise_encoding("Latin-1", "a.csv")
    'iso8859-1'
    """
    if encoding is None:
        return "utf-8-sig"
    try:
        info = codecs.lookup(encoding)
    except LookupError as exc:
        raise SourceError(f"{label}: unknown encoding {encoding!r}") from exc
    # Plain utf-8 also gets the BOM stripped: a BOM is never part of the data.
    return "utf-8-sig" if info.name == "utf-8" else info.name


def decode_error(path: Path, encoding: str, label: str) -> SourceError:
    """Build the error for a file that is not valid text in ``encoding``.

    The file is scanned again (only on this failure path) to find the absolute byte offset and
    the 1-based physical line of the first undecodable byte, which pandas does not report.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"id,country\\n1,Espa\\xf1a\\n")
    >>> print(decode_error(p, "utf-8-sig", "a.csv"))  # doctest: +ELLIPSIS
    a.csv: byte 0xf1 at byte offset 17 (line 2, after '1,Espa') is not valid utf-8 text...
    """
    shown = "utf-8" if encoding == "utf-8-sig" else encoding
    hint = (
        "; pass encoding= with the file's encoding (e.g. 'latin-1' or 'cp1252')"
        if shown == "utf-8"
        else "; check the encoding= setting"
    )
    try:
        found = locate_decode_error(path, encoding)
    except (OSError, EOFError, zlib.error):
        found = None
    if found is None:
        return SourceError(f"{label}: file is not valid {shown} text{hint}")
    offset, line, bad, context = found
    return SourceError(
        f"{label}: byte 0x{bad:02x} at byte offset {offset} (line {line}, after {context!r}) "
        f"is not valid {shown} text{hint}"
    )


def locate_decode_error(path: Path, encoding: str) -> tuple[int, int, int, str] | None:
    """Find the first byte of ``path`` that cannot be decoded with ``encoding``.

    Returns
    -------
    tuple or None
        ``(byte_offset, line, byte_value, line_start_text)`` with a 0-based offset into the
        (decompressed) content and a 1-based line, or ``None`` when the whole file decodes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"a\\nb\\xffc\\n")
    >>> locate_decode_error(p, "utf-8")
    (3, 2, 255, 'b')
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    consumed = 0
    newlines = 0
    last_line = b""  # bytes of the current line before the chunk being decoded
    with open_binary(path) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                in_chunk = max(exc.start - pending, 0)
                before = chunk[:in_chunk]
                line = newlines + before.count(b"\n") + 1
                head = before.rsplit(b"\n", 1)
                line_bytes = (last_line + head[0]) if len(head) == 1 else head[1]
                context = line_bytes[-60:].decode(encoding, errors="backslashreplace")
                return consumed - pending + exc.start, line, exc.object[exc.start], context
            except UnicodeError:
                return None  # a stream-level failure (e.g. UTF-16 without BOM): no position
            if final:
                return None
            consumed += len(chunk)
            newlines += chunk.count(b"\n")
            tail = chunk.rsplit(b"\n", 1)
            last_line = (last_line + tail[0])[-120:] if len(tail) == 1 else tail[1][-120:]
