"""One entry point that reads any declared source and applies the shared checks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, get_args

import pandas as pd

from user_segmentation.errors import SourceError
from user_segmentation.sources.checks import finalize
from user_segmentation.sources.csv import read_csv
from user_segmentation.sources.excel import read_excel
from user_segmentation.sources.files import check_file
from user_segmentation.sources.json import read_json
from user_segmentation.sources.parquet import read_parquet
from user_segmentation.sources.sql import read_sql

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
    name: str | None = None,
) -> pd.DataFrame:
    """Read one source into a DataFrame.

    Parameters
    ----------
    kind
        ``"csv"`` (any delimited text, gzip allowed), ``"parquet"``, ``"excel"`` (.xlsx),
        ``"jsonl"`` (one object per line), ``"json"`` (an array of objects) or ``"sql"``.
    path
        The file to read; for ``"sql"`` a SQLite file (alternative to ``url``).
    url
        ``"sql"`` only: a SQLAlchemy database URL.
    table
        ``"sql"`` only: a table or view, given as a plain identifier that must exist.
    query
        ``"sql"`` only: one read-only ``SELECT`` statement instead of ``table``.
    sheet
        ``"excel"`` only: sheet name or 0-based position; required when the workbook has
        more than one sheet.
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
    name
        Label used in messages and logs (defaults to the file name).

    Returns
    -------
    pandas.DataFrame
        Column names as in the source, stripped of surrounding whitespace; id columns of
        dtype ``string``; a plain RangeIndex.

    Raises
    ------
    SourceError
        The source is missing, unreadable or malformed (the message names file, sheet, line
        or byte offset).
    EmptyInputError
        The file has 0 bytes, or a header but 0 data rows.
    SchemaError
        A required or id column is missing (close names are suggested), or a column name
        repeats.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "customers.csv"
    >>> _ = p.write_text("customer_id;amount\\n007;12.5\\n")
    >>> df = read_source("csv", p, id_columns=["customer_id"], required_columns=["amount"])
    >>> df.to_dict("list")
    {'customer_id': ['007'], 'amount': [12.5]}
    """
    ids = _names(id_columns)
    required = _names(required_columns)
    if kind == "sql":
        frame, label = read_sql(path, url=url, table=table, query=query, id_columns=ids, name=name)
    elif kind in SOURCE_KINDS:
        file = check_file(path, kind, name)
        label = name or file.name
        if kind == "csv":
            frame = read_csv(
                file,
                label,
                id_columns=ids,
                encoding=encoding,
                sep=sep,
                decimal=decimal,
                thousands=thousands,
            )
        elif kind == "parquet":
            frame = read_parquet(file, label, id_columns=ids)
        elif kind == "excel":
            frame, label = read_excel(file, label, sheet=sheet, id_columns=ids)
        else:
            lines = kind == "jsonl"
            frame = read_json(file, label, lines=lines, id_columns=ids, encoding=encoding)
    else:
        raise SourceError(
            f"{name or path}: unknown source kind {kind!r}; expected one of "
            + ", ".join(repr(k) for k in SOURCE_KINDS)
        )
    frame = finalize(frame, label, ids, required)
    logger.info("read %s: %d rows, %d columns", label, frame.shape[0], frame.shape[1])
    return frame


def _names(columns: Sequence[str]) -> tuple[str, ...]:
    # A bare string is a Sequence[str] too; it means one column, not one per character.
    return (columns,) if isinstance(columns, str) else tuple(columns)
