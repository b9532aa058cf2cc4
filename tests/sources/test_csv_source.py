"""Delimited text: encodings, delimiters, number formats, ragged rows, garbage (BAD_INPUTS A)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from user_segmentation.errors import EmptyInputError, SchemaError, SegmentationError, SourceError
from user_segmentation.sources import read_source
from user_segmentation.sources.csv import sniff_delimiter

Write = Callable[[str, bytes], Path]


def test_header_only_is_empty_input(write_bytes: Write) -> None:  # BAD_INPUTS #2
    path = write_bytes("customers.csv", b"customer_id,amount\n")
    with pytest.raises(EmptyInputError, match=r"customers\.csv: file has 0 data rows"):
        read_source("csv", path)


def test_only_blank_lines_is_empty_input(write_bytes: Write) -> None:
    path = write_bytes("blank.csv", b"\n\n\n")
    with pytest.raises(EmptyInputError, match=r"blank\.csv"):
        read_source("csv", path)


def test_utf8_bom_is_stripped(write_bytes: Write) -> None:  # BAD_INPUTS #5
    path = write_bytes("bom.csv", b"\xef\xbb\xbfcustomer_id,amount\n1,2\n")
    df = read_source("csv", path, required_columns=["customer_id"])
    assert df.columns.tolist() == ["customer_id", "amount"]


def test_latin1_with_encoding_reads_espana(write_bytes: Write) -> None:  # BAD_INPUTS #4
    path = write_bytes("latin.csv", "id,country\n1,España\n".encode("latin-1"))
    df = read_source("csv", path, encoding="latin-1")
    assert df["country"].tolist() == ["España"]


def test_latin1_without_encoding_names_file_offset_and_line(write_bytes: Write) -> None:
    path = write_bytes("latin.csv", "id,country\n1,Francia\n2,España\n".encode("latin-1"))
    with pytest.raises(SourceError) as info:
        read_source("csv", path)
    message = str(info.value)
    # "id,country\n" is 11 bytes, "1,Francia\n" 10, "2,Espa" 6: the ñ is byte 27, on line 3.
    assert message.startswith("latin.csv: byte 0xf1 at byte offset 27 (line 3")
    assert "encoding=" in message
    assert not isinstance(info.value.__cause__, SegmentationError)


def test_decode_error_beyond_the_sniffed_head(write_bytes: Write) -> None:
    body = b"id,x\n" + b"1,2\n" * 20_000 + b"3,\xff\n"
    path = write_bytes("late.csv", body)
    with pytest.raises(SourceError, match=r"byte offset 80007 \(line 20002"):
        read_source("csv", path)


def test_utf16_with_encoding(write_bytes: Write) -> None:
    path = write_bytes("u16.csv", "id,country\n1,España\n".encode("utf-16"))
    assert read_source("csv", path, encoding="utf-16")["country"].tolist() == ["España"]


def test_unknown_encoding_is_refused(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"id\n1\n")
    with pytest.raises(SourceError, match="unknown encoding 'klingon'"):
        read_source("csv", path, encoding="klingon")


@pytest.mark.parametrize(
    ("sep", "expected"), [(",", ","), (";", ";"), ("\t", "\t"), ("|", "|")], ids=repr
)
def test_delimiter_is_sniffed(write_bytes: Write, sep: str, expected: str) -> None:  # #6
    data = sep.join(["customer_id", "amount", "country"]) + "\n"
    data += sep.join(["1", "12.5", "ES"]) + "\n" + sep.join(["2", "7", "FR"]) + "\n"
    df = read_source("csv", write_bytes("s.csv", data.encode()))
    assert df.columns.tolist() == ["customer_id", "amount", "country"]
    assert df["amount"].tolist() == [12.5, 7.0]
    assert sniff_delimiter(data) == expected


def test_sniff_is_not_fooled_by_decimal_comma() -> None:
    assert sniff_delimiter("id;amount\n1;1.234,50\n2;7,00\n") == ";"


def test_decimal_comma_and_thousands_dot(write_bytes: Write) -> None:  # BAD_INPUTS #7
    path = write_bytes("eu.csv", b"id;amount\n1;1.234,50\n2;12,00\n")
    df = read_source("csv", path, decimal=",", thousands=".")
    assert df["amount"].tolist() == [1234.5, 12.0]


def test_thousands_comma_in_quoted_field(write_bytes: Write) -> None:  # BAD_INPUTS #8
    path = write_bytes("us.csv", b'id,amount\n1,"1,234"\n2,"56"\n')
    assert read_source("csv", path, thousands=",")["amount"].tolist() == [1234, 56]


def test_explicit_separator_is_used(write_bytes: Write) -> None:
    path = write_bytes("a.csv", b"a;b,c\n1;2,3\n")
    assert read_source("csv", path, sep=";").columns.tolist() == ["a", "b,c"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"sep": ";;"}, "sep must be one character"),
        ({"decimal": ",", "thousands": ","}, "decimal and thousands"),
        ({"sep": ",", "decimal": ","}, "also the decimal"),
    ],
)
def test_contradictory_number_options(write_bytes: Write, options: dict, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        read_source("csv", write_bytes("a.csv", b"a,b\n1,2\n"), **options)


def test_quoted_newline_and_delimiter_stay_one_record(write_bytes: Write) -> None:  # #9
    path = write_bytes("q.csv", b'id,note\n1,"first line\nsecond, line"\n2,plain\n')
    df = read_source("csv", path)
    assert df["note"].tolist() == ["first line\nsecond, line", "plain"]


def test_ragged_row_names_physical_line(write_bytes: Write) -> None:  # BAD_INPUTS #10
    # The quoted newline makes record 3 start on physical line 4 (pandas would say "line 3").
    path = write_bytes("r.csv", b'id,note\n1,"a\nb"\n2,x,extra\n3,y\n')
    with pytest.raises(SourceError, match=r"r\.csv: line 4 has 3 fields but the header has 2"):
        read_source("csv", path)


def test_every_row_with_an_extra_field_is_refused(write_bytes: Write) -> None:
    # pandas would take the first column as the index (or drop the last) without an error.
    path = write_bytes("r.csv", b"id,amount\n1,2,3\n4,5,6\n")
    with pytest.raises(SourceError, match=r"line 2 has 3 fields"):
        read_source("csv", path)


def test_unclosed_quote_names_its_line(write_bytes: Write) -> None:
    path = write_bytes("q.csv", b'id,note\n1,ok\n2,"never closed\n3,x\n')
    with pytest.raises(SourceError, match=r"q\.csv: line 3: a quoted field is never closed"):
        read_source("csv", path)


def test_nul_byte_is_refused_with_offset(write_bytes: Write) -> None:  # BAD_INPUTS #11
    path = write_bytes("nul.csv", b"id,x\n1,a\x00b\n")
    with pytest.raises(SourceError, match=r"nul\.csv: NUL byte at byte offset 8, line 2"):
        read_source("csv", path)


def test_nul_byte_beyond_the_sniffed_head_is_refused(write_bytes: Write) -> None:
    path = write_bytes("nul.csv", b"id,x\n" + b"1,a\n" * 20_000 + b"2,\x00\n")
    with pytest.raises(SourceError, match=r"column 'x', data row 20001"):
        read_source("csv", path)


def test_binary_garbage_is_a_source_error(write_bytes: Write) -> None:
    path = write_bytes("img.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(SourceError, match=r"img\.csv"):
        read_source("csv", path)


def test_duplicate_header_is_refused(write_bytes: Write) -> None:
    path = write_bytes("d.csv", b"id,amount, amount\n1,2,3\n")
    with pytest.raises(SchemaError, match=r"duplicate column names: 'amount' at columns 2, 3"):
        read_source("csv", path)


def test_ids_keep_leading_zeros_long_digits_and_missing(write_bytes: Write) -> None:  # #19 #20
    path = write_bytes("ids.csv", b"customer_id,amount\n007,1\n,2\n12345678901234567,3\n")
    df = read_source("csv", path, id_columns=["customer_id"])
    assert df["customer_id"].dtype == pd.StringDtype()
    assert df["customer_id"].iloc[0] == "007"
    assert df["customer_id"].iloc[2] == "12345678901234567"
    assert df["customer_id"].iloc[1] is pd.NA
    assert df["amount"].tolist() == [1, 2, 3]


def test_id_with_thousands_separator_is_left_as_written(write_bytes: Write) -> None:
    path = write_bytes("ids.csv", b"id;amount\n1.234;1.234,5\n")
    df = read_source("csv", path, id_columns=["id"], decimal=",", thousands=".")
    assert df["id"].tolist() == ["1.234"]


def test_column_typed_differently_in_parts_is_read_as_one_type(write_bytes: Write) -> None:
    # pandas parses in chunks: numbers in the first, "A1" in the last would give a column of
    # mixed Python ints and strings (and a DtypeWarning). It must be one type throughout.
    rows = b"".join(b"%d,%d\n" % (i, i % 10) for i in range(300_000))
    path = write_bytes("mixed.csv", b"id,code\n" + rows + b"300000,A1\n")
    df = read_source("csv", path)
    assert pd.api.types.is_string_dtype(df["code"].dtype)
    assert {type(v) for v in df["code"].iloc[[0, -1]]} == {str}
    assert df["code"].iloc[-1] == "A1"


def test_gzip_is_read_transparently(write_bytes: Write) -> None:
    path = write_bytes("c.csv.gz", gzip.compress(b"id;amount\n007;1,5\n"))
    df = read_source("csv", path, id_columns=["id"], decimal=",")
    assert df.to_dict("list") == {"id": ["007"], "amount": [1.5]}


def test_truncated_gzip_is_a_source_error(write_bytes: Write) -> None:
    body = b"id,x\n" + b"".join(b"%d,%d\n" % (i, i * 7) for i in range(50_000))
    packed = gzip.compress(body)
    path = write_bytes("c.csv.gz", packed[: len(packed) // 2])
    with pytest.raises(SourceError, match=r"c\.csv\.gz: cannot read the file"):
        read_source("csv", path)


def test_gzip_of_nothing_is_empty_input(write_bytes: Write) -> None:
    path = write_bytes("c.csv.gz", gzip.compress(b""))
    with pytest.raises(EmptyInputError, match=r"c\.csv\.gz: file is empty"):
        read_source("csv", path)


_fuzz_counter = iter(range(10**9))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.sampled_from([b"a", b"1", b",", b";", b'"', b"\n", b"\r", b"\x00", b"\xff", b" "]),
            max_size=80,
        ).map(b"".join),
    ),
    id_columns=st.sampled_from([(), ("a",)]),
)
def test_fuzz_only_our_errors_escape(write_bytes: Write, data: bytes, id_columns: tuple) -> None:
    # BAD_INPUTS #11: whatever the bytes, the reader returns a frame or raises our own error.
    path = write_bytes(f"fuzz{next(_fuzz_counter)}.csv", data)
    try:
        df = read_source("csv", path, id_columns=id_columns)
    except SegmentationError:
        return
    assert isinstance(df.index, pd.RangeIndex)
    assert len(df) > 0
