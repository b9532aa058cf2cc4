"""Excel workbooks (``.xlsx``) into a DataFrame, through openpyxl.

The sheet is read cell by cell with openpyxl (values, not formulas) rather than through
``pandas.read_excel``: pandas silently reads only the first sheet of a workbook, mangles
duplicate headers and routes id cells through float inference.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from user_segmentation.errors import EmptyInputError, SourceError
from user_segmentation.sources.checks import clean_names, frame_from_rows, require_rows


def read_excel(
    path: Path,
    label: str,
    *,
    sheet: str | int | None = None,
    id_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, str]:
    """Read one sheet of a workbook.

    The header is the first non-blank row; blank rows before it and after the data are
    skipped, as are trailing columns with neither header nor values.

    Parameters
    ----------
    path
        The ``.xlsx`` file.
    label
        Name used in messages.
    sheet
        Sheet name, or 0-based position. Required when the workbook has several sheets.
    id_columns
        Columns returned as text (numbers stored in cells lose a trailing ``.0``).

    Returns
    -------
    tuple of (pandas.DataFrame, str)
        The sheet's data and the label naming file and sheet, for later messages.

    Raises
    ------
    SourceError
        When the file is not a readable workbook, when several sheets exist and ``sheet`` is
        not given, or when ``sheet`` is unknown (the sheet names are listed).
    EmptyInputError
        When the sheet is empty or has a header but 0 data rows.

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
    """
    try:
        with open(path, "rb") as fh:
            # A file object skips openpyxl's check of the extension; the content decides.
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                title = _pick_sheet(list(book.sheetnames), sheet, label)
                worksheet = book[title]
                if not hasattr(worksheet, "iter_rows"):
                    raise SourceError(f"{label}: sheet {title!r} is a chart, not a table")
                rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
            finally:
                book.close()
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
    where = f"{label}, sheet {title!r}"
    frame = _frame(rows, where, id_columns)
    return frame, where


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


def _frame(rows: list[list[Any]], where: str, id_columns: Sequence[str]) -> pd.DataFrame:
    start = next((i for i, row in enumerate(rows) if not _is_blank_row(row)), None)
    if start is None:
        raise EmptyInputError(f"{where}: sheet is empty")
    width = max(len(row) for row in rows[start:])
    grid = [row + [None] * (width - len(row)) for row in rows[start:]]
    # Trailing columns without header and without any value are formatting, not data. The
    # header row is not blank, so this stops at its last value at the latest.
    while all(_is_blank(row[width - 1]) for row in grid):
        width -= 1
    header, *data = (row[:width] for row in grid)
    names = clean_names(header, where)
    table = [row for row in data if not _is_blank_row(row)]
    frame = frame_from_rows(table, names, id_columns)
    require_rows(frame, where, "sheet")
    return frame
