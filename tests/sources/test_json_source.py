"""JSON Lines and JSON arrays: line numbers in errors, flat records, exact ids."""

from __future__ import annotations

import re
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


# --- nested records and flatten= (BAD_INPUTS #15) ------------------------------------------

NESTED = (
    b'{"id": "007", "address": {"city": "Oslo", "zip": "0150"}, '
    b'"subscription": {"plan": {"name": "pro", "price": 9}}}\n'
    b'{"id": "008", "address": null, "subscription": {"plan": {}}}\n'
    b'{"id": "009"}\n'
)
FLATTEN = {"city": "address.city", "plan": "subscription.plan.name"}


def test_flatten_extracts_listed_paths(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", NESTED)
    df = read_source("jsonl", path, id_columns=["id"], flatten=FLATTEN)
    assert df.columns.tolist() == ["id", "city", "plan"]
    assert df["id"].tolist() == ["007", "008", "009"]
    assert df["city"].tolist()[0] == "Oslo"
    assert df["plan"].tolist()[0] == "pro"
    assert df[["city", "plan"]].isna().to_numpy().tolist() == [
        [False, False],
        [True, True],
        [True, True],
    ]


def test_flatten_works_for_json_arrays_and_id_columns(write_bytes: Write) -> None:
    data = b'[{"customer": {"id": 12345678901234567}, "n": 1}, {"customer": {"id": "007"}}]'
    df = read_source(
        "json",
        write_bytes("c.json", data),
        flatten={"customer_id": "customer.id"},
        id_columns=["customer_id"],
    )
    assert df["customer_id"].tolist() == ["12345678901234567", "007"]


def test_unlisted_nested_object_names_field_line_and_suggests_flatten(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", NESTED)
    with pytest.raises(SourceError) as info:
        read_source("jsonl", path, flatten={"city": "address.city"})
    assert str(info.value) == (
        "c.jsonl: line 1: field 'subscription' holds an object, but records must be flat (one "
        "value per field); extract the values you need with flatten=, e.g. "
        "{'subscription_plan_name': 'subscription.plan.name'}"
    )


def test_unlisted_array_is_refused(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", b'{"id": 1}\n{"id": 2, "tags": ["a", "b"]}\n')
    with pytest.raises(SourceError, match=r"line 2: field 'tags' holds an array.*flatten="):
        read_source("jsonl", path)


def test_list_at_a_listed_path_is_refused(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", b'{"id": 1, "a": {"tags": "x"}}\n{"id": 2, "a": {"tags": [1]}}\n')
    with pytest.raises(SourceError) as info:
        read_source("jsonl", path, flatten={"tag": "a.tags"})
    assert str(info.value) == (
        "c.jsonl: line 2: flatten path 'a.tags' holds an array; flatten takes one value per "
        "record and does not expand arrays into rows"
    )


def test_object_at_a_listed_path_is_refused(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", NESTED)
    with pytest.raises(SourceError, match=r"line 1: flatten path 'address' holds an object; .*"):
        read_source("jsonl", path, flatten={"address": "address", "plan": "subscription.plan.name"})


def test_path_through_a_scalar_is_refused(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", b'{"address": {"city": "Oslo"}}\n{"address": "Oslo"}\n')
    with pytest.raises(
        SourceError, match=r"line 2: flatten path 'address.city': 'address' holds a string"
    ):
        read_source("jsonl", path, flatten={"city": "address.city"})


def test_json_array_errors_name_the_line_of_the_record(write_bytes: Write) -> None:
    data = b'[\n  {"id": 1},\n  {"id": 2,\n   "address": {"city": "Oslo"}}\n]\n'
    with pytest.raises(
        SourceError, match=r"c\.json: line 3, record 2: field 'address' holds an object"
    ):
        read_source("json", write_bytes("c.json", data))


def test_flatten_column_clashing_with_a_field(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", b'{"city": "Bergen", "address": {"city": "Oslo"}}\n')
    with pytest.raises(SchemaError, match="line 1: flatten column 'city' is also a field"):
        read_source("jsonl", path, flatten={"city": "address.city"})


def test_flatten_path_may_rename_a_top_level_field(write_bytes: Write) -> None:
    path = write_bytes("c.jsonl", b'{"CustomerID": 7, "n": 1}\n')
    df = read_source("jsonl", path, flatten={"customer_id": "CustomerID"})
    assert df.columns.tolist() == ["n", "customer_id"]


@pytest.mark.parametrize(
    ("flatten", "message"),
    [
        ({"city": "address..city"}, "flatten path 'address..city' for column 'city'"),
        ({"city": ""}, "flatten path '' for column 'city'"),
        ({"": "a.b"}, "flatten output column '' must be a non-empty name"),
        ({}, "flatten is empty"),
        ("address.city", "flatten must map output columns to dotted paths"),
    ],
)
def test_malformed_flatten_is_refused(write_bytes: Write, flatten: object, message: str) -> None:
    path = write_bytes("c.jsonl", NESTED)
    with pytest.raises(SourceError, match=re.escape(message)):
        read_source("jsonl", path, flatten=flatten)  # type: ignore[arg-type]


def test_flatten_is_refused_for_other_kinds(write_bytes: Write) -> None:
    path = write_bytes("c.csv", b"id\n1\n")
    with pytest.raises(SourceError, match="flatten applies to kinds 'json' and 'jsonl' only"):
        read_source("csv", path, flatten={"a": "b.c"})
