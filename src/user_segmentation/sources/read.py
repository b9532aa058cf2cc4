"""One entry point that reads any declared source and applies the shared checks."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal, get_args

import pandas as pd

from user_segmentation.errors import SourceError
from user_segmentation.sources.checks import finalize
from user_segmentation.sources.files import check_file
from user_segmentation.sources.globbing import FILE_COLUMN, is_pattern, read_matching
from user_segmentation.sources.limits import DEFAULT_MAX_UNCOMPRESSED_BYTES, check_max_bytes
from user_segmentation.sources.nested import parse_flatten
from user_segmentation.sources.numbers import PLAIN, Spelling, convert_numbers
from user_segmentation.sources.readers import FileOptions, read_file

logger = logging.getLogger(__name__)

SourceKind = Literal["csv", "parquet", "excel", "jsonl", "json", "sql"]
#: The kinds :func:`read_source` accepts.
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)


def read_source(
    kind: SourceKind,
    path: str | Path | None = None,
    *,
    url: str | None = None,
    table: str | None = None,
    query: str | None = None,
    sheet: str | int | None = None,
    id_columns: Sequence[str] = (),
    required_columns: Sequence[str] = (),
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    currency_symbols: Sequence[str] = (),
    name: str | None = None,
    member: str | None = None,
    header_row: int | None = None,
    flatten: Mapping[str, str] | None = None,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> pd.DataFrame:
    """Read one source into a DataFrame.

    Parameters
    ----------
    kind
        ``"csv"`` (any delimited text), ``"parquet"``, ``"excel"`` (.xlsx), ``"jsonl"`` (one
        object per line), ``"json"`` (an array of objects) or ``"sql"``.
    path
        The file to read; for ``"sql"`` a SQLite file (alternative to ``url``). Besides a
        plain file it may be:

        - gzip content (any kind but Excel and Parquet; recognised by its bytes), or a
          ``.zip`` archive holding one data file (recognised by its bytes; see ``member``);
        - for ``"parquet"``, a folder of ``*.parquet`` files at any depth (a dataset as
          Spark or pyarrow write it; hidden and ``_``-prefixed paths skipped): all are read,
          ``key=value`` folder names (hive partitioning) become columns;
        - a glob pattern (holding ``*``, ``?`` or ``[``, and not an existing path;
          ``**`` spans folders): every matching file is read with the same options, in
          sorted order, and the frames are stacked with a ``source_file`` column naming each
          row's file (its path below the pattern's fixed leading folders). The files must
          have the same columns (in any order) holding the same kinds of values.
    url
        ``"sql"`` only: a SQLAlchemy database URL.
    table
        ``"sql"`` only: a table or view, given as a plain identifier that must exist.
    query
        ``"sql"`` only: one read-only ``SELECT`` statement instead of ``table``.
    sheet
        ``"excel"`` only: sheet name or 0-based position; required when the workbook has
        more than one sheet. ``"*"`` reads every sheet: they must share the header (in any
        column order) and are stacked in workbook order with a ``source_sheet`` column;
        blank and chart sheets are skipped; rows per sheet are logged.
    id_columns
        Columns read as text exactly as written (``007`` and ``12345678901234567`` kept;
        numbers stored as such lose only a trailing ``.0``). Missing ids are ``pd.NA``.
        They must exist, like ``required_columns``.
    required_columns
        Columns that must exist.
    encoding
        CSV/JSON text encoding; ``None`` reads UTF-8 (a BOM is stripped) and names the byte
        offset and line of the first byte that is not UTF-8.
    sep
        CSV delimiter; ``None`` sniffs among ``,`` ``;`` tab and ``|``.
    decimal, thousands
        CSV number format, e.g. ``decimal=","`` and ``thousands="."`` for ``1.234,50``.
        When either is set, columns are judged one by one on their text as written (after
        stacking, for a pattern): a column whose every non-blank value is a number in this
        format (see :mod:`~user_segmentation.sources.numbers`) becomes numbers, its blanks
        missing; any other column stays text as written (a date ``01.02.2024`` is never a
        number). A column of mostly numbers with a few other values stays text too, its
        numbers rewritten plainly (``12,5`` → ``12.5``) so that a later numeric use names
        only the values that are no number.
    currency_symbols
        CSV with ``decimal`` or ``thousands`` set: symbols allowed before or after a number
        (``3,39 €``, ``€ 1.234,50``, ``£1,234.50``). Ignored otherwise: later steps strip
        them from the text.
    name
        Label used in messages and logs (defaults to the file name, or the pattern).
    member
        Zip archives only: path of the member to read inside the archive. ``None`` reads
        the only data file (recognised by its suffix: .csv .tsv .txt .json .jsonl .parquet
        .xlsx ...; directories, ``__MACOSX/`` and hidden files ignored) and refuses an
        archive with several, listing them.
    header_row
        ``"excel"`` only: 1-based row number of the header (rows above it are ignored);
        ``None`` takes the first non-blank row.
    flatten
        ``"json"``/``"jsonl"`` only: ``{output column: "dotted.path"}``, e.g.
        ``{"city": "address.city", "plan": "subscription.plan.name"}``. Each path's value
        becomes a flat column (a path absent from a record, or running through ``null``,
        gives a missing value); the top-level fields the paths start from are replaced by
        these columns. Any other nested object or array still fails the read; a listed path
        holding an array or an object fails too (arrays are never expanded into rows).
    max_uncompressed_bytes
        Largest decompressed size accepted (default 20 GiB): a zip member or a part of an
        ``.xlsx`` declaring more, or compressed more than 1000:1, is refused before
        extraction; gzip content is counted while it is read and refused past it.

    Returns
    -------
    pandas.DataFrame
        Column names as in the source, stripped of surrounding whitespace (then
        ``source_file`` / ``source_sheet`` when added); id columns of dtype ``string``; a
        plain RangeIndex.

    Raises
    ------
    SourceError
        The source is missing, unreadable or malformed (the message names file, zip
        member, sheet, line or byte offset); a column of numbers in the CSV number format
        also holds a plainly written number it does not read (``12.5`` beside ``1.234,56``:
        file, column, row and both values named); a glob pattern matches nothing; a zip holds
        several data files and ``member`` is not set, or looks like a compression bomb;
        files of a Parquet folder have incompatible schemas (both named); a JSON record
        holds a nested value not covered by ``flatten``; an option does not apply to
        ``kind``.
    EmptyInputError
        The file has 0 bytes, or a header but 0 data rows; a Parquet folder holds no
        ``.parquet`` file; a zip archive holds no file.
    SchemaError
        A required or id column is missing (close names are suggested), or a column name
        repeats; files of a pattern or sheets of ``sheet="*"`` have different columns (the
        first differing file or sheet and the columns are named) or different kinds of
        values in a column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "customers.csv").write_text("customer_id;amount\\n007;12.5\\n")
    >>> df = read_source("csv", d / "customers.csv", id_columns=["customer_id"])
    >>> df.to_dict("list")
    {'customer_id': ['007'], 'amount': [12.5]}
    >>> _ = (d / "orders_1.csv").write_text("customer_id,amount\\n007,1\\n")
    >>> _ = (d / "orders_2.csv").write_text("customer_id,amount\\n008,2\\n")
    >>> df = read_source("csv", d / "orders_*.csv", id_columns=["customer_id"])
    >>> df["customer_id"].tolist(), df["source_file"].tolist()
    (['007', '008'], ['orders_1.csv', 'orders_2.csv'])
    >>> _ = (d / "eu.csv").write_text("id;amount;day\\n1;3,39 €;01.02.2024\\n2; ;02.02.2024\\n")
    >>> df = read_source("csv", d / "eu.csv", decimal=",", thousands=".", currency_symbols=["€"])
    >>> df.to_dict("list")
    {'id': [1, 2], 'amount': [3.39, nan], 'day': ['01.02.2024', '02.02.2024']}
    >>> _ = (d / "events.jsonl").write_text('{"id": 1, "address": {"city": "Oslo"}}\\n')
    >>> read_source("jsonl", d / "events.jsonl", flatten={"city": "address.city"}).to_dict("list")
    {'id': [1], 'city': ['Oslo']}
    """
    ids = _names(id_columns)
    required = _names(required_columns)
    if kind not in SOURCE_KINDS:
        raise SourceError(
            f"{name or path}: unknown source kind {kind!r}; expected one of "
            + ", ".join(repr(k) for k in SOURCE_KINDS)
        )
    where = name or str(path if path is not None else url or f"{kind} source")
    _check_options(kind, where, member, header_row, flatten, max_uncompressed_bytes)
    if kind == "sql":
        # Imported here: SQLAlchemy is needed by SQL sources only.
        from user_segmentation.sources.sql import read_sql

        frame, label = read_sql(path, url=url, table=table, query=query, id_columns=ids, name=name)
    else:
        options = FileOptions(
            kind,
            id_columns=ids,
            encoding=encoding,
            sep=sep,
            decimal=decimal,
            thousands=thousands,
            currency_symbols=tuple(_names(currency_symbols)),
            sheet=sheet,
            header_row=header_row,
            flatten=flatten,
            member=member,
            max_uncompressed_bytes=max_uncompressed_bytes,
        )
        folder_ok = kind == "parquet"
        if is_pattern(path):
            label = name or str(path)
            spelling = Spelling(decimal, thousands)
            # Numbers are converted once the files are stacked: a column is numbers only if
            # it is in every file.
            in_text = kind == "csv" and spelling != PLAIN
            stacked = replace(options, as_text=True) if in_text else options

            def read_one(file: Path, file_label: str) -> pd.DataFrame:
                checked = check_file(file, kind, file_label, folder_ok=folder_ok)
                return read_file(checked, file_label, stacked)[0]

            frame = read_matching(str(path), label, read_one, folders=folder_ok)
            if in_text:
                frame = convert_numbers(
                    frame,
                    spelling,
                    options.currency_symbols,
                    label=label,
                    skip=ids,
                    part_column=FILE_COLUMN,
                )
        else:
            file = check_file(path, kind, name, folder_ok=folder_ok)
            frame, label = read_file(file, name or file.name, options)
    frame = finalize(frame, label, ids, required)
    logger.info("read %s: %d rows, %d columns", label, frame.shape[0], frame.shape[1])
    return frame


def _check_options(
    kind: str,
    label: str,
    member: str | None,
    header_row: int | None,
    flatten: Mapping[str, str] | None,
    max_uncompressed_bytes: int,
) -> None:
    """Refuse options set for a kind they do not apply to, and malformed new options."""
    check_max_bytes(max_uncompressed_bytes, label)
    if member is not None and (kind == "sql" or not isinstance(member, str) or not member):
        raise SourceError(f"{label}: member must name a file inside a zip archive, got {member!r}")
    if header_row is not None and kind != "excel":
        raise SourceError(f"{label}: header_row applies to kind 'excel' only, not {kind!r}")
    if flatten is not None:
        if kind not in ("json", "jsonl"):
            raise SourceError(
                f"{label}: flatten applies to kinds 'json' and 'jsonl' only, not {kind!r}"
            )
        parse_flatten(flatten, label)


def _names(columns: Sequence[str]) -> tuple[str, ...]:
    # A bare string is a Sequence[str] too; it means one column, not one per character.
    return (columns,) if isinstance(columns, str) else tuple(columns)
