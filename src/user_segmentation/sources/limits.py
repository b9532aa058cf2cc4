"""Caps on decompressed size, the guard against compression bombs (zip, gzip, xlsx).

A small compressed file can expand to terabytes. Zip members are judged by the sizes their
headers declare before anything is extracted; gzip streams declare nothing usable (the trailer
holds the size modulo 4 GiB), so their bytes are counted while they are read.
"""

from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

from user_segmentation.errors import SourceError

#: Default cap on the decompressed size of one compressed file or archive member (20 GiB).
DEFAULT_MAX_UNCOMPRESSED_BYTES = 20 * 1024**3

#: Largest accepted ratio of uncompressed to compressed size of a zip member. Deflate cannot
#: do much better than about 1032:1, so real data stays below this and crafted bombs above.
MAX_COMPRESSION_RATIO = 1000


def check_max_bytes(value: object, label: str) -> int:
    """Return ``value`` as the cap after checking it is a positive integer.

    Examples
    --------
    >>> check_max_bytes(1024, "a.zip")
    1024
    >>> check_max_bytes(0, "a.zip")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    user_segmentation.errors.SourceError: a.zip: max_uncompressed_bytes must be ..., got 0
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SourceError(
            f"{label}: max_uncompressed_bytes must be a positive integer, got {value!r}"
        )
    return value


def check_zip_member(info: zipfile.ZipInfo, max_bytes: int, label: str) -> None:
    """Refuse a zip member whose declared size or compression ratio is too large.

    Parameters
    ----------
    info
        The member's entry from the archive's central directory.
    max_bytes
        Largest accepted uncompressed size.
    label
        Name of the archive used in messages.

    Raises
    ------
    SourceError
        When the declared uncompressed size exceeds ``max_bytes`` or the ratio exceeds
        :data:`MAX_COMPRESSION_RATIO`.

    Examples
    --------
    >>> info = zipfile.ZipInfo("a.csv")
    >>> info.file_size, info.compress_size = 10_000_000, 1_000
    >>> check_zip_member(info, 2**30, "a.zip")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    user_segmentation.errors.SourceError: a.zip: member 'a.csv' would expand 10000:1 ...
    """
    size, packed = info.file_size, info.compress_size
    if size > max_bytes:
        raise SourceError(
            f"{label}: member {info.filename!r} declares {size:,} bytes uncompressed, more "
            f"than max_uncompressed_bytes ({max_bytes:,}); refusing to extract it"
        )
    if size and size > MAX_COMPRESSION_RATIO * max(packed, 1):
        ratio = size // max(packed, 1)
        raise SourceError(
            f"{label}: member {info.filename!r} would expand {ratio}:1 ({packed:,} to "
            f"{size:,} bytes), beyond the {MAX_COMPRESSION_RATIO}:1 accepted for data; this "
            "looks like a zip bomb, refusing to extract it"
        )


class CappedStream(io.RawIOBase):
    """A read-only stream that fails once more than ``max_bytes`` have come out of ``raw``.

    Wrap a decompressing stream in it (and in :class:`io.BufferedReader`) so that a
    compression bomb is stopped after ``max_bytes``, whoever reads it.

    Examples
    --------
    >>> import gzip
    >>> raw = io.BytesIO(gzip.compress(b"x" * 100))
    >>> with io.BufferedReader(CappedStream(gzip.open(raw), 10, "a.gz")) as fh:
    ...     fh.read()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    user_segmentation.errors.SourceError: a.gz: decompressed content exceeds ...
    """

    def __init__(self, raw: BinaryIO, max_bytes: int, label: str) -> None:
        super().__init__()
        self._raw = raw
        self._max_bytes = max_bytes
        self._label = label
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        # Never ask for more than one byte past the cap: a bomb is not expanded in memory.
        wanted = min(len(buffer), self._max_bytes - self._count + 1)
        data = self._raw.read(wanted)
        self._count += len(data)
        if self._count > self._max_bytes:
            raise SourceError(
                f"{self._label}: decompressed content exceeds max_uncompressed_bytes "
                f"({self._max_bytes:,} bytes); refusing to read further (a compression bomb?)"
            )
        view = memoryview(buffer).cast("B")
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()
