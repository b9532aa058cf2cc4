"""What holds for every kind: missing and empty files, column names, required columns, logs."""

from __future__ import annotations

import gzip
import hashlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources import SOURCE_KINDS, file_fingerprint, read_source

FILE_KINDS = ["csv", "parquet", "excel", "jsonl", "json", "sql"]
Write = Callable[[str, bytes], Path]


def _sample(kind: str, directory: Path) -> Path:
    """The same two customers, with padded column names, in each kind of source."""
    path = directory / f"sample.{kind}"
    names = [" customer_id ", "amount"]
    rows = [["007", 1.5], ["12345678901234567", 2.0]]
    if kind == "csv":
        path.write_text(",".join(names) + "\n007,1.5\n12345678901234567,2.0\n")
    elif kind == "parquet":
        pd.DataFrame(rows, columns=names).to_parquet(path)
    elif kind == "excel":
        book = openpyxl.Workbook()
        for row in [names, *rows]:
            book.active.append(row)
        book.save(path)
    elif kind == "jsonl":
        path.write_text('{" customer_id ": "007", "amount": 1.5}\n')
        with path.open("a") as fh:
            fh.write('{" customer_id ": "12345678901234567", "amount": 2.0}\n')
    elif kind == "json":
        path.write_text(
            '[{" customer_id ": "007", "amount": 1.5},'
            ' {" customer_id ": "12345678901234567", "amount": 2.0}]'
        )
    else:
        with sqlite3.connect(path) as con:
            con.execute('create table sample (" customer_id " text, amount real)')
            con.executemany("insert into sample values (?, ?)", rows)
    return path


def _read(kind: str, path: Path, **kwargs: object) -> pd.DataFrame:
    if kind == "sql":
        return read_source("sql", path, table="sample", **kwargs)  # type: ignore[arg-type]
    return read_source(kind, path, **kwargs)  # type: ignore[arg-type]


def test_kinds_are_the_documented_ones() -> None:
    assert sorted(SOURCE_KINDS) == sorted(FILE_KINDS)


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_every_kind_gives_stripped_names_string_ids_and_range_index(
    kind: str, tmp_path: Path
) -> None:
    df = _read(kind, _sample(kind, tmp_path), id_columns=["customer_id"])
    assert df.columns.tolist() == ["customer_id", "amount"]
    assert df["customer_id"].tolist() == ["007", "12345678901234567"]
    assert df["customer_id"].dtype == pd.StringDtype()
    assert df["amount"].tolist() == [1.5, 2.0]
    pd.testing.assert_index_equal(df.index, pd.RangeIndex(2))


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_missing_file_names_the_path(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "missing" / f"data.{kind}"
    with pytest.raises(SourceError, match="file not found") as info:
        _read(kind, path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_zero_byte_file_is_empty_input(kind: str, write_bytes: Write) -> None:  # #1
    path = write_bytes(f"empty.{kind}", b"")
    with pytest.raises(EmptyInputError, match=rf"empty\.{kind}: file is empty \(0 bytes\)"):
        _read(kind, path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory"):
        read_source("csv", tmp_path)


def test_missing_path_argument() -> None:
    with pytest.raises(SourceError, match="needs a path"):
        read_source("parquet")


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_missing_required_column_suggests_and_lists(kind: str, tmp_path: Path) -> None:  # #42
    with pytest.raises(SchemaError) as info:
        _read(kind, _sample(kind, tmp_path), required_columns=["Amount_", "customer_id"])
    message = str(info.value)
    assert "required column 'Amount_' missing; similar: 'amount'" in message
    assert "(columns found: 'customer_id', 'amount')" in message


def test_required_column_message_matches_the_documented_form(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"X1,amount\n1,2\n")
    with pytest.raises(SchemaError) as info:
        read_source("csv", path, required_columns=["x"])
    assert str(info.value) == (
        "a.csv: required column 'x' missing; similar: 'X1' (columns found: 'X1', 'amount')"
    )


def test_missing_id_column_is_a_schema_error(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"CustomerID,amount\n1,2\n")
    with pytest.raises(SchemaError, match="required column 'customer_id' missing"):
        read_source("csv", path, id_columns=["customer_id"])


def test_one_column_read_hints_at_the_separator(write_bytes: Write) -> None:  # BAD_INPUTS #6
    path = write_bytes("a.csv", b"customer_id;amount\n1;2\n")
    with pytest.raises(SchemaError, match="read as a single column: set sep="):
        read_source("csv", path, sep=",", required_columns=["amount"])


def test_bare_string_id_columns_means_one_column(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"customer_id,amount\n007,2\n")
    assert read_source("csv", path, id_columns="customer_id")["customer_id"].tolist() == ["007"]


def test_name_labels_the_messages(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"id\n")
    with pytest.raises(EmptyInputError, match=r"^crm export: file has 0 data rows$"):
        read_source("csv", path, name="crm export")


def test_unknown_kind_is_refused(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"id\n1\n")
    with pytest.raises(SourceError, match="unknown source kind 'xml'"):
        read_source("xml", path)  # type: ignore[arg-type]


def test_rows_and_columns_are_logged(write_bytes: Write, caplog: pytest.LogCaptureFixture) -> None:
    path = write_bytes("a.csv", b"id,x,y\n1,2,3\n4,5,6\n")
    with caplog.at_level(logging.INFO, logger="user_segmentation.sources"):
        read_source("csv", path)
    assert "read a.csv: 2 rows, 3 columns" in caplog.messages


def test_fingerprint_is_sha256_of_the_content(write_bytes: Write) -> None:
    data = b"customer_id,amount\n" + b"1,2\n" * 400_000  # several read chunks
    path = write_bytes("a.csv", data)
    assert file_fingerprint(path) == hashlib.sha256(data).hexdigest()
    same = write_bytes("b.csv", data)
    other = write_bytes("c.csv", data + b"3,4\n")
    assert file_fingerprint(same) == file_fingerprint(path)
    assert file_fingerprint(other) != file_fingerprint(path)


def test_fingerprint_of_gzip_is_of_the_stored_bytes(write_bytes: Write) -> None:
    packed = gzip.compress(b"id\n1\n")
    assert file_fingerprint(write_bytes("a.csv.gz", packed)) == hashlib.sha256(packed).hexdigest()


def test_fingerprint_of_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file not found"):
        file_fingerprint(tmp_path / "nope.csv")
    with pytest.raises(SourceError, match="is a directory"):
        file_fingerprint(tmp_path)


def test_new_options_are_refused_where_they_do_not_apply(shop_db: Path) -> None:
    with pytest.raises(SourceError, match="member must name a file inside a zip archive"):
        read_source("sql", shop_db, table="customers", member="a.csv")
    with pytest.raises(SourceError, match="header_row applies to kind 'excel' only, not 'sql'"):
        read_source("sql", shop_db, table="customers", header_row=2)
    with pytest.raises(SourceError, match="max_uncompressed_bytes must be a positive integer"):
        read_source("sql", shop_db, table="customers", max_uncompressed_bytes=0)


def test_empty_member_name_is_refused(write_bytes: Write) -> None:
    with pytest.raises(SourceError, match="member must name a file inside a zip archive, got ''"):
        read_source("csv", write_bytes("a.csv", b"id\n1\n"), member="")


def test_sheet_star_and_pattern_combine(tmp_path: Path) -> None:
    for year in (2023, 2024):
        book = openpyxl.Workbook()
        book.active.title = "Q1"
        book.active.append(["id"])
        book.active.append([year])
        book.create_sheet("Q2").append(["id"])
        book["Q2"].append([year + 0.5])
        book.save(tmp_path / f"sales_{year}.xlsx")
    df = read_source("excel", tmp_path / "sales_*.xlsx", sheet="*")
    assert df.to_dict("list") == {
        "id": [2023.0, 2023.5, 2024.0, 2024.5],
        "source_sheet": ["Q1", "Q2", "Q1", "Q2"],
        "source_file": ["sales_2023.xlsx", "sales_2023.xlsx", "sales_2024.xlsx", "sales_2024.xlsx"],
    }
