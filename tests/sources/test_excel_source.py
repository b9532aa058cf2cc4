"""Excel: sheet choice, ids from cells, empty sheets (BAD_INPUTS #13, #14, #19, #20)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources import read_source

WriteXlsx = Callable[..., Path]

ONLINE_RETAIL = {
    "Year 2009-2010": [["Customer ID", "Quantity"], [12346, 1], [12347, 2]],
    "Year 2010-2011": [["Customer ID", "Quantity"], [12348, 3]],
}


def test_several_sheets_without_sheet_lists_them(write_xlsx: WriteXlsx) -> None:  # #13
    path = write_xlsx("retail.xlsx", ONLINE_RETAIL)
    with pytest.raises(SourceError) as info:
        read_source("excel", path)
    message = str(info.value)
    assert message.startswith("retail.xlsx: the workbook has 2 sheets")
    assert "'Year 2009-2010', 'Year 2010-2011'" in message


def test_sheet_by_name_and_position(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("retail.xlsx", ONLINE_RETAIL)
    by_name = read_source("excel", path, sheet="Year 2010-2011", id_columns=["Customer ID"])
    by_position = read_source("excel", path, sheet=0, id_columns=["Customer ID"])
    assert by_name["Customer ID"].tolist() == ["12348"]
    assert by_position["Customer ID"].tolist() == ["12346", "12347"]
    assert by_position["Quantity"].tolist() == [1, 2]


@pytest.mark.parametrize("sheet", ["Year 2011", 5])
def test_unknown_sheet_lists_the_sheets(write_xlsx: WriteXlsx, sheet: str | int) -> None:
    path = write_xlsx("retail.xlsx", ONLINE_RETAIL)
    with pytest.raises(SourceError, match="'Year 2009-2010', 'Year 2010-2011'"):
        read_source("excel", path, sheet=sheet)


def test_ids_from_text_and_number_cells(write_xlsx: WriteXlsx) -> None:  # BAD_INPUTS #19 #20
    rows = [["customer_id", "spend"], ["007", 1.5], [12346, 2], [None, 3], [17850.0, 4]]
    path = write_xlsx("ids.xlsx", {"Sheet1": rows})
    df = read_source("excel", path, id_columns=["customer_id"])
    assert df["customer_id"].dtype == pd.StringDtype()
    assert df["customer_id"].tolist() == ["007", "12346", pd.NA, "17850"]
    assert df["spend"].tolist() == [1.5, 2.0, 3.0, 4.0]


def test_header_after_blank_rows_and_stripped_names(write_xlsx: WriteXlsx) -> None:
    rows = [[], [None, None], [" customer_id ", "spend "], ["a", 1], ["b", 2]]
    df = read_source("excel", write_xlsx("b.xlsx", {"S": rows}))
    assert df.columns.tolist() == ["customer_id", "spend"]
    assert df["spend"].tolist() == [1, 2]
    assert isinstance(df.index, pd.RangeIndex)


def test_header_only_sheet_is_empty_input(write_xlsx: WriteXlsx) -> None:  # BAD_INPUTS #2
    path = write_xlsx("h.xlsx", {"Orders": [["id", "amount"]]})
    with pytest.raises(EmptyInputError, match=r"h\.xlsx, sheet 'Orders': sheet has 0 data rows"):
        read_source("excel", path)


def test_empty_sheet_is_empty_input(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("e.xlsx", {"Data": [], "Other": [["x"], [1]]})
    with pytest.raises(EmptyInputError, match=r"e\.xlsx, sheet 'Data': sheet is empty"):
        read_source("excel", path, sheet="Data")


def test_duplicate_header_is_refused(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("d.xlsx", {"S": [["id", "amount", "amount"], [1, 2, 3]]})
    with pytest.raises(SchemaError, match=r"d\.xlsx, sheet 'S': duplicate column names"):
        read_source("excel", path)


def test_missing_column_names_file_and_sheet(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("m.xlsx", {"S": [["CustomerID", "amount"], [1, 2]]})
    with pytest.raises(SchemaError, match=r"m\.xlsx, sheet 'S': required column 'customer_id'"):
        read_source("excel", path, required_columns=["customer_id"])


def test_not_a_workbook_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"id,amount\n1,2\n")
    with pytest.raises(SourceError, match=r"fake\.xlsx: not a readable \.xlsx workbook"):
        read_source("excel", path)


def test_damaged_workbook_is_a_source_error(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("x.xlsx", {"S": [["id"], [1]]})
    data = bytearray(path.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 40] = b"\x00" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError, match=r"x\.xlsx: not a readable \.xlsx workbook"):
        read_source("excel", path)
