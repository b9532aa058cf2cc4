"""Numbers of locale-formatted sources as features: sums, attributes, and the errors naming values.

The sources are read by the reader, as a run reads them, then handed to the feature functions.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.features.attributes import attribute_features, number_hint
from user_segmentation.features.events import event_features
from user_segmentation.features.transactions import TransactionColumns, transaction_features
from user_segmentation.sources import read_source

AS_OF = datetime(2024, 3, 31)

# Hand-computed: K01 1.234,56 + 10,00 = 1244.56; K02 99,90 + 5,10 = 105.00; K03 2.000,00.
_LOG = """\
invoice;customer_id;at;amount
1001;K01;2024-01-05 10:00;1.234,56
1002;K01;2024-02-05 10:00;10,00
1003;K02;2024-02-07 11:00;99,90
1004;K03;2024-03-01 09:30;2.000,00
1005;K02;2024-03-03 12:00;5,10
"""
_COLUMNS = TransactionColumns("invoice", "at", "amount")


def _csv(tmp_path: Path, text: str, **options: object) -> pd.DataFrame:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return read_source("csv", path, id_columns=["customer_id"], **options)  # type: ignore[arg-type]


def test_decimal_comma_log_gives_the_hand_computed_monetary(tmp_path: Path) -> None:
    log = _csv(tmp_path, _LOG, decimal=",", thousands=".")
    feats, _ = transaction_features(log, _COLUMNS, AS_OF)
    monetary = feats.set_index("customer_id")["monetary"].to_dict()
    assert monetary == pytest.approx({"K01": 1244.56, "K02": 105.0, "K03": 2000.0})


def test_one_bad_amount_is_the_one_named(tmp_path: Path) -> None:  # bug 2
    log = _csv(tmp_path, _LOG.replace("5,10", "5,1O"), decimal=",", thousands=".")
    with pytest.raises(SchemaError) as caught:
        transaction_features(log, _COLUMNS, AS_OF)
    message = str(caught.value)
    assert "column 'amount', data row 5: '5,1O' is not a number" in message
    assert "decimal" not in message  # the source has its decimal comma already


def test_one_bad_attribute_is_the_one_named_with_its_customer(tmp_path: Path) -> None:  # 2
    customers = _csv(
        tmp_path,
        "customer_id;spend\nK01;12,5\nK02; \nK03;12,5a\nK04;1.234,5\n",
        decimal=",",
        thousands=".",
    )
    with pytest.raises(SchemaError) as caught:
        attribute_features(customers, numeric=["spend"], as_of=AS_OF)
    message = str(caught.value)
    assert "column 'spend', customer 'K03': '12,5a' is not a number (1 such value(s))" in message
    assert "decimal" not in message
    fixed = customers.assign(spend=customers["spend"].replace("12,5a", "3"))
    out = attribute_features(fixed, numeric=["spend"], as_of=AS_OF)
    assert out["spend"].fillna(-1).tolist() == [12.5, -1, 3.0, 1234.5]


def test_symbols_beside_decimal_commas_become_attributes(tmp_path: Path) -> None:  # bug 1
    customers = _csv(
        tmp_path,
        "customer_id;spend\nK01;3,39 €\nK02;€ 1.234,50\n",
        decimal=",",
        thousands=".",
        currency_symbols=["€"],
    )
    out = attribute_features(customers, numeric=["spend"], currency_symbols=["€"], as_of=AS_OF)
    assert out["spend"].tolist() == [3.39, 1234.5]


def test_an_undeclared_symbol_is_named_with_the_symbol_hint(tmp_path: Path) -> None:
    customers = _csv(
        tmp_path,
        "customer_id;spend\nK01;3,39 €\nK02;4,50 $\nK03;1,00 €\n",
        decimal=",",
        currency_symbols=["€"],
    )
    with pytest.raises(
        SchemaError, match=r"customer 'K02': '4,50 \$' .*currency_symbols: \['\$'\]"
    ):
        attribute_features(customers, numeric=["spend"], currency_symbols=["€"], as_of=AS_OF)


def test_event_sums_and_means_strip_currency_symbols() -> None:  # bug 4
    events = pd.DataFrame(
        {"customer_id": ["a", "a", "b", "b"], "spend": ["£3.39", " £ 1 ", "£2.50", " "]}
    )
    out = event_features(
        events, source="web", sum_columns=["spend"], mean_columns=["spend"], currency_symbols=["£"]
    )
    assert out.to_dict("list") == {
        "customer_id": ["a", "b"],
        "spend": [4.39, 2.5],
        "mean_spend": [2.195, 2.5],  # the blank is missing, not 0
    }


def test_event_text_that_is_no_number_is_named_with_a_hint() -> None:
    events = pd.DataFrame({"customer_id": ["a", "b"], "spend": ["£3.39", "£2,50"]})
    with pytest.raises(SchemaError) as caught:
        event_features(events, source="web", sum_columns=["spend"], currency_symbols=["£"])
    message = str(caught.value)
    assert "source 'web': column 'spend', row 2: '£2,50' is not a number" in message
    assert "decimal comma" in message and "currency_symbols" not in message
    with pytest.raises(SchemaError, match=r"row 1: '£3\.39' .*currency_symbols: \['£'\]"):
        event_features(events, source="web", sum_columns=["spend"])


def test_event_sums_of_a_locale_source_name_only_the_bad_value(tmp_path: Path) -> None:
    events = _csv(
        tmp_path,
        "customer_id;spend\na;12,5\na;1.000\nb;n.v.\nb;3 €\n",
        decimal=",",
        thousands=".",
        currency_symbols=["€"],
    )
    with pytest.raises(SchemaError) as caught:
        event_features(events, source="web", sum_columns=["spend"], currency_symbols=["€"])
    assert "row 3: 'n.v.' is not a number" in str(caught.value)
    good = events.assign(spend=events["spend"].replace("n.v.", " "))
    out = event_features(good, source="web", sum_columns=["spend"], currency_symbols=["€"])
    assert out["spend"].tolist() == [1012.5, 3.0]


def test_hints_say_what_the_source_needs() -> None:
    assert number_hint("1.234,50").endswith("the source needs decimal: ',' and thousands: '.'")
    assert number_hint("12,5").endswith("the source needs decimal: ','")
    assert number_hint("1,234.50").endswith("the source needs thousands: ','")
