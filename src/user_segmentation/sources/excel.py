"""Excel workbooks (``.xlsx``) into a DataFrame, through openpyxl.

The sheet is read cell by cell with openpyxl (values, not formulas) rather than through
``pandas.read_excel``: pandas silently reads only the first sheet of a workbook, mangles
duplicate headers and routes id cells through float inference. ``sheet="*"`` reads every sheet
and stacks them with a ``source_sheet`` column.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from user_segmentation.errors import EmptyInputError, SourceError
from user_segmentation.sources.checks import clean_names, frame_from_rows, require_rows
from user_segmentation.sources.combine import union_parts
from user_segmentation.sources.limits import DEFAULT_MAX_UNCOMPRESSED_BYTES, check_zip_member

logger = logging.getLogger(__name__)

#: The ``sheet`` value that reads every sheet of the workbook.
ALL_SHEETS = "*"
#: The column :func:`read_excel` adds when it reads every sheet.
SHEET_COLUMN = "source_sheet"

#: A cell holding a formula but no saved result (``<c r="C2"><f>A2+B2</f><v /></c>``), as
#: written by programs that do not compute formulas: its value is unknown, not blank.
_UNCOMPUTED = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)
_SCAN_BYTES = 4 << 20


def read_excel(
    path: Path,
    label: str,
    *,
    sheet: str | int | None = None,
    id_columns: Sequence[str] = (),
    header_row: int | None = None,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> tuple[pd.DataFrame, str]:
    """Read one sheet of a workbook, or every sheet with ``sheet="*"``.

    The header is the first non-blank row unless ``header_row`` says where it is; blank rows
    before it and after the data are skipped, as are trailing columns with neither header
    nor values.

    Parameters
    ----------
    path
        The ``.xlsx`` file.
    label
        Name used in messages.
    sheet
        Sheet name, or 0-based position. Required when the workbook has several sheets.
        ``"*"`` reads every sheet: they must have the same header (in any column order) and
        are stacked in workbook order with a ``source_sheet`` column naming each row's sheet;
        blank sheets and chart sheets are skipped; rows per sheet are logged.
    id_columns
        Columns returned as text (numbers stored in cells lose a trailing ``.0``).
    header_row
        1-based row number of the header (rows above it, e.g. a title, are ignored);
        ``None`` takes the first non-blank row.
    max_uncompressed_bytes
        Largest declared uncompressed size of any part of the workbook (an ``.xlsx`` is a zip
        archive); parts compressed more than 1000:1 are refused too.

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The sheet's data and the label naming file and sheet, for later messages.

    Raises
    ------
    SourceError
        When the file is not a readable workbook or looks like a zip bomb, when several sheets
        exist and ``sheet`` is not given, when ``sheet`` is unknown (the sheet names are
        listed), or when ``header_row`` is invalid, blank or beyond the last row.
    SchemaError
        With ``sheet="*"``, when a sheet's header differs from the first sheet's (both named).
    EmptyInputError
        When the sheet is empty or has a header but 0 data rows (with ``"*"``: when all
        sheets together have 0 data rows).

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.xlsx"
    >>> wb = openpyxl.Workbook()
    >>> wb.active.append(["id", "amount"]); wb.active.append(["007", 12.5])
    >>> wb.save(p)
    >>> df, where = read_excel(p, "a.xlsx", id_columns=["id"])
    >>> df["id"].tolist(), where
    (['007'], "a.xlsx, sheet 'Sheet'")
    >>> wb.create_sheet("More").append(["amount", "id"]); wb["More"].append([3, "008"])
    >>> wb.save(p)
    >>> df, where = read_excel(p, "a.xlsx", sheet="*", id_columns=["id"])
    >>> df.to_dict("list")
    {'id': ['007', '008'], 'amount': [12.5, 3.0], 'source_sheet': ['Sheet', 'More']}
    """
    _check_header_row(header_row, label)
    sheets = _read_sheets(path, label, sheet, max_uncompressed_bytes)
    if sheet != ALL_SHEETS:
        title, rows = sheets[0]
        where = f"{label}, sheet {title!r}"
        table = _table(rows, where, header_row)
        if table is None:
            raise EmptyInputError(f"{where}: sheet is empty")
        frame = frame_from_rows(table[1], table[0], id_columns)
        require_rows(frame, where, "sheet")
        return frame, where
    where = f"{label}, all sheets"
    parts: list[tuple[str, pd.DataFrame]] = []
    for title, rows in sheets:
        table = _table(rows, f"{label}, sheet {title!r}", header_row)
        if table is None:
            logger.info("%s, sheet %r: blank sheet skipped", label, title)
            continue
        parts.append((title, frame_from_rows(table[1], table[0], id_columns)))
        logger.info("%s, sheet %r: %d rows", label, title, len(table[1]))
    if not parts:
        raise EmptyInputError(f"{where}: every sheet is blank")
    frame = union_parts(parts, SHEET_COLUMN, label, "sheet")
    require_rows(frame, where, "workbook")
    return frame, where


def _read_sheets(
    path: Path, label: str, sheet: str | int | None, max_bytes: int
) -> list[tuple[str, list[list[Any]]]]:
    """The rows of the chosen sheet, or of every table sheet for ``"*"``."""
    try:
        with open(path, "rb") as fh:
            _check_parts(fh, max_bytes, label)
            # A file object skips openpyxl's check of the extension; the content decides.
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                if sheet == ALL_SHEETS:
                    titles = [t for t in book.sheetnames if _is_table(book[t], label, t)]
                else:
                    titles = [_pick_sheet(list(book.sheetnames), sheet, label)]
                    if not _is_table(book[titles[0]], label, titles[0]):
                        raise SourceError(f"{label}: sheet {titles[0]!r} is a chart, not a table")
                rows = [(t, [list(r) for r in book[t].iter_rows(values_only=True)]) for t in titles]
                parts = {t: book[t]._worksheet_path for t in titles}
            finally:
                book.close()
            _refuse_uncomputed_formulas(fh, parts, label)
            return rows
    except SourceError:
        raise
    except (InvalidFileException, zipfile.BadZipFile) as exc:
        raise SourceError(f"{label}: not a readable .xlsx workbook: {exc}") from exc
    except Exception as exc:
        # A damaged workbook surfaces from the zip, zlib and XML layers under openpyxl as
        # almost any exception type (zlib.error, ParseError, KeyError, TypeError, ...).
        raise SourceError(
            f"{label}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from exc


def _refuse_uncomputed_formulas(fh: IO[bytes], parts: dict[str, str], label: str) -> None:
    """Refuse a sheet with formulas that have no saved result (they would read as blanks).

    The sheets' XML is scanned in chunks; only chunks holding a formula are searched.
    """
    fh.seek(0)
    with zipfile.ZipFile(fh) as archive:
        for title, part in parts.items():
            with archive.open(part) as xml:
                tail = b""
                while chunk := xml.read(_SCAN_BYTES):
                    text, tail = tail + chunk, chunk[-8192:]  # a cell cut between two chunks
                    hit = _UNCOMPUTED.search(text) if b"<f" in text else None
                    if hit:
                        raise SourceError(
                            f"{label}, sheet {title!r}, cell {hit.group(1).decode()}: a formula "
                            "without a saved result (the file was written by a program that "
                            "does not compute formulas): open and save it in Excel or "
                            "LibreOffice, or export the values"
                        )


def _check_parts(fh: IO[bytes], max_bytes: int, label: str) -> None:
    """Refuse a workbook whose zip parts would expand beyond the cap (BAD_INPUTS #17)."""
    with zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            check_zip_member(info, max_bytes, label)
    fh.seek(0)


def _is_table(worksheet: Any, label: str, title: str) -> bool:
    if hasattr(worksheet, "iter_rows"):
        return True
    logger.info("%s, sheet %r: chart sheet skipped", label, title)
    return False


def _check_header_row(header_row: int | None, label: str) -> None:
    if header_row is None:
        return
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        raise SourceError(
            f"{label}: header_row must be a 1-based row number (1 is the first row), "
            f"got {header_row!r}"
        )


def _pick_sheet(names: list[str], sheet: str | int | None, label: str) -> str:
    listed = ", ".join(repr(n) for n in names)
    if sheet is None:
        if len(names) == 1:
            return names[0]
        raise SourceError(
            f"{label}: the workbook has {len(names)} sheets ({listed}); set sheet= to one of them"
        )
    if isinstance(sheet, bool) or not isinstance(sheet, str | int):
        raise SourceError(f"{label}: sheet must be a name or a 0-based position, got {sheet!r}")
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise SourceError(
            f"{label}: sheet position {sheet} is out of range; the workbook has "
            f"{len(names)} sheets ({listed})"
        )
    if sheet in names:
        return sheet
    raise SourceError(f"{label}: sheet {sheet!r} not found; sheets found: {listed}")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_blank_row(row: list[Any]) -> bool:
    return all(_is_blank(value) for value in row)


def _table(
    rows: list[list[Any]], where: str, header_row: int | None
) -> tuple[list[str], list[list[Any]]] | None:
    """Split a sheet's rows into column names and non-blank data rows; ``None`` if blank."""
    first = next((i for i, row in enumerate(rows) if not _is_blank_row(row)), None)
    if first is None:
        return None
    start = first
    if header_row is not None:
        start = header_row - 1
        if start >= len(rows):
            raise SourceError(
                f"{where}: header_row {header_row} is beyond the last row ({len(rows)})"
            )
        if _is_blank_row(rows[start]):
            raise SourceError(
                f"{where}: header_row {header_row} is blank; the first non-blank row is {first + 1}"
            )
    width = max(len(row) for row in rows[start:])
    grid = [row + [None] * (width - len(row)) for row in rows[start:]]
    # Trailing columns without header and without any value are formatting, not data. The
    # header row is not blank, so this stops at its last value at the latest.
    while all(_is_blank(row[width - 1]) for row in grid):
        width -= 1
    header, *data = (row[:width] for row in grid)
    names = clean_names(header, where)
    return names, [row for row in data if not _is_blank_row(row)]
