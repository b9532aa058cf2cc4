"""Zip archives and decompression caps (BAD_INPUTS #17): members, bombs, gzip counting."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from user_segmentation.errors import (
    EmptyInputError,
    SchemaError,
    SegmentationError,
    SourceError,
)
from user_segmentation.sources import read_source

Write = Callable[[str, bytes], Path]


def _zip(path: Path, members: Mapping[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


@pytest.mark.parametrize(
    ("kind", "member", "data"),
    [
        ("csv", "customers.csv", b"id;amount\n007;1,5\n"),
        ("csv", "customers.csv.gz", gzip.compress(b"id;amount\n007;1,5\n")),
        ("jsonl", "customers.jsonl", b'{"id": "007", "amount": 1.5}\n'),
        ("json", "customers.json", b'[{"id": "007", "amount": 1.5}]'),
        ("parquet", "customers.parquet", _parquet_bytes(pa.table({"id": [7], "amount": [1.5]}))),
        ("excel", "customers.xlsx", _xlsx_bytes([["id", "amount"], ["007", 1.5]])),
    ],
)
def test_zip_with_one_data_file_is_read_transparently(
    tmp_path: Path, kind: str, member: str, data: bytes
) -> None:
    path = _zip(tmp_path / "export.zip", {member: data})
    options = {"decimal": ","} if kind == "csv" else {}
    df = read_source(kind, path, id_columns=["id"], **options)  # type: ignore[arg-type]
    assert df["id"].tolist() == (["7"] if kind == "parquet" else ["007"])
    assert df["amount"].tolist() == [1.5]


def test_zip_extension_does_not_matter_and_clutter_is_ignored(tmp_path: Path) -> None:
    members = {
        "__MACOSX/._customers.csv": b"\x00\x05junk",
        "data/.DS_Store": b"\x00\x00",
        "data/": b"",
        "README.md": b"# export of 2024-06\n",
        "data/customers.csv": b"id,amount\n1,2\n",
    }
    path = _zip(tmp_path / "export.bin", members)
    assert read_source("csv", path).to_dict("list") == {"id": [1], "amount": [2]}


def test_zip_with_several_data_files_lists_them(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"a.csv": b"id\n1\n", "sub/b.csv": b"id\n2\n"})
    with pytest.raises(SourceError) as info:
        read_source("csv", path)
    assert str(info.value) == (
        "export.zip: the zip archive holds 2 data files ('a.csv', 'sub/b.csv'); "
        "set member= to the one to read"
    )


def test_member_names_the_file_to_read(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"a.csv": b"id\n1\n", "sub/b.csv": b"id\n2\n"})
    assert read_source("csv", path, member="sub/b.csv")["id"].tolist() == [2]


def test_unknown_member_lists_the_archive(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"a.csv": b"id\n1\n", "notes.txt": b"x"})
    with pytest.raises(
        SourceError, match=r"export\.zip: member 'b\.csv' not found; .*'a\.csv', 'notes\.txt'"
    ):
        read_source("csv", path, member="b.csv")


def test_member_on_a_plain_file_is_refused(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"id\n1\n")
    with pytest.raises(SourceError, match=r"a\.csv: member='x\.csv' is set, but this is not a zip"):
        read_source("csv", path, member="x.csv")


def test_errors_inside_the_member_name_archive_member_and_line(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"orders.csv": b"id,x\n1,2\n3,4,5\n"})
    with pytest.raises(SourceError) as info:
        read_source("csv", path)
    assert str(info.value).startswith(
        "export.zip, member 'orders.csv': line 3 has 3 fields but the header has 2"
    )


def test_missing_column_in_a_member_names_it(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"orders.csv": b"id,x\n1,2\n"})
    with pytest.raises(SchemaError, match=r"export\.zip, member 'orders\.csv': required"):
        read_source("csv", path, required_columns=["amount"])


def test_corrupt_member_message_has_no_temporary_path(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"orders.parquet": b"not parquet at all"})
    with pytest.raises(SourceError) as info:
        read_source("parquet", path)
    message = str(info.value)
    assert message.startswith("export.zip, member 'orders.parquet': not a readable Parquet")
    assert "user-segmentation-" not in message


def test_member_of_another_kind_is_refused(tmp_path: Path) -> None:
    data = _parquet_bytes(pa.table({"id": [1]}))
    path = _zip(tmp_path / "export.zip", {"orders.parquet": data})
    with pytest.raises(
        SourceError, match="looks like a Parquet file, but the source kind is 'csv'"
    ):
        read_source("csv", path)
    assert read_source("parquet", path, member="orders.parquet")["id"].tolist() == [1]


def test_zip_without_data_suffix_reads_its_only_file(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"EXPORT": b"id\n1\n"})
    assert read_source("csv", path)["id"].tolist() == [1]


def test_empty_zip_is_empty_input(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {})
    with pytest.raises(EmptyInputError, match=r"export\.zip: the zip archive holds no file"):
        read_source("csv", path)


def test_empty_member_is_empty_input(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"a.csv": b""})
    with pytest.raises(EmptyInputError, match=r"export\.zip, member 'a\.csv'"):
        read_source("csv", path)


def test_truncated_zip_is_a_source_error(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"a.csv": b"id,x\n" + b"1,2\n" * 1000})
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(SourceError, match=r"export\.zip: not a readable zip archive"):
        read_source("csv", path)


def test_encrypted_member_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "export.zip", {"a.csv": b"id\n1\n"}, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit in the local and the central header of the member.
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.find(signature)
        flag_at = at + (6 if signature == b"PK\x03\x04" else 8)
        data[flag_at] |= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError, match=r"member 'a\.csv': the member is encrypted"):
        read_source("csv", path)


def test_workbook_given_as_csv_is_named(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(_xlsx_bytes([["id"], [1]]))
    with pytest.raises(SourceError, match=r"this is an Office document .*use kind 'excel'"):
        read_source("csv", path)


def test_zip_holding_a_workbook_is_read_as_excel(tmp_path: Path) -> None:
    path = _zip(tmp_path / "book.zip", {"book.xlsx": _xlsx_bytes([["id"], ["007"]])})
    df = read_source("excel", path, id_columns=["id"])
    assert df["id"].tolist() == ["007"]
    with pytest.raises(SchemaError, match=r"book\.zip, member 'book\.xlsx', sheet 'Sheet'"):
        read_source("excel", path, required_columns=["amount"])


# --- zip bombs (BAD_INPUTS #17) -------------------------------------------------------------


def test_member_beyond_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "big.zip", {"a.csv": b"id\n" + b"12345\n" * 100})
    with pytest.raises(SourceError) as info:
        read_source("csv", path, max_uncompressed_bytes=500)
    assert str(info.value) == (
        "big.zip: member 'a.csv' declares 603 bytes uncompressed, more than "
        "max_uncompressed_bytes (500); refusing to extract it"
    )
    assert len(read_source("csv", path, max_uncompressed_bytes=603)) == 100


def test_member_compressed_beyond_1000_to_1_is_refused(tmp_path: Path) -> None:
    # bzip2 packs 5 MB of one byte into a few dozen bytes: a bomb's signature.
    path = _zip(tmp_path / "bomb.zip", {"a.csv": b"id\n" + b"0" * 5_000_000}, zipfile.ZIP_BZIP2)
    with pytest.raises(SourceError, match=r"bomb\.zip: member 'a\.csv' would expand \d+:1") as info:
        read_source("csv", path)
    assert "zip bomb" in str(info.value)


def test_ordinary_compression_ratio_is_accepted(tmp_path: Path) -> None:
    rows = b"".join(b"%d,%d,customer-%d\n" % (i, i % 7, i) for i in range(20_000))
    path = _zip(tmp_path / "ok.zip", {"a.csv": b"id,x,name\n" + rows})
    assert len(read_source("csv", path)) == 20_000


def test_workbook_part_beyond_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(_xlsx_bytes([["id"], [1]]))
    with pytest.raises(SourceError, match=r"book\.xlsx: member '.*' declares \d+ bytes"):
        read_source("excel", path, max_uncompressed_bytes=100)
    assert read_source("excel", path)["id"].tolist() == [1]


@pytest.mark.parametrize("kind", ["csv", "jsonl", "json"])
def test_gzip_is_capped_while_reading(write_bytes: Write, kind: str) -> None:
    body = {
        "csv": b"id\n" + b"1\n" * 10_000,
        "jsonl": b'{"id": 1}\n' * 10_000,
        "json": b"[" + b'{"id": 1},' * 10_000 + b'{"id": 1}]',
    }[kind]
    path = write_bytes(f"a.{kind}.gz", gzip.compress(body))
    with pytest.raises(SourceError) as info:
        read_source(kind, path, max_uncompressed_bytes=1_000)  # type: ignore[arg-type]
    assert str(info.value).startswith(
        f"a.{kind}.gz: decompressed content exceeds max_uncompressed_bytes (1,000 bytes)"
    )
    assert len(read_source(kind, path, max_uncompressed_bytes=len(body))) > 0  # type: ignore[arg-type]


def test_gzip_cap_applies_beyond_the_sniffed_head(write_bytes: Write) -> None:
    body = b"id,x\n" + b"1,2\n" * 100_000  # 400 kB: past the 64 kB head
    path = write_bytes("a.csv.gz", gzip.compress(body))
    with pytest.raises(SourceError, match="decompressed content exceeds"):
        read_source("csv", path, max_uncompressed_bytes=200_000)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "20GB"])
def test_cap_must_be_a_positive_integer(write_bytes: Write, value: object) -> None:
    path = write_bytes("a.csv", b"id\n1\n")
    with pytest.raises(SourceError, match="max_uncompressed_bytes must be a positive integer"):
        read_source("csv", path, max_uncompressed_bytes=value)  # type: ignore[arg-type]


_fuzz_counter = iter(range(10**9))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(min_value=0, max_value=400),
    flips=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=6),
    kind=st.sampled_from(["csv", "jsonl", "parquet", "excel"]),
)
def test_fuzz_damaged_zip_raises_only_our_errors(
    write_bytes: Write, cut: int, flips: list[tuple[int, int]], kind: str
) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data/a.csv", b"id,x\n1,2\n3,4\n" * 20)
    data = bytearray(archive.getvalue())
    for at, value in flips:
        if at < len(data):
            data[at] = value
    if cut:
        data = data[: max(4, len(data) - cut)]
    path = write_bytes(f"fuzz{next(_fuzz_counter)}.zip", bytes(data))
    try:
        df = read_source(kind, path)  # type: ignore[arg-type]
    except SegmentationError:
        return
    assert isinstance(df.index, pd.RangeIndex)
