"""Large CSV and Parquet sources opened as lazy tables: the same checks as the in-memory readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources.relation import file_table


def test_csv_keeps_ids_as_written(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("customer_id,amount\n007,12.5\n 7 ,3\n", encoding="utf-8")
    table = file_table("csv", path, required_columns=["customer_id"])
    assert table.columns() == ["customer_id", "amount"]
    assert table.df()["customer_id"].tolist() == ["007", " 7 "]


def test_parquet_keeps_its_types(tmp_path: Path) -> None:
    path = tmp_path / "lines.parquet"
    pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.5, 2.0]}).to_parquet(path)
    table = file_table("parquet", path, required_columns=["amount"])
    assert table.df()["amount"].tolist() == [1.5, 2.0]


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(b"")
    with pytest.raises(EmptyInputError, match=r"lines\.csv: file is empty \(0 bytes\)"):
        file_table("csv", path)


def test_header_without_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("customer_id,amount\n", encoding="utf-8")
    with pytest.raises(EmptyInputError, match=r"lines\.csv: file has 0 data rows"):
        file_table("csv", path)


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("id,amount\n1,2\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"required column\(s\) \['customer_id'\] missing"):
        file_table("csv", path, required_columns=["customer_id"])


def test_truncated_parquet_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lines.parquet"
    pd.DataFrame({"customer_id": ["a"] * 100}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(SourceError, match=r"lines\.parquet: cannot read the file"):
        file_table("parquet", path)


def test_missing_file_and_unknown_kind_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        file_table("csv", tmp_path / "nowhere.csv")
    path = tmp_path / "lines.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(SourceError, match="cannot be read out of core"):
        file_table("json", path)


def test_a_csv_is_read_with_its_sniffed_dialect_spelt_out(tmp_path: Path) -> None:
    # A quote in the path, ';', a quoted field with a newline and a doubled quote, latin-1,
    # duplicate header names and CRLF line ends: read as DuckDB's sniffer reads them.
    folder = tmp_path / "it's"
    folder.mkdir()
    path = folder / "lines.csv"
    path.write_bytes(
        'id;name;name\r\n007;"Espa\xf1a";x\r\n8;"two\r\nlines, ""quoted""";y\r\n'.encode("latin-1")
    )
    table = file_table("csv", path, encoding="latin-1")
    assert "auto_detect = false" in table.sql  # planned again without sniffing
    frame = table.df()
    assert frame.columns.tolist() == ["id", "name", "name_1"]
    assert frame.values.tolist() == [
        ["007", "España", "x"],
        ["8", 'two\r\nlines, "quoted"', "y"],
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "customer_id,order,ts,amount\n1,a,2024-01-01,2\n2,b,2024-01-02,3,4\n3,c,2024-01-03,5\n",
            r"line 3 has 5 fields but the header has 4 \(delimiter ','\): '2,b,2024-01-02,3,4'",
        ),
        ("a,b\n1,2\n3\n4,5,6\n", r"line 3 has 1 fields but the header has 2"),
        (
            "Sales report\nexported 2024\ncustomer_id,order\n1,a\n2,b\n3,c\n",
            r"the first 2 line\(s\) do not have the layout of the lines after them",
        ),
    ],
)
def test_rows_of_different_lengths_are_named_not_misread(
    tmp_path: Path, text: str, message: str
) -> None:  # BAD_INPUTS #10
    path = tmp_path / "lines.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        file_table("csv", path)


def test_a_wrong_separator_gets_a_hint(tmp_path: Path) -> None:  # BAD_INPUTS #6
    path = tmp_path / "lines.csv"
    path.write_text("customer_id;amount\n1;2\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"looks ';'-separated: set the source's sep: ';'"):
        file_table("csv", path, sep=",", required_columns=["customer_id"])
    assert file_table("csv", path, required_columns=["customer_id"]).columns() == [
        "customer_id",
        "amount",
    ]
