"""BAD_INPUTS #39-#41: placeholder dates, currency symbols, yes/no spelled variously."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.features.attributes import attribute_features
from user_segmentation.features.table import FeatureSpec, build_feature_table
from user_segmentation.features.transactions import (
    TransactionColumns,
    TransactionOptions,
    transaction_features,
)
from user_segmentation.integrate.combine import Integrated

AS_OF = datetime(2024, 1, 31)


def test_yes_no_spellings_become_flags() -> None:
    c = pd.DataFrame({"customer_id": list("abcdef"), "opt_in": ["Y", "no", "TRUE", "0", " t ", ""]})
    out = attribute_features(c, booleans=["opt_in"], as_of=AS_OF)
    assert out["opt_in"].tolist()[:5] == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert pd.isna(out["opt_in"].iloc[5])  # blank is missing, imputed later


def test_unknown_yes_no_value_is_named() -> None:
    c = pd.DataFrame({"customer_id": ["a", "b"], "opt_in": ["yes", "maybe"]})
    with pytest.raises(SchemaError, match=r"column 'opt_in', customer 'b': 'maybe'"):
        attribute_features(c, booleans=["opt_in"], as_of=AS_OF)


def test_currency_symbols_are_stripped_when_declared() -> None:
    c = pd.DataFrame({"customer_id": ["a", "b"], "spend": ["£3.39", " £ 12 "]})
    out = attribute_features(c, numeric=["spend"], currency_symbols=["£"], as_of=AS_OF)
    assert out["spend"].tolist() == [3.39, 12.0]
    with pytest.raises(SchemaError, match=r"'£3.39' is not a number"):
        attribute_features(c, numeric=["spend"], as_of=AS_OF)


LOG = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b"],
        "order": ["1", "2", "3"],
        "ts": ["1970-01-01 00:00:00", "2024-01-21 00:00:00", "2024-01-11 00:00:00"],
        "amount": ["£10.00", "£30.00", "£5.50"],
    }
)
COLS = TransactionColumns("order", "ts", "amount", currency_symbols=("£",))


def test_transaction_amounts_with_currency_and_placeholder_dates() -> None:
    feats, counts = transaction_features(
        LOG, COLS, AS_OF, TransactionOptions(date_floor=datetime(1970, 1, 2))
    )
    f = feats.set_index("customer_id")
    assert f.loc["a", ["frequency", "monetary"]].tolist() == [1, 30.0]  # the 1970 line is out
    assert f.loc["b", "monetary"] == 5.5
    assert counts["lines_before_date_floor_excluded"] == 1 and counts["lines"] == 3


def test_text_amount_without_declared_symbol_names_row_and_value() -> None:
    with pytest.raises(SchemaError, match=r"column 'amount', data row 1: '£10.00'"):
        transaction_features(LOG, TransactionColumns("order", "ts", "amount"), AS_OF)


def test_placeholder_attribute_dates_become_missing_and_are_counted() -> None:
    customers = pd.DataFrame({"customer_id": ["a", "b"], "signup": ["1970-01-01", "2023-12-31"]})
    spec = FeatureSpec(as_of=AS_OF, dates={"signup": None}, date_floor=datetime(1970, 1, 2))
    table, info = build_feature_table(Integrated(customers=customers), spec)
    assert pd.isna(table["days_since_signup"].iloc[0])
    assert table["days_since_signup"].iloc[1] == 31.0
    assert info["dates_before_floor_set_missing"] == {"signup": 1}


def test_locale_formatted_numbers_get_a_hint() -> None:  # BAD_INPUTS #7, #8
    c = pd.DataFrame({"customer_id": ["a", "b"], "spend": ["12,50", "1.234,50"]})
    with pytest.raises(SchemaError, match=r"'12,50' is not a number.*decimal comma"):
        attribute_features(c, numeric=["spend"], as_of=AS_OF)
    log = LOG.assign(amount=["1,234.00", "30", "5"])
    with pytest.raises(SchemaError, match=r"'1,234.00' is not a number.*thousands: ','"):
        transaction_features(log, TransactionColumns("order", "ts", "amount"), AS_OF)
