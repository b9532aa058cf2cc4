"""CSV sources with a number format (decimal / thousands): one parser, column by column.

BAD_INPUTS #7, #8 and #40: decimal comma, thousands separators, currency symbols beside numbers.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import SourceError
from user_segmentation.sources import read_source
from user_segmentation.sources.numbers import (
    COMMA_GROUPS,
    DECIMAL_COMMA,
    DOT_GROUPS,
    PLAIN,
    Spelling,
    convert_numbers,
    parse_numbers,
)

Write = Callable[[str, bytes], Path]


def _parsed(values: list[str], spelling: Spelling, symbols: tuple[str, ...] = ()) -> list[float]:
    return parse_numbers(pd.Series(values, dtype="str"), spelling, symbols).tolist()


# --- the parser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "symbols", "written", "number"),
    [
        (DOT_GROUPS, ["€"], "3,39 €", 3.39),
        (DOT_GROUPS, ["€"], "€ 1.234,50", 1234.5),
        (DOT_GROUPS, ["€"], "-€1.234,50", -1234.5),
        (DOT_GROUPS, ["€"], "€ -3,5", -3.5),
        (DOT_GROUPS, ["€"], "3,39\u00a0€", 3.39),  # the no-break space of exports
        (DOT_GROUPS, [], "1.234.567", 1234567.0),
        (DOT_GROUPS, [], "  12,5 ", 12.5),
        (DECIMAL_COMMA, [], "1234,5", 1234.5),
        (COMMA_GROUPS, ["£"], "£1,234.50", 1234.5),
        (COMMA_GROUPS, ["US$", "$"], "US$ 1,000", 1000.0),
        (Spelling(",", " "), [], "1 234,5", 1234.5),
        (Spelling(".", "'"), [], "1'234.5", 1234.5),
        (PLAIN, [], "1.5e3", 1500.0),
    ],
)
def test_numbers_in_their_spelling_are_read(
    spelling: Spelling, symbols: list[str], written: str, number: float
) -> None:
    assert _parsed([written], spelling, tuple(symbols)) == [number]


@pytest.mark.parametrize(
    ("spelling", "written"),
    [
        (DOT_GROUPS, "01.02.2024"),  # a date, not 1022024
        (DOT_GROUPS, "1.2.3"),  # a version
        (DOT_GROUPS, "12.5"),  # '.' groups thousands here, three digits each
        (DOT_GROUPS, "12 5"),  # a blank inside the digits
        (DOT_GROUPS, "€3,5€"),  # a symbol on both sides
        (DOT_GROUPS, "--3"),
        (DECIMAL_COMMA, "1.234,5"),  # no thousands separator set
        (COMMA_GROUPS, "12,5"),  # ',' groups thousands
        (COMMA_GROUPS, "£3.39"),  # no symbol given
        (PLAIN, "n/a"),
    ],
)
def test_other_text_is_not_a_number(spelling: Spelling, written: str) -> None:
    assert pd.isna(_parsed([written], spelling, ("€",))[0])


def test_a_column_of_numbers_and_blanks_becomes_floats() -> None:
    df = pd.DataFrame({"amount": ["12,5", " ", None, "1.234,56"]}, dtype="str")
    out = convert_numbers(df, DOT_GROUPS, label="a.csv")
    assert out["amount"].dtype == "float64"
    assert out["amount"].tolist()[::3] == [12.5, 1234.56]
    assert out["amount"].isna().tolist() == [False, True, True, False]
    assert df["amount"].tolist()[0] == "12,5"  # the input is not modified


def test_integers_are_typed_as_pandas_types_them() -> None:
    df = pd.DataFrame({"qty": ["1", "1.000"], "n": ["1", " "]}, dtype="str")
    out = convert_numbers(df, DOT_GROUPS, label="a.csv")
    assert out["qty"].dtype == "int64" and out["qty"].tolist() == [1, 1000]
    assert out["n"].dtype == "float64"  # a blank: missing, as pandas reads it


def test_text_with_a_few_number_like_values_is_left_as_written() -> None:
    df = pd.DataFrame({"size": ["S", "M", "1,5"], "id": ["1,5", "2,5", "3"]}, dtype="str")
    out = convert_numbers(df, DECIMAL_COMMA, label="a.csv", skip=["id"])
    assert out["size"].tolist() == ["S", "M", "1,5"]
    assert out["id"].tolist() == ["1,5", "2,5", "3"]


# --- the reader ---------------------------------------------------------------------------


def test_currency_symbol_beside_a_decimal_comma_is_a_number(write_bytes: Write) -> None:  # 1
    path = write_bytes("eu.csv", "id;spend\n1;3,39 €\n2;€ 1.234,50\n3;-0,99€\n".encode())
    df = read_source("csv", path, decimal=",", thousands=".", currency_symbols=["€"])
    assert df["spend"].tolist() == [3.39, 1234.5, -0.99]


def test_pound_sign_with_thousands_commas_is_a_number(write_bytes: Write) -> None:  # 1
    path = write_bytes("uk.csv", '"id","spend"\n1,"£1,234.50"\n2,"£0.99"\n'.encode())
    df = read_source("csv", path, thousands=",", currency_symbols=["£"])
    assert df["spend"].tolist() == [1234.5, 0.99]


def test_a_blank_leaves_the_column_numbers(write_bytes: Write) -> None:  # bug 2
    path = write_bytes("eu.csv", b"id;amount\n1;12,5\n2; \n3;7,25\n")
    df = read_source("csv", path, decimal=",")
    assert df["amount"].dtype == "float64"
    assert df["amount"].fillna(-1).tolist() == [12.5, -1, 7.25]


def test_one_bad_value_leaves_text_whose_numbers_later_steps_read(write_bytes: Write) -> None:
    path = write_bytes("eu.csv", b"id;amount\n1;12,5\n2;12,5a\n3;1.234,5\n4;7\n")
    df = read_source("csv", path, decimal=",", thousands=".")
    # Still text (the column holds a value that is no number), but only that value is one
    # that later steps cannot read.
    assert df["amount"].tolist() == ["12.5", "12,5a", "1234.5", "7"]
    unread = pd.to_numeric(df["amount"], errors="coerce").isna()
    assert unread.tolist() == [False, True, False, False]


def test_thousands_dot_leaves_dates_and_text_as_written(write_bytes: Write) -> None:  # 3
    path = write_bytes(
        "eu.csv",
        b"id;joined;version;note;amount\n"
        b"1;01.02.2024;1.2.3;ok;1.234,5\n2;15.03.2023;2.0.1;12,5 kg;2,5\n",
    )
    df = read_source("csv", path, decimal=",", thousands=".")
    assert df["joined"].tolist() == ["01.02.2024", "15.03.2023"]
    assert df["version"].tolist() == ["1.2.3", "2.0.1"]
    assert df["note"].tolist() == ["ok", "12,5 kg"]
    assert df["id"].tolist() == [1, 2] and df["amount"].tolist() == [1234.5, 2.5]


def test_columns_pandas_reads_as_floats_are_judged_as_written(write_bytes: Write) -> None:
    # Read plainly, '1.000' is the float 1.0: with '.' thousands it is 1000.
    path = write_bytes("eu.csv", b"id;qty;n;flag\n1;1.000;1;True\n2;2;;False\n")
    df = read_source("csv", path, decimal=",", thousands=".")
    assert df["qty"].dtype == "int64" and df["qty"].tolist() == [1000, 2]
    assert df["n"].dtype == "float64" and df["n"].isna().tolist() == [False, True]
    assert df["flag"].tolist() == [True, False]  # typed as in a plain file


def test_numbers_written_two_ways_in_one_column_are_refused(write_bytes: Write) -> None:
    # '12.5' is no number with a decimal comma, yet later steps would read it plainly.
    path = write_bytes("eu.csv", b"id;amount\n1;1.234,56\n2;12.5\n3;7,5\n")
    with pytest.raises(SourceError, match=r"eu\.csv: column 'amount', data row 2: '12\.5'"):
        read_source("csv", path, decimal=",", thousands=".")


def test_a_decimal_point_column_without_comma_numbers_is_left_alone(write_bytes: Write) -> None:
    path = write_bytes("eu.csv", b"id;lat;amount\n1;52.52;1,5\n2;48.1;2\n")
    df = read_source("csv", path, decimal=",")
    assert df["lat"].tolist() == ["52.52", "48.1"] and df["amount"].tolist() == [1.5, 2.0]


def test_ids_stay_as_written(write_bytes: Write) -> None:
    path = write_bytes("eu.csv", "id;spend\n007;1,5 €\n1.234;2 €\n".encode())
    df = read_source("csv", path, id_columns=["id"], decimal=",", currency_symbols=["€"])
    assert df["id"].tolist() == ["007", "1.234"] and df["spend"].tolist() == [1.5, 2.0]


def test_files_of_a_pattern_are_converted_once_stacked(tmp_path: Path) -> None:
    (tmp_path / "o_1.csv").write_bytes(b"id;amount\n1;1,5\n2;2,5\n")
    (tmp_path / "o_2.csv.gz").write_bytes(gzip.compress(b"id;amount\n3;x\n4;4,5\n"))
    df = read_source("csv", tmp_path / "o_*", id_columns=["id"], decimal=",")
    assert df["amount"].tolist() == ["1.5", "2.5", "x", "4.5"]  # one column, one kind
    (tmp_path / "o_2.csv.gz").write_bytes(gzip.compress(b"id;amount\n3;3\n4;4.5\n"))
    with pytest.raises(SourceError, match=r"file 'o_2\.csv\.gz', data row 2: '4\.5'"):
        read_source("csv", tmp_path / "o_*", id_columns=["id"], decimal=",")


def test_plain_files_are_read_as_before(write_bytes: Write) -> None:
    data = b"id,amount,qty,flag,spend\n007,12.5,3,True,\xc2\xa33.39\n008,1.5,4,False,\xc2\xa31\n"
    path = write_bytes("plain.csv", data)
    df = read_source("csv", path, currency_symbols=["£"])
    expected = pd.read_csv(path)
    pd.testing.assert_frame_equal(df, expected)
    assert df["spend"].tolist() == ["£3.39", "£1"]  # symbols are stripped by later steps
