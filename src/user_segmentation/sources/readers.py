"""One file of a given kind into a DataFrame: a plain file, a zip's data member, or a folder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from user_segmentation.errors import SegmentationError, SourceError
from user_segmentation.sources.archives import extracted_member, is_data_archive
from user_segmentation.sources.csv import read_csv
from user_segmentation.sources.json import read_json
from user_segmentation.sources.limits import DEFAULT_MAX_UNCOMPRESSED_BYTES
from user_segmentation.sources.parquet import read_parquet


@dataclass(frozen=True)
class FileOptions:
    """How to read each file of a source: everything :func:`read_file` needs but the path.

    The attributes are the :func:`~user_segmentation.sources.read_source` parameters of the
    same names; ``kind`` is any kind but ``"sql"``; ``as_text`` reads a CSV file's columns as
    text, as written (see :func:`~user_segmentation.sources.csv.read_csv`).

    Examples
    --------
    >>> FileOptions("csv", sep=";").sep
    ';'
    """

    kind: str
    id_columns: tuple[str, ...] = ()
    encoding: str | None = None
    sep: str | None = None
    decimal: str = "."
    thousands: str | None = None
    currency_symbols: tuple[str, ...] = ()
    as_text: bool = False  # CSV: every column as written, numbers not converted
    sheet: str | int | None = None
    header_row: int | None = None
    flatten: Mapping[str, str] | None = None
    member: str | None = None
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES


def read_file(path: Path, label: str, options: FileOptions) -> tuple[pd.DataFrame, str]:
    """Read one file; a zip archive is opened and its data member read instead.

    Parameters
    ----------
    path
        An existing, non-empty file, or for Parquet a folder.
    label
        Name used in messages.
    options
        How to read it.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The data (column checks not yet applied) and the label for later messages, naming
        the zip member and Excel sheet where there are any.

    Raises
    ------
    SourceError, EmptyInputError, SchemaError
        As the reader of the kind raises them; also for an unreadable or unsafe zip, and when
        ``member`` is set but the file is not a zip archive.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "export.zip"
    >>> with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("customers.csv", "id;amount\\n007;1,5\\n")
    >>> frame, where = read_file(p, "export.zip", FileOptions("csv", decimal=","))
    >>> frame.to_dict("list"), where
    ({'id': [7], 'amount': [1.5]}, "export.zip, member 'customers.csv'")
    """
    if not path.is_dir():
        try:
            archive = is_data_archive(path, options.kind)
        except OSError as exc:
            raise SourceError(f"{label}: cannot read the file: {exc.strerror or exc}") from exc
        if archive:
            with extracted_member(
                path, label, options.kind, options.member, options.max_uncompressed_bytes
            ) as (member, where):
                try:
                    return _read_plain(member, where, options)
                except SegmentationError as exc:
                    # Some library messages (pyarrow's) quote the temporary path they
                    # opened, gone by now; the label already names archive and member.
                    if str(member) not in str(exc):
                        raise
                    raise type(exc)(str(exc).replace(str(member), "member")) from exc
    if options.member is not None:
        raise SourceError(
            f"{label}: member={options.member!r} is set, but this is not a zip archive"
        )
    return _read_plain(path, label, options)


def _read_plain(path: Path, label: str, o: FileOptions) -> tuple[pd.DataFrame, str]:
    if o.kind == "csv":
        frame = read_csv(
            path,
            label,
            id_columns=o.id_columns,
            encoding=o.encoding,
            sep=o.sep,
            decimal=o.decimal,
            thousands=o.thousands,
            currency_symbols=o.currency_symbols,
            as_text=o.as_text,
            max_uncompressed_bytes=o.max_uncompressed_bytes,
        )
    elif o.kind == "parquet":
        frame = read_parquet(path, label, id_columns=o.id_columns)
    elif o.kind == "excel":
        # Imported here: openpyxl is needed by Excel sources only.
        from user_segmentation.sources.excel import read_excel

        return read_excel(
            path,
            label,
            sheet=o.sheet,
            id_columns=o.id_columns,
            header_row=o.header_row,
            max_uncompressed_bytes=o.max_uncompressed_bytes,
        )
    else:
        frame = read_json(
            path,
            label,
            lines=o.kind == "jsonl",
            id_columns=o.id_columns,
            encoding=o.encoding,
            flatten=o.flatten,
            max_uncompressed_bytes=o.max_uncompressed_bytes,
        )
    return frame, label
