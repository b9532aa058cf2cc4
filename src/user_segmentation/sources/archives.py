"""Zip archives holding one data file: pick the member, refuse bombs, extract it safely.

The member is extracted to a fresh temporary folder under a fixed name (never the name stored
in the archive, which may hold ``../``) so that every reader gets the ordinary seekable file it
needs (the CSV reader reads a file twice, openpyxl and pyarrow seek).
"""

from __future__ import annotations

import lzma
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from user_segmentation.errors import EmptyInputError, SourceError
from user_segmentation.sources.limits import check_zip_member

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a member's local header; an empty archive
#: The part every Office Open XML document (.xlsx, .docx) holds: such a zip is a document.
OFFICE_MARKER = "[Content_Types].xml"

#: Data-file suffixes (after an optional ``.gz``) and the kinds each may be read as.
DATA_SUFFIXES: dict[str, tuple[str, ...]] = {
    ".csv": ("csv",),
    ".tsv": ("csv",),
    ".psv": ("csv",),
    ".txt": ("csv",),
    ".dat": ("csv",),
    ".json": ("json", "jsonl"),
    ".jsonl": ("jsonl",),
    ".ndjson": ("jsonl",),
    ".parquet": ("parquet",),
    ".pq": ("parquet",),
    ".xlsx": ("excel",),
    ".xlsm": ("excel",),
}

_KIND_NAMES = {
    "csv": "a delimited text",
    "json": "a JSON",
    "jsonl": "a JSON Lines",
    "parquet": "a Parquet",
    "excel": "an Excel",
}
_CHUNK = 1 << 20
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,  # a compression method zipfile lacks (deflate64, ...)
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
)


def is_zip(path: Path) -> bool:
    """Tell whether ``path`` starts like a zip archive (whatever its extension).

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.zip"
    >>> with zipfile.ZipFile(p, "w") as z:
    ...     z.writestr("a.csv", "id\\n1\\n")
    >>> is_zip(p)
    True
    """
    with open(path, "rb") as fh:
        return fh.read(4) in ZIP_MAGIC


def is_data_archive(path: Path, kind: str) -> bool:
    """Tell whether ``path`` is a zip archive holding data, rather than the workbook itself.

    An ``.xlsx`` is a zip too: for kind ``"excel"`` a zip with the Office marker part is the
    workbook. An unreadable zip is left to the workbook reader, whose message names it.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.zip"
    >>> with zipfile.ZipFile(p, "w") as z:
    ...     z.writestr("a.xlsx", b"...")
    >>> is_data_archive(p, "excel"), is_data_archive(p, "csv")
    (True, True)
    """
    if not is_zip(path):
        return False
    if kind != "excel":
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return OFFICE_MARKER not in archive.namelist()
    except _ZIP_ERRORS:
        return False


@contextmanager
def extracted_member(
    path: Path, label: str, kind: str, member: str | None, max_bytes: int
) -> Iterator[tuple[Path, str]]:
    """Extract the data member of a zip archive to a temporary file, removed afterwards.

    Parameters
    ----------
    path
        The archive.
    label
        Name of the archive used in messages.
    kind
        The source kind, to check the member's suffix against.
    member
        Path of the member inside the archive; ``None`` takes the only data file (by suffix,
        see :data:`DATA_SUFFIXES`; directories, ``__MACOSX/`` and hidden files ignored) or,
        without any, the only file.
    max_bytes
        Largest accepted uncompressed size of the member.

    Yields
    ------
    tuple of (pathlib.Path, str)
        The extracted file and the label naming archive and member.

    Raises
    ------
    SourceError
        When the archive is unreadable, holds several data files and ``member`` is not given
        (they are listed), ``member`` is not in it, the member is encrypted, its suffix names
        another kind, or its declared size or compression ratio is beyond the caps.
    EmptyInputError
        When the archive holds no file.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.zip"
    >>> with zipfile.ZipFile(p, "w") as z:
    ...     z.writestr("data/customers.csv", "id\\n1\\n")
    ...     z.writestr("README.md", "notes")
    >>> with extracted_member(p, "a.zip", "csv", None, 2**30) as (file, where):
    ...     file.read_text(), where
    ('id\\n1\\n', "a.zip, member 'data/customers.csv'")
    """
    with tempfile.TemporaryDirectory(prefix="user-segmentation-") as folder:
        target = Path(folder) / "member"
        where = _extract(path, label, kind, member, max_bytes, target)
        yield target, where


def _extract(
    path: Path, label: str, kind: str, member: str | None, max_bytes: int, target: Path
) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if OFFICE_MARKER in names:
                raise SourceError(
                    f"{label}: this is an Office document (e.g. an .xlsx workbook), not a zip "
                    f"of {kind} files; use kind 'excel' for a workbook"
                )
            info = pick_member(archive.infolist(), member, kind, label)
            check_zip_member(info, max_bytes, label)
            where = f"{label}, member {info.filename!r}"
            if info.flag_bits & 0x1:
                raise SourceError(f"{where}: the member is encrypted; extract it first")
            _copy(archive, info, target, where)
            return where
    except _ZIP_ERRORS as exc:
        raise SourceError(f"{label}: not a readable zip archive: {exc}") from exc


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, where: str) -> None:
    written = 0
    with archive.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            # zipfile stops at the declared size; checked again because that size is what
            # the bomb guard judged.
            if written > info.file_size:
                raise SourceError(
                    f"{where}: the member holds more than the {info.file_size:,} bytes its "
                    "header declares; refusing to extract it"
                )
            try:
                sink.write(chunk)
            except OSError as exc:
                raise SourceError(f"{where}: cannot extract to a temporary file: {exc}") from exc


def pick_member(
    infos: list[zipfile.ZipInfo], member: str | None, kind: str, label: str
) -> zipfile.ZipInfo:
    """Choose the member to read (see :func:`extracted_member` for the rules).

    Examples
    --------
    >>> infos = [zipfile.ZipInfo(n) for n in ["__MACOSX/._a.csv", "a.csv", "notes.md"]]
    >>> pick_member(infos, None, "csv", "a.zip").filename
    'a.csv'
    >>> pick_member(infos + [zipfile.ZipInfo("b.csv")], None, "csv", "a.zip")
    Traceback (most recent call last):
    ...
    user_segmentation.errors.SourceError: a.zip: the zip archive holds 2 data files ...
    """
    files = [info for info in infos if not info.is_dir()]
    if member is not None:
        chosen = [info for info in files if info.filename == member]
        if len(chosen) != 1:
            found = "not found" if not chosen else f"appears {len(chosen)} times"
            raise SourceError(
                f"{label}: member {member!r} {found}; the archive holds: {_listed(files)}"
            )
        return chosen[0]
    useful = [info for info in files if not _is_clutter(info.filename)]
    data = [info for info in useful if _suffix(info.filename) in DATA_SUFFIXES]
    candidates = data or useful
    if not candidates:
        raise EmptyInputError(f"{label}: the zip archive holds no file")
    if len(candidates) > 1:
        what = "data files" if data else "files"
        raise SourceError(
            f"{label}: the zip archive holds {len(candidates)} {what} ({_listed(candidates)}); "
            "set member= to the one to read"
        )
    info = candidates[0]
    kinds = DATA_SUFFIXES.get(_suffix(info.filename), (kind,))
    if kind not in kinds:
        raise SourceError(
            f"{label}: member {info.filename!r} looks like {_KIND_NAMES[kinds[0]]} file, but "
            f"the source kind is {kind!r}; fix the kind (or name the member with member= to "
            "read it anyway)"
        )
    return info


def _suffix(name: str) -> str:
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _is_clutter(name: str) -> bool:
    """macOS resource forks and hidden files, which archivers add next to the data."""
    parts = PurePosixPath(name).parts
    return not parts or parts[0] == "__MACOSX" or parts[-1].startswith(".")


def _listed(infos: list[zipfile.ZipInfo], limit: int = 20) -> str:
    names = [repr(info.filename) for info in infos[:limit]]
    more = f", ... ({len(infos) - limit} more)" if len(infos) > limit else ""
    return (", ".join(names) or "no file") + more
