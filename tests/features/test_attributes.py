"""Attribute columns as features: numbers, categories and dates (BAD_INPUTS #36)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.features.attributes import attribute_features

AS_OF = datetime(2024, 1, 31)


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "age": ["41", " 35 ", ""],
            "points": [10, 20, 30],
            "country": [" DE", "FR", "  "],
            "since": ["2024-01-01", "2023-12-31", None],
        }
    )


def test_numeric_categorical_and_date_columns() -> None:
    out = attribute_features(
        _customers(),
        numeric=["age", "points"],
        categorical=["country"],
        dates={"since": None},
        as_of=AS_OF,
    )
    assert list(out.columns) == ["customer_id", "age", "points", "country", "days_since_since"]
    assert out["age"].tolist()[:2] == [41.0, 35.0]
    assert np.isnan(out["age"].iloc[2])
    assert out["points"].dtype == "float64"
    assert out["country"].tolist()[:2] == ["DE", "FR"]
    assert pd.isna(out["country"].iloc[2])
    assert out["days_since_since"].tolist()[:2] == [30.0, 31.0]
    assert pd.isna(out["days_since_since"].iloc[2])


def test_unused_columns_are_left_out() -> None:
    out = attribute_features(_customers(), numeric=["points"], as_of=AS_OF)
    assert list(out.columns) == ["customer_id", "points"]


def test_non_numeric_value_names_column_customer_and_value() -> None:
    c = pd.DataFrame({"customer_id": ["a", "b", "c"], "age": ["41", "forty", "x"]})
    with pytest.raises(SchemaError) as err:
        attribute_features(c, numeric=["age"], as_of=AS_OF)
    msg = str(err.value)
    assert "column 'age'" in msg
    assert "customer 'b'" in msg
    assert "'forty'" in msg
    assert "2 such value(s)" in msg


def test_non_numeric_value_found_by_position_with_any_index() -> None:
    c = pd.DataFrame({"customer_id": ["a", "b"], "age": ["4", "?"]}, index=[10, 5])
    with pytest.raises(SchemaError, match="customer 'b': '\\?'"):
        attribute_features(c, numeric=["age"], as_of=AS_OF)


def test_iso_dates_with_time_become_days_since() -> None:
    c = pd.DataFrame({"customer_id": ["a"], "seen": ["2024-01-30T12:00:00"]})
    out = attribute_features(c, dates={"seen": None}, as_of=AS_OF)
    assert out["days_since_seen"].tolist() == [0.5]


def test_datetime_column_used_as_is() -> None:
    c = pd.DataFrame({"customer_id": ["a"], "seen": pd.to_datetime(["2024-01-21"])})
    out = attribute_features(c, dates={"seen": None}, as_of=AS_OF)
    assert out["days_since_seen"].tolist() == [10.0]


def test_non_iso_date_without_format_lists_examples() -> None:
    c = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "since": ["2011-12-01", "01/12/2011", "02/12/2011", "01/12/2011"],
        }
    )
    with pytest.raises(SchemaError) as err:
        attribute_features(c, dates={"since": None}, as_of=AS_OF)
    msg = str(err.value)
    assert "column 'since'" in msg
    assert "3 value(s)" in msg
    assert "['01/12/2011', '02/12/2011']" in msg
    assert "ISO 8601" in msg


def test_explicit_day_first_format_is_used_not_guessed() -> None:
    c = pd.DataFrame({"customer_id": ["a", "b"], "since": ["01/12/2023", "31/12/2023"]})
    out = attribute_features(c, dates={"since": "%d/%m/%Y"}, as_of=AS_OF)
    # 1 December 2023, not 12 January: 61 days before 31 January 2024.
    assert out["days_since_since"].tolist() == [61.0, 31.0]


def test_value_not_matching_explicit_format_names_the_format() -> None:
    c = pd.DataFrame({"customer_id": ["a"], "since": ["2023-12-01"]})
    with pytest.raises(SchemaError, match="%d/%m/%Y"):
        attribute_features(c, dates={"since": "%d/%m/%Y"}, as_of=AS_OF)


def test_timezone_aware_dates_are_compared_in_utc() -> None:
    # BAD_INPUTS #37: 22:00 at +02:00 is 20:00 UTC, four hours before the (naive, UTC) as_of.
    c = pd.DataFrame({"customer_id": ["a"], "seen": ["2024-01-30T22:00:00+02:00"]})
    out = attribute_features(c, dates={"seen": None}, as_of=AS_OF)
    assert out["days_since_seen"].tolist() == [pytest.approx(4 / 24)]


def test_mixed_utc_offsets_are_compared_in_utc() -> None:
    # Two offsets in one column, as any export spanning a DST change has.
    c = pd.DataFrame(
        {"customer_id": ["a", "b"], "seen": ["2024-01-30T21:00:00+01:00", "2024-01-30T22:00:00Z"]}
    )
    out = attribute_features(c, dates={"seen": None}, as_of=AS_OF)
    assert out["days_since_seen"].tolist() == [pytest.approx(4 / 24), pytest.approx(2 / 24)]


def test_timezone_aware_datetime_column_is_compared_in_utc() -> None:
    seen = pd.Series(pd.to_datetime(["2024-01-30T22:00:00+02:00"])).dt.tz_convert("Europe/Berlin")
    c = pd.DataFrame({"customer_id": ["a"], "seen": seen})
    out = attribute_features(c, dates={"seen": None}, as_of=AS_OF)
    assert out["days_since_seen"].tolist() == [pytest.approx(4 / 24)]


def test_missing_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"\['income'\]"):
        attribute_features(_customers(), numeric=["income"], as_of=AS_OF)


def test_input_not_mutated() -> None:
    c = _customers()
    before = c.copy()
    attribute_features(
        c, numeric=["age"], categorical=["country"], dates={"since": None}, as_of=AS_OF
    )
    pd.testing.assert_frame_equal(c, before)
