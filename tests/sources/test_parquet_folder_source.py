"""Folders of Parquet files: datasets as Spark or pyarrow write them, hive partitions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources import read_source, source_fingerprint


def _write(folder: Path, name: str, table: pa.Table) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def test_plain_folder_reads_every_file_in_sorted_order(tmp_path: Path) -> None:
    folder = tmp_path / "orders"
    _write(folder, "part-00001.parquet", pa.table({"id": [3], "amount": [3.0]}))
    _write(folder, "part-00000.parquet", pa.table({"id": [1, 2], "amount": [1.0, 2.0]}))
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / ".part-00000.parquet.crc").write_bytes(b"crc")
    _write(folder, "_temporary/0/part-9.parquet", pa.table({"other": ["x"]}))
    df = read_source("parquet", folder, id_columns=["id"])
    assert df.to_dict("list") == {"id": ["1", "2", "3"], "amount": [1.0, 2.0, 3.0]}
    assert isinstance(df.index, pd.RangeIndex)


def test_hive_partitions_become_columns(tmp_path: Path) -> None:
    folder = tmp_path / "sales"
    _write(folder, "year=2023/country=ES/p.parquet", pa.table({"id": [1], "x": [1.5]}))
    _write(folder, "year=2024/country=NO/p.parquet", pa.table({"id": [2], "x": [2.5]}))
    df = read_source("parquet", folder)
    assert df.columns.tolist() == ["id", "x", "year", "country"]
    assert df["year"].tolist() == [2023, 2024]
    assert df["country"].tolist() == ["ES", "NO"]


def test_partition_key_that_is_an_id_keeps_its_zeros(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    _write(folder, "customer=007/p.parquet", pa.table({"n": [1, 2]}))
    _write(folder, "customer=010/p.parquet", pa.table({"n": [3]}))
    df = read_source("parquet", folder, id_columns=["customer"])
    assert df["customer"].tolist() == ["007", "007", "010"]


def test_widening_types_are_unified(tmp_path: Path) -> None:
    # pandas writes an integer column holding a missing value as float64.
    folder = tmp_path / "d"
    _write(folder, "a.parquet", pa.table({"n": pa.array([1, 2], pa.int32())}))
    _write(folder, "b.parquet", pa.table({"n": pa.array([None, 4.5], pa.float64())}))
    df = read_source("parquet", folder)
    assert df["n"].tolist()[:2] == [1.0, 2.0]
    assert df["n"].isna().tolist() == [False, False, True, False]


def test_categorical_and_plain_text_files_mix(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "a.parquet", pa.table({"c": pa.array(["x", "y"]).dictionary_encode()}))
    _write(folder, "b.parquet", pa.table({"c": ["z"]}))
    assert read_source("parquet", folder)["c"].tolist() == ["x", "y", "z"]


def test_stored_pandas_index_columns_are_not_data(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    pd.DataFrame({"x": [1, 2]}, index=[5, 9]).to_parquet(folder / "a.parquet")
    pd.DataFrame({"x": [3]}).to_parquet(folder / "b.parquet")
    assert read_source("parquet", folder).to_dict("list") == {"x": [1, 2, 3]}


def test_incompatible_types_name_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "a.parquet", pa.table({"id": [1]}))
    _write(folder, "b.parquet", pa.table({"id": [2]}))
    _write(folder, "c.parquet", pa.table({"id": ["x"]}))
    with pytest.raises(SourceError) as info:
        read_source("parquet", folder)
    assert str(info.value) == (
        "d: incompatible schemas: column 'id' is int64 in file 'a.parquet' but string in "
        "file 'c.parquet'"
    )


def test_different_columns_name_both_files(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "year=2023/a.parquet", pa.table({"id": [1], "x": [1.0]}))
    _write(folder, "year=2024/a.parquet", pa.table({"id": [2], "y": [1.0]}))
    with pytest.raises(SourceError) as info:
        read_source("parquet", folder)
    assert str(info.value) == (
        "d: incompatible schemas: file 'year=2024/a.parquet' has different columns from file "
        "'year=2023/a.parquet': missing 'x'; extra 'y'"
    )


def test_corrupt_file_in_folder_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "a.parquet", pa.table({"id": [1]}))
    (folder / "b.parquet").write_bytes(b"PAR1 truncated")
    with pytest.raises(SourceError, match=r"d, file 'b\.parquet': not a readable Parquet file"):
        read_source("parquet", folder)


def test_empty_folder_is_empty_input(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "_SUCCESS").write_bytes(b"")
    with pytest.raises(EmptyInputError, match=r"^d: the folder holds no \.parquet file$"):
        read_source("parquet", folder)


def test_folder_of_empty_files_has_0_rows(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "a.parquet", pa.table({"id": pa.array([], pa.int64())}))
    with pytest.raises(EmptyInputError, match=r"d: folder has 0 data rows"):
        read_source("parquet", folder)


def test_partition_key_that_is_also_a_column(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "year=2024/a.parquet", pa.table({"year": [2024]}))
    with pytest.raises(SchemaError, match=r"partition key 'year' .* is also a column"):
        read_source("parquet", folder)


def test_folder_is_still_refused_for_other_kinds(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory, not a file"):
        read_source("csv", tmp_path)


def test_folder_fingerprint_follows_its_files(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    _write(folder, "a.parquet", pa.table({"id": [1]}))
    first = source_fingerprint(folder)
    assert source_fingerprint(folder) == first
    (folder / "_SUCCESS").write_bytes(b"ignored")
    assert source_fingerprint(folder) == first
    _write(folder, "b.parquet", pa.table({"id": [2]}))
    assert source_fingerprint(folder) != first


def test_partition_values_with_leading_zeros_stay_text_and_hive_null_is_missing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "d"
    _write(folder, "month=01/p.parquet", pa.table({"n": [1]}))
    _write(folder, "month=12/p.parquet", pa.table({"n": [2]}))
    _write(folder, "month=__HIVE_DEFAULT_PARTITION__/p.parquet", pa.table({"n": [3]}))
    df = read_source("parquet", folder)
    assert df["month"].tolist()[:2] == ["01", "12"]
    assert df["month"].isna().tolist() == [False, False, True]
