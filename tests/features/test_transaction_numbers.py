"""Amounts are parsed the cheap way only where that gives exactly the careful way's number."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from user_segmentation.errors import SchemaError
from user_segmentation.features.transactions import (
    NUMBER_CHARS,
    TransactionColumns,
    time_range,
    transaction_features,
)
from user_segmentation.tables import TableRef

AS_OF = datetime(2024, 2, 1)

# Digits, signs, separators, exponent and inf/nan letters, ASCII and Unicode blanks, symbols.
_ALPHABET = "0123456789+-.,_eEinfaINFAty \t\n\u00a0\u2003£$€kr"
_texts = st.lists(st.text(alphabet=_ALPHABET, max_size=8) | st.none(), min_size=1, max_size=40)


def _same(con: duckdb.DuckDBPyConnection, fast: str, careful: str) -> bool:
    """Whether two SQL expressions over ``v.x`` agree on every row (NULL and NaN included)."""
    row = con.execute(
        f"SELECT bool_and(({fast}) IS NOT DISTINCT FROM ({careful})) FROM v"
    ).fetchone()
    return bool(row and row[0])


@settings(max_examples=100, deadline=None)
@given(_texts)
def test_a_text_duckdb_casts_to_a_number_holds_only_number_characters(texts: list) -> None:
    con = duckdb.connect()
    con.register("v", pd.DataFrame({"x": pd.Series(texts, dtype="object")}))
    parsed = con.execute("SELECT x FROM v WHERE TRY_CAST(x AS DOUBLE) IS NOT NULL").fetchall()
    assert all(set(x) <= NUMBER_CHARS for (x,) in parsed)


@settings(max_examples=100, deadline=None)
@given(_texts, st.sampled_from([(), ("£",), ("$", "kr"), ("€", "NT"), ("e",)]))
def test_text_amounts_parse_to_the_careful_value(texts: list, symbols: tuple[str, ...]) -> None:
    columns = TransactionColumns("o", "t", amount="x", currency_symbols=symbols)
    con = duckdb.connect()
    con.register("v", pd.DataFrame({"x": pd.Series(texts, dtype="object")}))
    careful = f"TRY_CAST({columns.number_sql('x')} AS DOUBLE)"
    assert _same(con, columns.value_sql("x", "VARCHAR"), careful)


@pytest.mark.parametrize(
    ("sql_type", "values"),
    [
        ("BIGINT", ["0", "-1", str(2**53 + 1), str(-(2**63)), str(2**63 - 1)]),
        ("UBIGINT", ["0", str(2**64 - 1), str(2**53 + 1)]),
        ("INTEGER", ["7", "-7"]),
        ("DOUBLE", ["0.1", "-0.0", "5e-324", "1.7976931348623157e308", repr(1 / 3), "inf", "nan"]),
        ("FLOAT", ["0.1", repr(1 / 3)]),  # not exact as DOUBLE: keeps the text path
        ("DECIMAL(18,3)", ["1.125", "-0.001"]),  # likewise
    ],
)
def test_typed_amounts_parse_to_the_careful_value(sql_type: str, values: list[str]) -> None:
    columns = TransactionColumns("o", "t", amount="x", currency_symbols=("£",))
    con = duckdb.connect()
    rows = ", ".join(f"('{v}')" for v in values) + ", (NULL)"
    con.execute(f"CREATE TABLE v AS SELECT CAST(x AS {sql_type}) AS x FROM (VALUES {rows}) t(x)")
    careful = f"TRY_CAST({columns.number_sql('x')} AS DOUBLE)"
    assert _same(con, columns.value_sql("x", sql_type), careful)
    assert columns.always_number(sql_type) == (sql_type not in ("FLOAT", "DECIMAL(18,3)"))


def test_a_symbol_made_of_number_characters_keeps_the_careful_path() -> None:
    columns = TransactionColumns("o", "t", amount="x", currency_symbols=("e",))
    careful = f"TRY_CAST({columns.number_sql('x')} AS DOUBLE)"
    assert columns.value_sql("x", "VARCHAR") == careful  # "1e3" must become 13, not 1000
    assert columns.value_sql("x", "DOUBLE") == careful
    assert not columns.always_number("BIGINT")


def _log(amount: list[object], ts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "b", "c"], "order": ["1", "2", "3"], "ts": ts,
                         "amount": amount})  # fmt: skip


def test_typed_and_text_amounts_give_the_same_features() -> None:
    ts = ["2024-01-01", "2024-01-02", "2024-01-03"]
    cols = TransactionColumns("order", "ts", "amount")
    typed, typed_counts = transaction_features(_log([1.5, 2.0, -3.0], ts), cols, AS_OF)
    text, text_counts = transaction_features(_log([" 1.5", "2", "-3"], ts), cols, AS_OF)
    pd.testing.assert_frame_equal(typed, text)
    assert typed_counts == text_counts


def test_typed_amounts_in_a_materialised_table() -> None:
    frame = _log([1.5, 2.0, 4.0], ["2024-01-01"] * 3)
    table = TableRef.from_frame(frame).materialize()
    features, counts = transaction_features(
        table, TransactionColumns("order", "ts", "amount"), AS_OF
    )
    assert features["monetary"].tolist() == [1.5, 2.0, 4.0]
    assert counts["lines"] == 3


def test_a_bad_number_is_reported_before_a_bad_timestamp() -> None:
    both = _log(["1", "x1", "2"], ["2024-01-01", "2024-13-45", "2024-01-03"])
    cols = TransactionColumns("order", "ts", "amount")
    with pytest.raises(SchemaError, match=r"column 'amount', data row 2: 'x1' is not a number"):
        transaction_features(both, cols, AS_OF)
    with pytest.raises(SchemaError, match=r"column 'amount', data row 2: 'x1' is not a number"):
        time_range(both, cols)


def test_a_bad_timestamp_is_named() -> None:
    bad_ts = _log(["1", "1", "2"], ["2024-01-01", "2024-13-45", "2024-01-03"])
    cols = TransactionColumns("order", "ts", "amount")
    named = r"column 'ts', customer 'b', order '2': '2024-13-45' is not an ISO 8601 timestamp"
    with pytest.raises(SchemaError, match=named):
        transaction_features(bad_ts, cols, AS_OF)
    with pytest.raises(SchemaError, match=named):
        time_range(bad_ts, cols)


def test_time_range_reads_text_and_blank_amounts() -> None:
    log = _log([" 1 ", "", None], ["2024-01-02 10:00", "2024-01-01", None])
    first, last = time_range(log, TransactionColumns("order", "ts", "amount"))
    assert (first, last) == (datetime(2024, 1, 1), datetime(2024, 1, 2, 10))


@pytest.mark.parametrize("huge", [1e308, "1e308", "-inf", float("inf")])
def test_a_huge_amount_names_its_column_customer_and_order(huge: object) -> None:  # #28
    log = _log([1.5, huge, 2.0], ["2024-01-01", "2024-01-02", "2024-01-03"])
    with pytest.raises(
        SchemaError, match=r"column 'amount', customer 'b', order '2': .* beyond ±1e\+15"
    ):
        transaction_features(log, TransactionColumns("order", "ts", "amount"), AS_OF)
