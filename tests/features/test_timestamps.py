"""Timestamps of logs and attribute dates: offsets to UTC, declared formats, no future ages.

BAD_INPUTS #36 (mixed formats: a declared format, never a guess), #37 (UTC offsets mixed with
naive values: everything in UTC) and #38 (dates after as_of: excluded and counted).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from user_segmentation.config import FeaturesConfig
from user_segmentation.errors import SchemaError
from user_segmentation.features.lifetimes import lifetimes_summary
from user_segmentation.features.table import FeatureSpec, build_feature_table
from user_segmentation.features.transactions import (
    TransactionColumns,
    summarize_transactions,
    time_range,
)
from user_segmentation.integrate.combine import Integrated

AS_OF = datetime(2024, 1, 31)
COLUMNS = TransactionColumns("order", "ts", "amount")


def _log(stamps: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"][: len(stamps)],
            "order": [str(i) for i in range(len(stamps))],
            "ts": stamps,
            "amount": [10.0] * len(stamps),
        }
    )


def test_offsets_are_converted_to_utc_and_naive_values_taken_as_utc() -> None:
    # 22:00 at +02:00 is 20:00 UTC: 4 hours before as_of, not 2 (the offset must not be dropped).
    log = _log(["2024-01-30T22:00:00+02:00", "2024-01-10 10:00", "2024-01-30T20:00:00Z"])
    s = summarize_transactions(log, COLUMNS, AS_OF)
    recency = dict(zip(s.features["customer_id"], s.features["recency_days"], strict=True))
    assert recency == pytest.approx({"a": 4 / 24, "b": 4 / 24})
    assert (s.first, s.last) == (datetime(2024, 1, 10, 10), datetime(2024, 1, 30, 20))
    assert time_range(log, COLUMNS) == (s.first, s.last)


def test_negative_offsets_and_fractions_of_a_second() -> None:
    log = _log(["2024-01-30 15:00:00.250-05:00", "2024-01-30 20:00:00.5", "2024-01-30T21:00+01:00"])
    s = summarize_transactions(log, COLUMNS, AS_OF)
    # 15:00 at -05:00 is 20:00 UTC, before the other order of customer a; b's 21:00 at +01:00
    # (no seconds) is 20:00 UTC.
    assert s.last == datetime(2024, 1, 30, 20, 0, 0, 500000)
    assert s.features["recency_days"].iloc[1] == pytest.approx(4 / 24)
    assert s.features["recency_days"].iloc[0] == pytest.approx(4 / 24)  # in whole seconds


def test_naive_iso_values_are_read_as_written() -> None:
    s = summarize_transactions(_log(["2024-01-30 22:00:00", "2024-01-01"]), COLUMNS, AS_OF)
    assert s.features["recency_days"].iloc[0] == pytest.approx(2 / 24)


def test_lifetimes_summary_reads_offsets_too() -> None:
    log = _log(["2024-01-01T23:30:00-01:00", "2024-01-01 12:00"])
    summary = lifetimes_summary(log, COLUMNS, AS_OF, period="D")
    # The first order is 2024-01-02 00:30 UTC: a repeat purchase on a later day.
    assert summary["frequency"].iloc[0] == 1


def test_a_declared_format_reads_day_first_text() -> None:
    log = _log(["30/01/2024 22:00", "01/12/2023 10:00"])
    columns = TransactionColumns("order", "ts", "amount", timestamp_format="%d/%m/%Y %H:%M")
    s = summarize_transactions(log, columns, AS_OF)
    assert (s.first, s.last) == (datetime(2023, 12, 1, 10), datetime(2024, 1, 30, 22))


def test_a_declared_format_with_an_offset_converts_to_utc() -> None:
    log = _log(["30/01/2024 22:00 +0200"])
    columns = TransactionColumns("order", "ts", "amount", timestamp_format="%d/%m/%Y %H:%M %z")
    assert summarize_transactions(log, columns, AS_OF).last == datetime(2024, 1, 30, 20)


def test_text_that_does_not_match_the_format_is_named() -> None:
    log = _log(["30/01/2024 22:00", "2024-01-01 10:00"])
    columns = TransactionColumns("order", "ts", "amount", timestamp_format="%d/%m/%Y %H:%M")
    with pytest.raises(SchemaError, match="2024-01-01 10:00"):
        summarize_transactions(log, columns, AS_OF)


def test_day_first_text_without_a_format_is_refused_not_guessed() -> None:
    with pytest.raises(SchemaError, match="01/03/2024"):
        summarize_transactions(_log(["01/03/2024 10:00"]), COLUMNS, AS_OF)


def test_attribute_dates_after_as_of_become_missing_and_are_counted() -> None:
    customers = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "signup": ["2024-06-01", "2024-01-01", "1970-01-01"]}
    )
    spec = FeatureSpec(as_of=AS_OF, dates={"signup": None}, date_floor=datetime(1970, 1, 2))
    table, info = build_feature_table(Integrated(customers=customers), spec)
    assert table["days_since_signup"].isna().tolist() == [True, False, True]
    assert table["days_since_signup"].iloc[1] == 30.0
    assert info["dates_after_as_of_set_missing"] == {"signup": 1}
    assert info["dates_before_floor_set_missing"] == {"signup": 1}


def test_values_without_an_offset_are_local_times_of_the_declared_zone() -> None:
    # Berlin is at +01:00 in January: 22:00 there is 21:00 UTC; values with an offset keep it.
    log = _log(["2024-01-30 22:00", "2024-01-10 10:00", "2024-01-30T20:00:00Z"])
    columns = TransactionColumns("order", "ts", "amount", timezone="Europe/Berlin")
    s = summarize_transactions(log, columns, AS_OF)
    assert (s.first, s.last) == (datetime(2024, 1, 10, 9), datetime(2024, 1, 30, 21))
    formatted = TransactionColumns(
        "order", "ts", "amount", timestamp_format="%d/%m/%Y %H:%M", timezone="Europe/Berlin"
    )
    summer = summarize_transactions(_log(["30/06/2023 22:00"]), formatted, AS_OF)
    assert summer.last == datetime(2023, 6, 30, 20)  # +02:00 in summer


def test_attribute_dates_without_an_offset_are_local_times_of_the_declared_zone() -> None:
    customers = pd.DataFrame(
        {"customer_id": ["a", "b"], "seen": ["2024-01-30 23:30", "2024-01-30T23:30:00+00:00"]}
    )
    spec = FeatureSpec(as_of=AS_OF, dates={"seen": None}, timezone="Europe/Berlin")
    table, _ = build_feature_table(Integrated(customers=customers), spec)
    # a: 22:30 UTC, 1.5 hours before as_of; b: its offset says UTC, half an hour before.
    assert table["days_since_seen"].tolist() == pytest.approx([1.5 / 24, 0.5 / 24])
    # A declared format without %z: every value is local, even one ending like an offset.
    dashed = pd.DataFrame({"customer_id": ["a"], "seen": ["30-01-2024 23:00"]})
    spec = FeatureSpec(as_of=AS_OF, dates={"seen": "%d-%m-%Y %H:%M"}, timezone="Europe/Berlin")
    table, _ = build_feature_table(Integrated(customers=dashed), spec)
    assert table["days_since_seen"].tolist() == pytest.approx([2 / 24])


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        FeaturesConfig(timezone="Mars/Olympus")
