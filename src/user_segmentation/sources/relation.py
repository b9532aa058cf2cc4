"""Large CSV and Parquet sources as lazy DuckDB tables: read out of core, never into pandas.

Used for transaction logs and event tables, which can be larger than memory. Every value of a
CSV is kept as text (``all_varchar``) so ids stay exactly as written; the stages that need
numbers cast them in SQL. The same empty-file and missing-column checks as :func:`read_source`
apply, with errors naming the file.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import duckdb

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.tables import TableRef, connect

logger = logging.getLogger(__name__)


def file_table(
    kind: str,
    path: str | Path,
    *,
    required_columns: Sequence[str] = (),
    sep: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
) -> TableRef:
    """A lazy table over a CSV (gzip allowed) or Parquet file, or a folder of Parquet files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "lines.csv"
    >>> _ = p.write_text("customer_id,amount\\n007,12.5\\n007,3\\n")
    >>> t = file_table("csv", p, required_columns=["customer_id"])
    >>> t.count(), t.df()["customer_id"].tolist()
    (2, ['007', '007'])
    """
    file = Path(path)
    label = name or str(file)
    if not file.exists():
        raise SourceError(f"{label}: file not found")
    if file.is_file() and file.stat().st_size == 0:
        raise EmptyInputError(f"{label}: file is empty (0 bytes)")
    literal = _literal(str(file))
    if kind == "csv":
        options = ["header = true", "all_varchar = true"]
        if sep:
            options.append(f"delim = {_literal(sep)}")
        if encoding:
            options.append(f"encoding = {_literal(encoding)}")
        try:
            sql = _pinned_csv(literal, options)
        except duckdb.Error as exc:
            raise SourceError(f"{label}: cannot read the file: {exc}") from exc
    elif kind == "parquet":
        if file.is_dir():
            literal = "'" + str(file / "**" / "*.parquet").replace("'", "''") + "'"
            sql = f"SELECT * FROM read_parquet({literal}, hive_partitioning = true)"
        else:
            sql = f"SELECT * FROM read_parquet({literal})"
    else:
        raise SourceError(f"{label}: kind {kind!r} cannot be read out of core (csv or parquet)")
    table = TableRef(sql, origin=label)
    try:
        # One look at the first row gives the columns and whether there is any data: a CSV's
        # dialect is sniffed once, not twice.
        with connect() as con:
            first = con.execute(f"SELECT * FROM ({sql}) LIMIT 1")
            columns = [d[0] for d in first.description]
            has_rows = first.fetchone() is not None
    except duckdb.Error as exc:
        raise SourceError(f"{label}: cannot read the file: {exc}") from exc
    if not has_rows:
        raise EmptyInputError(f"{label}: file has 0 data rows")
    missing = [c for c in required_columns if c not in columns]
    if missing:
        raise SchemaError(f"{label}: required column(s) {missing} missing; columns are {columns}")
    logger.info("opened %s out of core: %d columns", label, len(columns))
    return table


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pinned_csv(literal: str, options: list[str]) -> str:
    """A ``read_csv`` query with the dialect and columns DuckDB sniffs, spelt out.

    DuckDB sniffs a CSV (a sample from its start) each time a query over it is planned, and a
    log is planned several times; with every option given, it reads the file as the sniffer
    would have, without sniffing again.
    """
    with connect() as con:
        row = con.execute(
            "SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns "
            f"FROM sniff_csv({literal}, {', '.join(options)})"
        ).fetchone()
    assert row is not None  # sniff_csv returns one row or raises
    delim, quote, escape, new_line, comment, skip, columns = row

    def text(value: str) -> str:
        return "''" if value == "(empty)" else _literal(value)  # how sniff_csv shows none

    names = ", ".join(f"{_literal(c['name'])}: 'VARCHAR'" for c in columns)
    pinned = [
        "auto_detect = false",
        f"delim = {text(delim)}",
        f"quote = {text(quote)}",
        f"escape = {text(escape)}",
        f"new_line = {text(new_line)}",
        f"comment = {text(comment)}",
        f"skip = {int(skip)}",
        f"columns = {{{names}}}",
    ]
    kept = [o for o in options if not o.startswith("delim")]  # header, all_varchar, encoding
    return f"SELECT * FROM read_csv({literal}, {', '.join(kept + pinned)})"
