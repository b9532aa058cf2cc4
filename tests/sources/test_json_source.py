"""JSON Lines and JSON arrays: line numbers in errors, flat records, exact ids."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources import read_source

Write = Callable[[str, bytes], Path]


def test_jsonl_reads_records_with_exact_ids(write_bytes: Write) -> None:
    data = (
        b'{"customer_id": "007", "spend": 1.5}\n'
        b"\n"
        b'{"customer_id": 12345678901234567, "spend": 2}\n'
        b'{"spend": 3, "country": "ES"}\n'
    )
    df = read_source("jsonl", write_bytes("c.jsonl", data), id_columns=["customer_id"])
    assert df.columns.tolist() == ["customer_id", "spend", "country"]
    assert df["customer_id"].tolist() == ["007", "12345678901234567", pd.NA]
    assert df["spend"].tolist() == [1.5, 2.0, 3.0]
    assert df["country"].isna().tolist() == [True, True, False]


def test_jsonl_malformed_line_is_named(write_bytes: Write) -> None:
    data = b'{"id": 1}\n\n{"id": 2,}\n{"id": 3}\n'
    with pytest.raises(SourceError, match=r"c\.jsonl: line 3, column \d+: invalid JSON"):
        read_source("jsonl", write_bytes("c.jsonl", data))


def test_jsonl_line_that_is_not_an_object(write_bytes: Write) -> None:
    data = b'{"id": 1}\n[1, 2]\n'
    with pytest.raises(SourceError, match=r"line 2: expected a JSON object, got an array"):
        read_source("jsonl", write_bytes("c.jsonl", data))


def test_jsonl_nested_value_is_refused(write_bytes: Write) -> None:  # BAD_INPUTS #15
    data = b'{"id": 1, "address": {"city": "Oslo"}}\n'
    with pytest.raises(
        SourceError, match=r"line 1: field 'address' holds an object, but records must be flat"
    ):
        read_source("jsonl", write_bytes("c.jsonl", data))


def test_jsonl_with_only_blank_lines_has_0_rows(write_bytes: Write) -> None:
    with pytest.raises(EmptyInputError, match=r"c\.jsonl: file has 0 data rows"):
        read_source("jsonl", write_bytes("c.jsonl", b"\n  \n"))


def test_jsonl_latin1_needs_encoding(write_bytes: Write) -> None:
    data = '{"country": "España"}\n'.encode("latin-1")
    with pytest.raises(SourceError, match=r"byte 0xf1 at byte offset 17 \(line 1"):
        read_source("jsonl", write_bytes("c.jsonl", data))
    df = read_source("jsonl", write_bytes("c.jsonl", data), encoding="latin-1")
    assert df["country"].tolist() == ["España"]


def test_json_array_of_records(write_bytes: Write) -> None:
    data = b'\xef\xbb\xbf[{"id": "007", " spend ": 1.5},\n {"id": 12346.0, " spend ": 2}]'
    df = read_source("json", write_bytes("c.json", data), id_columns=["id"])
    assert df.to_dict("list") == {"id": ["007", "12346"], "spend": [1.5, 2.0]}


def test_json_malformed_names_line_and_column(write_bytes: Write) -> None:
    data = b'[\n  {"id": 1},\n  {"id": 2\n]\n'
    with pytest.raises(SourceError, match=r"c\.json: line 4, column 1: invalid JSON"):
        read_source("json", write_bytes("c.json", data))


def test_json_top_level_object_is_refused(write_bytes: Write) -> None:
    with pytest.raises(SourceError, match="expected a JSON array of records"):
        read_source("json", write_bytes("c.json", b'{"id": 1}'))


def test_json_element_that_is_not_an_object(write_bytes: Write) -> None:
    with pytest.raises(SourceError, match=r"record 2: expected a JSON object, got a number"):
        read_source("json", write_bytes("c.json", b'[{"id": 1}, 5]'))


def test_json_empty_array_has_0_rows(write_bytes: Write) -> None:  # BAD_INPUTS #2
    with pytest.raises(EmptyInputError, match=r"c\.json: file has 0 data rows"):
        read_source("json", write_bytes("c.json", b"[]"))


def test_json_duplicate_key_is_refused(write_bytes: Write) -> None:
    with pytest.raises(SchemaError, match="key 'id' appears twice"):
        read_source("json", write_bytes("c.json", b'[{"id": 1, "id": 2}]'))
