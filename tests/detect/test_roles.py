"""Column-role guesses on small hand-made tables."""

from __future__ import annotations

import pandas as pd

from user_segmentation.detect.roles import guess_table, normalise


def test_names_are_normalised() -> None:
    assert normalise("Customer ID") == "customerid"
    assert normalise("invoice_no") == "invoiceno"


def test_online_retail_ii_style_log_is_a_transaction_log() -> None:
    log = pd.DataFrame(
        {
            "Invoice": ["489434", "489434", "C489449", "A506401", "489435"],
            "StockCode": ["85048", "79323P", "22087", "B", "22350"],
            "Quantity": ["12", "12", "-12", "1", "12"],
            "InvoiceDate": ["2009-12-01 07:45:00"] * 5,
            "Price": ["6.95", "6.75", "2.95", "-53594.36", "2.55"],
            "Customer ID": ["13085.0", "13085.0", "16321.0", None, "13085.0"],
            "Country": ["United Kingdom"] * 5,
        }
    )
    g = guess_table(log)
    assert g.role == "transactions"
    assert (g.key.column, g.order.column, g.timestamp.column) == (
        "Customer ID",
        "Invoice",
        "InvoiceDate",
    )  # type: ignore[union-attr]
    assert (g.quantity.column, g.unit_price.column, g.amount) == ("Quantity", "Price", None)  # type: ignore[union-attr]
    # 'C' is the cancellation prefix even though an 'A' (adjustment) invoice exists too.
    assert (g.cancelled_prefix, g.n_cancelled) == ("C", 1)
    assert g.non_positive == {"Quantity": 1, "Price": 1}
    assert set(g.ignored) == {"StockCode", "Country"}


def test_an_amount_column_replaces_quantity_times_price() -> None:
    log = pd.DataFrame(
        {
            "order_id": ["1", "2"],
            "customer_id": ["a", "a"],
            "ordered_at": ["2024-01-01", "2024-02-01"],
            "amount": [10.0, 12.5],
            "quantity": [1, 2],
        }
    )
    g = guess_table(log)
    assert g.role == "transactions" and g.amount is not None and g.quantity is None


def test_one_row_per_id_is_an_attribute_table_with_typed_columns() -> None:
    crm = pd.DataFrame(
        {
            "customerID": ["7590-VHVEG", "5575-GNVDE", "3668-QPYBK", "7795-CFOCW"],
            "gender": ["Female", "Male", "Male", "Male"],
            "tenure": ["1", "34", "2", "45"],
            "TotalCharges": ["29.85", "1889.5", " ", "1840.75"],  # a blank among numbers
            "signup_date": ["2020-01-02", "2019-05-06", "2021-03-04", "2018-07-08"],
        }
    )
    g = guess_table(crm)
    assert g.role == "attributes" and g.key is not None and g.key.column == "customerID"
    assert g.numeric == ["tenure", "TotalCharges"]
    assert g.categorical == ["gender"]
    assert g.dates == ["signup_date"]


def test_repeated_ids_without_orders_are_events() -> None:
    web = pd.DataFrame({"user_id": ["a", "a", "b"], "sessions": [1, 2, 3]})
    g = guess_table(web)
    assert g.role == "events" and g.numeric == ["sessions"]


def test_no_id_column_means_one_customer_per_row() -> None:
    spend = pd.DataFrame({"Channel": [1, 2, 2], "Fresh": [100, 2000, 35]})
    g = guess_table(spend)
    assert g.role == "attributes" and g.key is None


def test_high_cardinality_text_is_ignored() -> None:
    crm = pd.DataFrame(
        {"id": [str(i) for i in range(120)], "email": [f"{i}@x" for i in range(120)]}
    )
    g = guess_table(crm)
    assert "email" in g.ignored and g.categorical == []


def test_columns_named_not_numeric_are_never_numbers() -> None:
    crm = pd.DataFrame(
        {"id": ["a", "b", "c", "d"], "zip": [1234, 10115, 4711, 80331], "age": [30, 41, 52, 63]}
    )
    assert guess_table(crm).numeric == ["zip", "age"]
    g = guess_table(crm, not_numeric=["zip"])
    assert g.numeric == ["age"] and "zip" not in g.numeric
