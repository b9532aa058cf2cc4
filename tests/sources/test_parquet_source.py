"""Parquet: ids cast without loss, corrupt and empty files (BAD_INPUTS #12, #19, #20)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from user_segmentation.errors import EmptyInputError, SourceError
from user_segmentation.sources import read_source


def _write(tmp_path: Path, table: pa.Table, name: str = "customers.parquet") -> Path:
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def test_integer_ids_with_nulls_stay_exact(tmp_path: Path) -> None:
    # pandas would turn this int64 column with a null into float64 and round the long id.
    table = pa.table(
        {"customer_id": pa.array([12345678901234567, None, 7]), "spend": [1.0, 2.0, 3.0]}
    )
    df = read_source("parquet", _write(tmp_path, table), id_columns=["customer_id"])
    assert df["customer_id"].dtype == pd.StringDtype()
    assert df["customer_id"].tolist() == ["12345678901234567", pd.NA, "7"]


def test_float_ids_lose_only_the_trailing_zero(tmp_path: Path) -> None:  # BAD_INPUTS #19
    table = pa.table({"customer_id": pa.array([12346.0, None, 17850.0])})
    df = read_source("parquet", _write(tmp_path, table), id_columns=["customer_id"])
    assert df["customer_id"].tolist() == ["12346", pd.NA, "17850"]


def test_text_ids_are_kept_as_written(tmp_path: Path) -> None:
    table = pa.table({"customer_id": ["007", None, " 12 "], "n": [1, 2, 3]})
    df = read_source("parquet", _write(tmp_path, table), id_columns=["customer_id"])
    assert df["customer_id"].tolist() == ["007", pd.NA, " 12 "]


def test_dictionary_encoded_ids(tmp_path: Path) -> None:
    ids = pa.array([5, 5, 12345678901234567]).dictionary_encode()
    df = read_source("parquet", _write(tmp_path, pa.table({"id": ids})), id_columns=["id"])
    assert df["id"].tolist() == ["5", "5", "12345678901234567"]


def test_named_index_becomes_a_column_and_index_is_plain(tmp_path: Path) -> None:
    frame = pd.DataFrame({"customer_id": [10, 11], "spend": [1.5, 2.5]}).set_index("customer_id")
    frame.to_parquet(tmp_path / "indexed.parquet")
    df = read_source("parquet", tmp_path / "indexed.parquet", id_columns=["customer_id"])
    assert sorted(df.columns) == ["customer_id", "spend"]
    assert df["customer_id"].tolist() == ["10", "11"]
    assert isinstance(df.index, pd.RangeIndex)


def test_unnamed_stored_index_is_dropped(tmp_path: Path) -> None:
    pd.DataFrame({"x": [1, 2]}, index=[5, 9]).to_parquet(tmp_path / "i.parquet")
    df = read_source("parquet", tmp_path / "i.parquet")
    assert df.columns.tolist() == ["x"]
    assert df.index.tolist() == [0, 1]


def test_truncated_file_is_a_source_error(tmp_path: Path) -> None:  # BAD_INPUTS #12
    path = _write(tmp_path, pa.table({"id": list(range(100))}))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match=r"customers\.parquet: not a readable Parquet file"):
        read_source("parquet", path)


def test_other_content_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_bytes(b"customer_id,amount\n1,2\n")
    with pytest.raises(SourceError, match=r"fake\.parquet"):
        read_source("parquet", path)


def test_zero_rows_is_empty_input(tmp_path: Path) -> None:  # BAD_INPUTS #2
    table = pa.table({"id": pa.array([], pa.int64()), "x": pa.array([], pa.float64())})
    with pytest.raises(EmptyInputError, match=r"customers\.parquet: file has 0 data rows"):
        read_source("parquet", _write(tmp_path, table))
