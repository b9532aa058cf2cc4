"""Large CSV and Parquet sources as lazy DuckDB tables: read out of core, never into pandas.

Used for transaction logs and event tables, which can be larger than memory. Every value of a
CSV is kept as text (``all_varchar``) so ids stay exactly as written; the stages that need
numbers cast them in SQL. The same empty-file and missing-column checks as :func:`read_source`
apply, with errors naming the file.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from pathlib import Path

import duckdb

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources.csv import sniff_delimiter
from user_segmentation.sources.files import normalise_encoding, open_binary
from user_segmentation.tables import TableRef, connect, quote_literal

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
    literal = quote_literal(str(file))
    if kind == "csv":
        options = ["header = true", "all_varchar = true"]
        if sep:
            options.append(f"delim = {quote_literal(sep)}")
        if encoding:
            options.append(f"encoding = {quote_literal(encoding)}")
        try:
            sql = _pinned_csv(file, literal, options, sep, encoding, label)
        except duckdb.Error as exc:
            raise SourceError(f"{label}: cannot read the file: {exc}") from exc
    elif kind == "parquet":
        if file.is_dir():
            literal = quote_literal(str(file / "**" / "*.parquet"))
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
        hint = ""
        if len(columns) == 1 and (split := sniff_delimiter(columns[0] + "\n")) in columns[0]:
            hint = f"; the header looks {split!r}-separated: set the source's sep: {split!r}"
        raise SchemaError(
            f"{label}: required column(s) {missing} missing; columns are {columns}{hint}"
        )
    logger.info("opened %s out of core: %d columns", label, len(columns))
    return table


def _pinned_csv(
    file: Path,
    literal: str,
    options: list[str],
    sep: str | None,
    encoding: str | None,
    label: str,
) -> str:
    """A ``read_csv`` query with the dialect and columns DuckDB sniffs, spelt out.

    DuckDB sniffs a CSV (a sample from its start) each time a query over it is planned, and a
    log is planned several times; with every option given, it reads the file as the sniffer
    would have, without sniffing again. A sniff that skips lines, or finds one column where
    the header has several, means rows of different lengths: that is an error naming the line.
    """
    with connect() as con:
        row = con.execute(
            "SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns "
            f"FROM sniff_csv({literal}, {', '.join(options)})"
        ).fetchone()
    assert row is not None  # sniff_csv returns one row or raises
    delim, quote, escape, new_line, comment, skip, columns = row
    if skip or len(columns) == 1:
        _check_layout(file, sep, encoding, label, skipped=int(skip))

    def text(value: str) -> str:
        return "''" if value == "(empty)" else quote_literal(value)  # how sniff_csv shows none

    names = ", ".join(f"{quote_literal(c['name'])}: 'VARCHAR'" for c in columns)
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


#: How much of a file's start :func:`_check_layout` reads (more than DuckDB's sniff sample).
_LAYOUT_HEAD_BYTES = 8 << 20


def _check_layout(
    file: Path, sep: str | None, encoding: str | None, label: str, *, skipped: int
) -> None:
    """Name the first line whose field count differs from the header's, near the file's start.

    Called when DuckDB's sniffer found no single layout for the sample it reads: it then skips
    lines or takes the whole line for one column, and the file would be misread.
    """
    codec = normalise_encoding(encoding, label)
    with open_binary(file, label=label) as fh:
        head = fh.read(_LAYOUT_HEAD_BYTES).decode(codec, errors="replace").removeprefix("\ufeff")
    delimiter = sep or sniff_delimiter(head)
    lines = head.splitlines(keepends=True)
    if len(head) == _LAYOUT_HEAD_BYTES:
        lines = lines[:-1]  # the last one may be cut
    records = csv.reader(lines, delimiter=delimiter)
    header = next(records, [])
    for record in records:
        if record and len(record) != len(header):
            raise SourceError(
                f"{label}: line {records.line_num} has {len(record)} fields but the header has "
                f"{len(header)} (delimiter {delimiter!r}): "
                f"{delimiter.join(record)[:80]!r}"
            )
    if skipped:
        raise SourceError(
            f"{label}: the first {skipped} line(s) do not have the layout of the lines after "
            "them (a title block, or rows of different lengths); remove them or export the "
            "data alone"
        )
