"""Glob patterns: every matching file read alike and stacked with a source_file column."""

from __future__ import annotations

import gzip
import logging
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources import read_source, source_fingerprint


def _files(folder: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def test_matching_files_are_stacked_in_sorted_order(tmp_path: Path) -> None:
    _files(
        tmp_path,
        {
            "orders_2024-02.csv": b"id;amount\n009;3,0\n",
            "orders_2024-01.csv": b"id;amount\n007;1,5\n008;2,0\n",
            "customers.csv": b"id;name\n1;ana\n",
        },
    )
    df = read_source("csv", tmp_path / "orders_*.csv", id_columns=["id"], decimal=",")
    assert df.to_dict("list") == {
        "id": ["007", "008", "009"],
        "amount": [1.5, 2.0, 3.0],
        "source_file": ["orders_2024-01.csv", "orders_2024-01.csv", "orders_2024-02.csv"],
    }
    assert df["source_file"].dtype == pd.StringDtype()
    assert isinstance(df.index, pd.RangeIndex)


def test_source_file_is_the_path_below_the_fixed_folders(tmp_path: Path) -> None:
    _files(
        tmp_path,
        {"exports/2024/orders.csv": b"id\n1\n", "exports/2025/orders.csv": b"id\n2\n"},
    )
    df = read_source("csv", str(tmp_path / "exports" / "*" / "orders.csv"))
    assert df["source_file"].tolist() == ["2024/orders.csv", "2025/orders.csv"]
    deep = read_source("csv", str(tmp_path / "**" / "orders.csv"))
    assert deep["source_file"].tolist() == ["exports/2024/orders.csv", "exports/2025/orders.csv"]


def test_columns_in_another_order_are_aligned(tmp_path: Path) -> None:
    _files(tmp_path, {"a.csv": b"id,x\n1,2\n", "b.csv": b"x,id\n4,3\n"})
    df = read_source("csv", tmp_path / "?.csv")
    assert df.to_dict("list") == {"id": [1, 3], "x": [2, 4], "source_file": ["a.csv", "b.csv"]}


def test_bracket_patterns_select_files(tmp_path: Path) -> None:
    _files(tmp_path, {"p1.csv": b"id\n1\n", "p2.csv": b"id\n2\n", "p3.csv": b"id\n3\n"})
    assert read_source("csv", tmp_path / "p[13].csv")["id"].tolist() == [1, 3]


def test_existing_file_with_bracket_in_its_name_is_not_a_pattern(tmp_path: Path) -> None:
    path = _files(tmp_path, {"report [2024].csv": b"id\n1\n"}) / "report [2024].csv"
    df = read_source("csv", path)
    assert df.columns.tolist() == ["id"]


def test_no_match_names_the_pattern(tmp_path: Path) -> None:
    pattern = str(tmp_path / "orders_*.csv")
    with pytest.raises(SourceError) as info:
        read_source("csv", pattern, name="orders")
    assert str(info.value) == f"orders: no file matches the pattern {pattern!r}"


def test_different_columns_name_the_first_differing_file(tmp_path: Path) -> None:
    _files(
        tmp_path,
        {
            "o_1.csv": b"id,amount,country\n1,2,ES\n",
            "o_2.csv": b"id,amount,country\n3,4,NO\n",
            "o_3.csv": b"id,Amount\n5,6\n",
            "o_4.csv": b"id\n7\n",
        },
    )
    with pytest.raises(SchemaError) as info:
        read_source("csv", tmp_path / "o_*.csv", name="orders")
    assert str(info.value) == (
        "orders: file 'o_3.csv' has different columns from file 'o_1.csv': "
        "missing 'amount', 'country'; extra 'Amount'"
    )


def test_numbers_in_one_file_and_text_in_another_are_refused(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv": b"id,code\n1,10\n", "o_2.csv": b"id,code\n2,A7\n"})
    with pytest.raises(SchemaError) as info:
        read_source("csv", tmp_path / "o_*.csv", name="orders")
    assert str(info.value) == (
        "orders: column 'code' holds text in file 'o_2.csv' but numbers in file 'o_1.csv'"
    )


def test_a_column_empty_in_one_file_takes_the_type_of_the_others(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv": b"id,amount\n1,2.5\n", "o_2.csv": b"id,amount\n2,\n"})
    df = read_source("csv", tmp_path / "o_*.csv")
    assert df["amount"].dtype == "float64"
    assert df["amount"].isna().tolist() == [False, True]


def test_errors_inside_a_file_name_it(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv": b"id,x\n1,2\n", "o_2.csv": b"id,x\n1,2\n3,4,5\n"})
    with pytest.raises(SourceError) as info:
        read_source("csv", tmp_path / "o_*.csv", name="orders")
    assert str(info.value).startswith("orders, file 'o_2.csv': line 3 has 3 fields")


def test_empty_file_among_matches_is_named(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv": b"id\n1\n", "o_2.csv": b""})
    with pytest.raises(EmptyInputError, match=r"orders, file 'o_2\.csv': file is empty"):
        read_source("csv", tmp_path / "o_*.csv", name="orders")


def test_existing_source_file_column_is_refused(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv": b"id,source_file\n1,x\n"})
    with pytest.raises(SchemaError, match=r"file 'o_1\.csv' already has a column 'source_file'"):
        read_source("csv", tmp_path / "o_*.csv")


def test_same_options_for_every_file_gzip_and_zip_included(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv.gz": gzip.compress(b"id;amount\n007;1,5\n")})
    with zipfile.ZipFile(tmp_path / "o_2.zip", "w") as archive:
        archive.writestr("export/orders.csv", b"id;amount\n008;2,5\n")
    df = read_source("csv", tmp_path / "o_*", id_columns=["id"], decimal=",")
    assert df.to_dict("list") == {
        "id": ["007", "008"],
        "amount": [1.5, 2.5],
        "source_file": ["o_1.csv.gz", "o_2.zip"],
    }


def test_required_columns_checked_on_the_stacked_frame(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv": b"id\n1\n"})
    with pytest.raises(SchemaError, match=r"orders: required column 'amount' missing"):
        read_source("csv", tmp_path / "o_*.csv", name="orders", required_columns=["amount"])


def test_parquet_pattern_may_match_folders(tmp_path: Path) -> None:
    for month in ("2024-01", "2024-02"):
        folder = tmp_path / f"export_{month}"
        folder.mkdir()
        pq.write_table(pa.table({"id": [int(month[-1])]}), folder / "part-0.parquet")
    df = read_source("parquet", tmp_path / "export_*", id_columns=["id"])
    assert df.to_dict("list") == {
        "id": ["1", "2"],
        "source_file": ["export_2024-01", "export_2024-02"],
    }


def test_rows_per_file_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _files(tmp_path, {"o_1.csv": b"id\n1\n2\n", "o_2.csv": b"id\n3\n"})
    with caplog.at_level(logging.INFO, logger="user_segmentation.sources"):
        read_source("csv", tmp_path / "o_*.csv", name="orders")
    assert "orders, file 'o_1.csv': 2 rows" in caplog.messages
    assert "orders, file 'o_2.csv': 1 rows" in caplog.messages


def test_pattern_fingerprint_changes_with_files(tmp_path: Path) -> None:
    _files(tmp_path, {"o_1.csv": b"id\n1\n"})
    pattern = tmp_path / "o_*.csv"
    first = source_fingerprint(pattern)
    assert source_fingerprint(pattern) == first
    _files(tmp_path, {"o_2.csv": b"id\n1\n"})
    second = source_fingerprint(pattern)
    assert second != first
    (tmp_path / "o_2.csv").rename(tmp_path / "o_3.csv")
    assert source_fingerprint(pattern) != second
    with pytest.raises(SourceError, match="matches the pattern"):
        source_fingerprint(tmp_path / "x_*.csv")


def test_a_copy_of_a_file_is_read_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:  # BAD_INPUTS #18: the same export dropped twice is not counted twice
    lines = b"id,amount\n007,1.5\n008,2.0\n"
    _files(tmp_path, {"o_1.csv": lines, "o_1 (copy).csv": lines, "o_2.csv": b"id,amount\n9,3\n"})
    with caplog.at_level(logging.WARNING):
        df = read_source("csv", tmp_path / "o_*.csv", id_columns=["id"])
    assert df["id"].tolist() == ["007", "008", "9"]
    assert set(df["source_file"]) == {"o_1 (copy).csv", "o_2.csv"}  # the first in sorted order
    assert "'o_1.csv' skipped, same content as 'o_1 (copy).csv'" in caplog.text
