"""RFM and purchase behaviour from order lines, checked against values computed on paper."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.features.transactions import (
    TRANSACTION_FEATURES,
    TransactionColumns,
    transaction_features,
)

AS_OF = datetime(2024, 3, 31)
COLUMNS = TransactionColumns(order="order", timestamp="ts", amount="amount")


def _log() -> pd.DataFrame:
    """Three customers; every expected value below is worked out in the comments."""
    rows = [
        # a: order A1 (two lines, 30 + 20) on 03-01, A2 (50) on 03-21, and 20 of A1 returned
        # under the same order id on 03-05.
        ("a", "A1", "2024-03-01", 30.0),
        ("a", "A1", "2024-03-01", 20.0),
        ("a", "A2", "2024-03-21", 50.0),
        ("a", "A1", "2024-03-05", -20.0),
        # b: one order of 40 on 01-31, then a return of 60 under its own credit-note id.
        ("b", "B1", "2024-01-31", 40.0),
        ("b", "RB1", "2024-02-10", -60.0),
        # c: C0 (15) on 03-01 06:00, C1 (10) on 03-30 12:00, a zero line, a future order.
        ("c", "C1", "2024-03-30 12:00", 10.0),
        ("c", "C2", "2024-04-02", 99.0),
        ("c", "C0", "2024-03-01 06:00", 15.0),
        ("c", "C3", "2024-03-15", 0.0),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order", "ts", "amount"])
    frame["ts"] = pd.to_datetime(frame["ts"], format="ISO8601")
    return frame


@pytest.fixture
def result() -> tuple[pd.DataFrame, dict[str, int]]:
    return transaction_features(_log(), COLUMNS, AS_OF)


def _row(features: pd.DataFrame, customer: str) -> pd.Series:
    return features.set_index("customer_id").loc[customer]


def test_columns_and_one_row_per_customer(result: tuple[pd.DataFrame, dict[str, int]]) -> None:
    features, _ = result
    assert list(features.columns) == ["customer_id", *TRANSACTION_FEATURES]
    assert features["customer_id"].tolist() == ["a", "b", "c"]
    assert features["frequency"].dtype == "int64"


def test_customer_a(result: tuple[pd.DataFrame, dict[str, int]]) -> None:
    a = _row(result[0], "a")
    assert a["recency_days"] == 10.0  # 03-21 -> 03-31
    assert a["frequency"] == 2  # A1 and A2; the return line is not an order
    assert a["monetary"] == 80.0  # 100 bought - 20 returned
    assert a["avg_order_value"] == 50.0  # 100 gross / 2 orders
    assert a["return_rate"] == pytest.approx(0.2)  # 20 / 100
    assert a["tenure_days"] == 30.0  # 03-01 -> 03-31


def test_customer_b_net_spend_floored_at_zero(result: tuple[pd.DataFrame, dict[str, int]]) -> None:
    b = _row(result[0], "b")
    assert b["recency_days"] == 60.0  # 01-31 -> 03-31 (2024 is a leap year: 29 + 31)
    assert b["frequency"] == 1  # the credit note RB1 is not an order
    assert b["monetary"] == 0.0  # 40 - 60 < 0
    assert b["avg_order_value"] == 40.0
    assert b["return_rate"] == pytest.approx(1.5)
    assert b["tenure_days"] == 60.0


def test_customer_c_future_and_zero_lines_excluded(
    result: tuple[pd.DataFrame, dict[str, int]],
) -> None:
    c = _row(result[0], "c")
    assert c["recency_days"] == 0.5  # 03-30 12:00 -> 03-31 00:00; the 04-02 order is ignored
    assert c["frequency"] == 2  # C0 and C1; C2 is in the future, C3 is worth nothing
    assert c["monetary"] == 25.0
    assert c["avg_order_value"] == 12.5
    assert c["return_rate"] == 0.0
    assert c["tenure_days"] == 29.75  # 03-01 06:00 -> 03-31 00:00


def test_counts(result: tuple[pd.DataFrame, dict[str, int]]) -> None:
    assert result[1] == {
        "lines": 10,
        "future_lines_excluded": 1,
        "undated_lines_excluded": 0,
        "zero_amount_lines_excluded": 1,
    }


def test_undated_lines_are_excluded_and_counted() -> None:
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "order": ["1", "2"],
            "ts": pd.to_datetime(["2024-01-01", None]),
            "amount": [10.0, 5.0],
        }
    )
    feats, counts = transaction_features(
        log, TransactionColumns("order", "ts", "amount"), datetime(2024, 1, 11)
    )
    assert counts["undated_lines_excluded"] == 1
    assert feats["frequency"].tolist() == [1] and feats["monetary"].tolist() == [10.0]


def test_recency_never_negative(result: tuple[pd.DataFrame, dict[str, int]]) -> None:
    features = result[0]
    assert (features["recency_days"] >= 0).all()
    assert (features["tenure_days"] >= features["recency_days"]).all()


def test_future_return_is_excluded_too() -> None:
    log = pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "order": ["1", "1"],
            "ts": pd.to_datetime(["2024-03-01", "2024-04-05"]),
            "amount": [10.0, -10.0],
        }
    )
    features, counts = transaction_features(log, COLUMNS, AS_OF)
    assert features["monetary"].tolist() == [10.0]
    assert counts["future_lines_excluded"] == 1


def test_customer_with_only_returns_has_no_row() -> None:
    log = pd.DataFrame(
        {
            "customer_id": ["a", "d"],
            "order": ["1", "R9"],
            "ts": pd.to_datetime(["2024-03-01", "2024-03-02"]),
            "amount": [10.0, -5.0],
        }
    )
    features, _ = transaction_features(log, COLUMNS, AS_OF)
    assert features["customer_id"].tolist() == ["a"]


def test_quantity_times_unit_price() -> None:
    log = pd.DataFrame(
        {
            "cust": ["x", "x", "x"],
            "inv": ["1", "1", "C1"],
            "when": pd.to_datetime(["2024-03-11", "2024-03-11", "2024-03-12"]),
            "qty": [2, 1, -1],
            "price": [5.0, 4.0, 5.0],
        }
    )
    cols = TransactionColumns(
        order="inv", timestamp="when", quantity="qty", unit_price="price", customer="cust"
    )
    features, counts = transaction_features(log, cols, AS_OF)
    x = features.iloc[0]
    assert x["customer_id"] == "x"
    assert x["frequency"] == 1
    assert x["monetary"] == 9.0  # 2*5 + 1*4 - 1*5
    assert x["avg_order_value"] == 14.0
    assert x["return_rate"] == pytest.approx(5 / 14)
    assert x["recency_days"] == 20.0
    assert counts["lines"] == 3


def test_amount_or_quantity_and_price_required() -> None:
    with pytest.raises(SchemaError, match="amount"):
        transaction_features(_log(), TransactionColumns(order="order", timestamp="ts"), AS_OF)


@pytest.mark.parametrize("drop", ["customer_id", "order", "ts", "amount"])
def test_missing_column_is_a_schema_error(drop: str) -> None:
    log = _log().drop(columns=drop)
    with pytest.raises(SchemaError, match=f"'{drop}'"):
        transaction_features(log, COLUMNS, AS_OF)


def test_input_not_mutated_and_row_order_irrelevant() -> None:
    log = _log()
    before = log.copy()
    first, _ = transaction_features(log, COLUMNS, AS_OF)
    pd.testing.assert_frame_equal(log, before)
    second, _ = transaction_features(log.iloc[::-1].reset_index(drop=True), COLUMNS, AS_OF)
    pd.testing.assert_frame_equal(first, second)


def test_text_timestamps_are_cast() -> None:
    log = _log()
    log["ts"] = log["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")
    features, counts = transaction_features(log, COLUMNS, AS_OF)
    assert _row(features, "a")["recency_days"] == 10.0
    assert counts["future_lines_excluded"] == 1
