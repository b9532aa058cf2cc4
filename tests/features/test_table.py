"""The customer feature table: every customer a row, gaps filled with the documented values."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.features.table import (
    EventAggregate,
    FeatureSpec,
    build_feature_table,
    feature_names,
)
from user_segmentation.features.transactions import TransactionColumns
from user_segmentation.integrate.combine import Integrated

AS_OF = datetime(2024, 3, 31)


def _data() -> Integrated:
    customers = pd.DataFrame(
        {
            "customer_id": pd.Series(["c", "a", "b"], dtype="string"),
            "age": ["30", "40", "50"],
            "country": ["DE", "FR", "DE"],
        }
    )
    # The log starts on 2024-01-01: 90 days of history before AS_OF (2024 is a leap year).
    orders = pd.DataFrame(
        {
            "customer_id": pd.Series(["a", "a", "b"], dtype="string"),
            "order": ["1", "2", "3"],
            "ts": pd.to_datetime(["2024-01-01", "2024-03-21", "2024-03-01"]),
            "amount": [10.0, 30.0, 5.0],
        }
    )
    web = pd.DataFrame(
        {
            "customer_id": pd.Series(["b", "b"], dtype="string"),
            "sessions": [3, 4],
            "rating": [4.0, 2.0],
        }
    )
    return Integrated(customers=customers, transactions={"orders": orders}, events={"web": web})


def _spec(**kw: object) -> FeatureSpec:
    args: dict[str, object] = {
        "as_of": AS_OF,
        "transactions_source": "orders",
        "transaction_columns": TransactionColumns("order", "ts", "amount"),
        "events": (EventAggregate("web", sum=("sessions",), mean=("rating",), count_as="months"),),
        "numeric": ("age",),
        "categorical": ("country",),
    }
    args.update(kw)
    return FeatureSpec(**args)  # type: ignore[arg-type]


@pytest.fixture
def built() -> tuple[pd.DataFrame, dict[str, object]]:
    return build_feature_table(_data(), _spec())


def _row(table: pd.DataFrame, customer: str) -> pd.Series:
    return table.set_index("customer_id").loc[customer]


def test_one_row_per_customer_sorted(built: tuple[pd.DataFrame, dict[str, object]]) -> None:
    table, _ = built
    assert table["customer_id"].tolist() == ["a", "b", "c"]
    assert list(table.columns) == ["customer_id", *feature_names(_spec())]


def test_customer_with_purchases(built: tuple[pd.DataFrame, dict[str, object]]) -> None:
    a = _row(built[0], "a")
    assert a["recency_days"] == 10.0
    assert a["frequency"] == 2
    assert a["monetary"] == 40.0
    assert a["tenure_days"] == 90.0
    assert a["age"] == 40.0


def test_customer_without_purchases(built: tuple[pd.DataFrame, dict[str, object]]) -> None:
    c = _row(built[0], "c")
    assert c["frequency"] == 0
    assert c["monetary"] == 0.0
    assert c["avg_order_value"] == 0.0
    assert c["return_rate"] == 0.0
    assert c["recency_days"] == 90.0  # the whole observed history
    assert np.isnan(c["tenure_days"])
    assert built[0]["frequency"].dtype == "int64"


def test_customers_without_events_get_zero_sums_and_counts(
    built: tuple[pd.DataFrame, dict[str, object]],
) -> None:
    table = built[0]
    assert table["sessions"].tolist() == [0.0, 7.0, 0.0]
    assert table["months"].tolist() == [0, 2, 0]
    # A mean over no rows is unknown, not 0.
    assert table["mean_rating"].isna().tolist() == [True, False, True]
    assert _row(table, "b")["mean_rating"] == 3.0


def test_info_counts(built: tuple[pd.DataFrame, dict[str, object]]) -> None:
    info = built[1]
    assert info["orders"] == {
        "lines": 3,
        "future_lines_excluded": 0,
        "undated_lines_excluded": 0,
        "zero_amount_lines_excluded": 0,
        "customers_without_purchases": 1,
    }
    assert info["web"] == {"customers_without_rows": 2}


def test_attributes_only() -> None:
    table, info = build_feature_table(
        _data(), FeatureSpec(as_of=AS_OF, numeric=("age",), categorical=("country",))
    )
    assert list(table.columns) == ["customer_id", "age", "country"]
    assert info == {}


def test_recency_of_non_buyers_never_exceeds_the_history_of_buyers(
    built: tuple[pd.DataFrame, dict[str, object]],
) -> None:
    table = built[0]
    assert table["recency_days"].max() == 90.0
    assert (table["recency_days"] >= 0).all()


def test_recency_never_negative_when_every_line_is_after_as_of() -> None:
    table, _ = build_feature_table(_data(), _spec(as_of=datetime(2023, 12, 1), events=()))
    assert (table["recency_days"] >= 0).all()


def test_transactions_source_without_columns_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="transaction_columns"):
        build_feature_table(_data(), _spec(transaction_columns=None))


def test_unknown_source_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="'shop'"):
        build_feature_table(_data(), _spec(transactions_source="shop"))
    with pytest.raises(SchemaError, match="'app'"):
        build_feature_table(_data(), _spec(events=(EventAggregate("app", sum=("x",)),)))


def test_feature_name_clash_is_a_schema_error() -> None:
    clash = (EventAggregate("web", sum=("sessions",), count_as="frequency"),)
    with pytest.raises(SchemaError, match="frequency"):
        build_feature_table(_data(), _spec(events=clash))


def test_input_not_mutated() -> None:
    data = _data()
    before = (data.customers.copy(), data.transactions["orders"].copy(), data.events["web"].copy())
    build_feature_table(data, _spec())
    pd.testing.assert_frame_equal(data.customers, before[0])
    pd.testing.assert_frame_equal(data.transactions["orders"], before[1])
    pd.testing.assert_frame_equal(data.events["web"], before[2])


@pytest.mark.parametrize("order", [["a", "b", "b"], ["b", "a", "b"]])  # sorted or not
def test_a_customer_table_repeating_an_id_is_refused(order: list[str]) -> None:
    data = _data()
    data.customers = data.customers.assign(customer_id=pd.Series(order, dtype="string"))
    with pytest.raises(SchemaError, match="customer table: customer ids repeat"):
        build_feature_table(data, _spec())
