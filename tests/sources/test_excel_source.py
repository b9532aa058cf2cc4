"""Excel: sheet choice, ids from cells, empty sheets (BAD_INPUTS #13, #14, #19, #20)."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, Reference

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


# --- every sheet (sheet="*", BAD_INPUTS #13) and header_row (#14) ---------------------------


def test_all_sheets_are_stacked_with_source_sheet(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("retail.xlsx", ONLINE_RETAIL)
    df = read_source("excel", path, sheet="*", id_columns=["Customer ID"])
    assert df.to_dict("list") == {
        "Customer ID": ["12346", "12347", "12348"],
        "Quantity": [1, 2, 3],
        "source_sheet": ["Year 2009-2010", "Year 2009-2010", "Year 2010-2011"],
    }
    assert df["source_sheet"].dtype == pd.StringDtype()
    assert isinstance(df.index, pd.RangeIndex)


def test_all_sheets_logs_rows_per_sheet(
    write_xlsx: WriteXlsx, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_xlsx("retail.xlsx", {**ONLINE_RETAIL, "Notes": []})
    with caplog.at_level(logging.INFO, logger="user_segmentation.sources"):
        df = read_source("excel", path, sheet="*")
    assert len(df) == 3
    assert "retail.xlsx, sheet 'Year 2009-2010': 2 rows" in caplog.messages
    assert "retail.xlsx, sheet 'Year 2010-2011': 1 rows" in caplog.messages
    assert "retail.xlsx, sheet 'Notes': blank sheet skipped" in caplog.messages
    assert "read retail.xlsx, all sheets: 3 rows, 3 columns" in caplog.messages


def test_all_sheets_with_different_headers_names_the_sheet(write_xlsx: WriteXlsx) -> None:
    sheets = {**ONLINE_RETAIL, "Year 2011": [["CustomerID", "Quantity"], [1, 2]]}
    path = write_xlsx("retail.xlsx", sheets)
    with pytest.raises(SchemaError) as info:
        read_source("excel", path, sheet="*")
    assert str(info.value) == (
        "retail.xlsx: sheet 'Year 2011' has different columns from sheet 'Year 2009-2010': "
        "missing 'Customer ID'; extra 'CustomerID'"
    )


def test_all_sheets_with_different_kinds_of_values_names_the_sheet(write_xlsx: WriteXlsx) -> None:
    sheets = {"A": [["id", "qty"], [1, 2]], "B": [["id", "qty"], [2, "two"]]}
    with pytest.raises(SchemaError, match="column 'qty' holds text in sheet 'B' but numbers"):
        read_source("excel", write_xlsx("q.xlsx", sheets), sheet="*")


def test_all_sheets_header_only_is_empty_input(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("h.xlsx", {"A": [["id"]], "B": [["id"]], "C": []})
    with pytest.raises(EmptyInputError, match=r"h\.xlsx, all sheets: workbook has 0 data rows"):
        read_source("excel", path, sheet="*")


def test_all_sheets_blank_is_empty_input(write_xlsx: WriteXlsx) -> None:
    with pytest.raises(EmptyInputError, match="every sheet is blank"):
        read_source("excel", write_xlsx("b.xlsx", {"A": [], "B": []}), sheet="*")


def test_all_sheets_missing_column_names_the_workbook(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("retail.xlsx", ONLINE_RETAIL)
    with pytest.raises(SchemaError, match=r"retail\.xlsx, all sheets: required column 'Price'"):
        read_source("excel", path, sheet="*", required_columns=["Price"])


REPORT = [["Sales report 2024"], ["exported 2024-06-30", None], [], ["id", "amount"], ["a", 1]]


def test_header_row_skips_a_title_block(write_xlsx: WriteXlsx) -> None:  # BAD_INPUTS #14
    path = write_xlsx("r.xlsx", {"S": [*REPORT, ["b", 2]]})
    df = read_source("excel", path, header_row=4)
    assert df.to_dict("list") == {"id": ["a", "b"], "amount": [1, 2]}


def test_without_header_row_the_title_is_taken_as_header(write_xlsx: WriteXlsx) -> None:
    df = read_source("excel", write_xlsx("r.xlsx", {"S": REPORT}))
    assert df.columns.tolist()[0] == "Sales report 2024"


def test_header_row_applies_to_every_sheet(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("r.xlsx", {"S1": REPORT, "S2": [*REPORT[:4], ["c", 3]]})
    df = read_source("excel", path, sheet="*", header_row=4)
    assert df["id"].tolist() == ["a", "c"]
    assert df["source_sheet"].tolist() == ["S1", "S2"]


def test_blank_header_row_names_sheet_and_first_non_blank_row(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("r.xlsx", {"S": REPORT})
    with pytest.raises(SourceError) as info:
        read_source("excel", path, header_row=3)
    assert str(info.value) == (
        "r.xlsx, sheet 'S': header_row 3 is blank; the first non-blank row is 1"
    )


def test_header_row_beyond_the_sheet(write_xlsx: WriteXlsx) -> None:
    path = write_xlsx("r.xlsx", {"S": REPORT})
    with pytest.raises(SourceError, match=r"sheet 'S': header_row 9 is beyond the last row \(5\)"):
        read_source("excel", path, header_row=9)


@pytest.mark.parametrize("value", [0, -2, 1.5, True, "4"])
def test_header_row_must_be_a_row_number(write_xlsx: WriteXlsx, value: object) -> None:
    path = write_xlsx("r.xlsx", {"S": REPORT})
    with pytest.raises(SourceError, match="header_row must be a 1-based row number"):
        read_source("excel", path, header_row=value)  # type: ignore[arg-type]


def test_header_row_is_refused_for_other_kinds(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id\n1\n")
    with pytest.raises(SourceError, match="header_row applies to kind 'excel' only, not 'csv'"):
        read_source("csv", path, header_row=2)


def test_all_sheets_skips_chart_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id"])
    book.active.append([1])
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("Chart").add_chart(chart)
    book.save(tmp_path / "c.xlsx")
    df = read_source("excel", tmp_path / "c.xlsx", sheet="*")
    assert df.to_dict("list") == {"id": [1], "source_sheet": ["Sheet"]}


def _formula_book(path: Path, cached: bool) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orders"
    sheet.append(["customer_id", "price", "qty", "total"])
    sheet.append(["C1", 2.5, 2, "=B2*C2"])
    sheet.append(["C2", 1.0, 3, "=B3*C3"])
    book.save(path)
    if cached:  # as Excel saves it: each formula with its last result
        with zipfile.ZipFile(path) as z:
            parts = {name: z.read(name) for name in z.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"]
        for value in (b"5", b"3"):
            xml = xml.replace(b"<v />", b"<v>" + value + b"</v>", 1)
        parts["xl/worksheets/sheet1.xml"] = xml
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


def test_formulas_without_saved_results_are_refused(tmp_path: Path) -> None:  # BAD_INPUTS #14
    path = _formula_book(tmp_path / "orders.xlsx", cached=False)
    with pytest.raises(SourceError, match=r"sheet 'Orders', cell D2: a formula without a saved"):
        read_source("excel", path, id_columns=["customer_id"])


def test_formulas_are_read_as_their_saved_results(tmp_path: Path) -> None:
    path = _formula_book(tmp_path / "orders.xlsx", cached=True)
    frame = read_source("excel", path, id_columns=["customer_id"])
    assert frame["total"].tolist() == [5, 3]
