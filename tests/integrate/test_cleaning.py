"""Cleaning parses a source once; duplicates are found by hash and confirmed column by column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import user_segmentation.integrate.cleaning as cleaning
from user_segmentation.errors import SchemaError, SourceError
from user_segmentation.integrate.cleaning import clean_table
from user_segmentation.integrate.rules import ExcludeRule
from user_segmentation.sources.relation import file_table
from user_segmentation.tables import TableRef, connect

CANCELLED = (ExcludeRule("invoice", "cancelled", starts_with="C"),)


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _sorted(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))


def test_the_file_is_read_once(tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", ["cust,invoice,amount", "1.0,A,5", "2.0,C1,3", "2.0,B,4"])
    out = clean_table(file_table("csv", path), "cust", rules=CANCELLED, origin=str(path))
    path.unlink()  # everything later reads the parsed rows, not the file
    assert out.rows_read == 3 and out.rows_dropped == {"cancelled": 1}
    assert _sorted(out.table.df()) == [("1", "A", "5"), ("2", "B", "4")]
    assert out.customer_ids.tolist() == ["1", "2"]


def test_later_copies_are_dropped_and_the_first_kept(tmp_path: Path) -> None:
    lines = pd.DataFrame(
        {
            "cust": ["1", "1", "2", "1", "2", "1"],
            "invoice": ["A", "A", "B", "A", "B", "A"],
            "amount": ["5", "5", "7", "6", "7", "5"],
        }
    )
    out = clean_table(TableRef.from_frame(lines), "cust")
    assert out.rows_dropped == {"duplicate_rows": 3} and out.rows_kept == 3
    assert _sorted(out.table.df()) == [("1", "A", "5"), ("1", "A", "6"), ("2", "B", "7")]
    # One spelling per id: the rows are also offered keyed by raw id, without the join.
    assert out.table.raw_keyed is not None
    with connect() as con:
        raw = con.execute(out.table.raw_keyed.sql).df()
    assert _sorted(raw) == _sorted(out.table.df())


def test_rows_equal_once_ids_are_canonical_are_duplicates() -> None:
    lines = pd.DataFrame({"cust": [" 7", "7", "7 ", "8"], "invoice": ["A", "A", "B", "A"]})
    out = clean_table(TableRef.from_frame(lines), "cust")
    assert out.rows_dropped == {"duplicate_rows": 1} and out.rows_kept == 3
    assert _sorted(out.table.df()) == [("7", "A"), ("7", "B"), ("8", "A")]
    assert out.table.raw_keyed is None  # " 7" and "7" are one customer: only the join is right


def test_rows_that_share_a_hash_are_told_apart_by_their_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parse = cleaning._parse

    def colliding(*args: object, **kwargs: object) -> cleaning._Parsed:
        parsed = parse(*args, **kwargs)  # type: ignore[arg-type]
        with connect() as con:  # every row gets the same hash
            con.execute(f"UPDATE {parsed.stored.name} SET {parsed.hash} = 42")
        return parsed

    monkeypatch.setattr(cleaning, "_parse", colliding)
    lines = pd.DataFrame({"cust": ["1", "1", "2", "1"], "amount": [1.5, 2.5, 1.5, 1.5]})
    out = clean_table(TableRef.from_frame(lines), "cust")
    assert out.rows_dropped == {"duplicate_rows": 1}
    assert _sorted(out.table.df()) == [("1", "1.5"), ("1", "2.5"), ("2", "1.5")]


def test_columns_named_like_the_internal_ones_keep_their_values() -> None:
    lines = pd.DataFrame(
        {
            "cust": ["1", "1", "2", "2"],
            "rowid": [10, 10, 30, 31],
            "_reason": ["x", "x", "y", "z"],
            "_hash": ["h", "h", "h", "h"],
        }
    )
    out = clean_table(TableRef.from_frame(lines), "cust")
    assert out.rows_dropped == {"duplicate_rows": 1}
    kept = out.table.df()
    assert list(kept.columns) == ["customer_id", "rowid", "_reason", "_hash"]
    assert _sorted(kept) == [("1", "10", "x", "h"), ("2", "30", "y", "h"), ("2", "31", "z", "h")]


def test_text_in_a_numeric_rule_names_the_files_data_row(tmp_path: Path) -> None:
    rows = ["cust,qty", *(f"{i},{i}" for i in range(1, 500)), "7,two", "8,3"]
    path = _write(tmp_path / "log.csv", rows)
    with pytest.raises(SchemaError, match=r"log.csv: column 'qty', data row 500: 'two'"):
        clean_table(
            file_table("csv", path), "cust", rules=(ExcludeRule("qty", "neg", at_most=0),),
            origin=str(path),
        )  # fmt: skip


def test_a_row_that_cannot_be_read_is_a_source_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    body = "cust,amount\n" + "".join(f"{i},3\n" for i in range(3000))
    path.write_bytes(body.encode() + b"7,\xff\xfe\n")
    with pytest.raises(SourceError, match=r"log.csv: cannot read the rows"):
        clean_table(file_table("csv", path), "cust", origin=str(path))


def test_examples_are_the_first_excluded_rows_of_the_file(tmp_path: Path) -> None:
    rows = ["cust,invoice", *(f"{i % 7},{'C' if i % 3 == 0 else 'A'}{i}" for i in range(3000))]
    path = _write(tmp_path / "log.csv", rows)
    out = clean_table(file_table("csv", path), "cust", rules=CANCELLED, origin=str(path))
    assert [e["invoice"] for e in out.examples["cancelled"]] == ["C0", "C3", "C6"]


def test_an_id_holding_a_nul_byte_is_refused(tmp_path: Path) -> None:  # BAD_INPUTS #11
    path = tmp_path / "log.csv"
    path.write_bytes(b"cust,order\n1,a\n2\x003,b\n")
    with pytest.raises(SourceError, match=r"log.csv: column 'cust': id '2\\x003' holds a NUL"):
        clean_table(file_table("csv", path), "cust", origin="log.csv")
