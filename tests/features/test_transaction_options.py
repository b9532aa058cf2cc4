"""Windows, inter-purchase time, category shares, returns policy and the lifetimes summary.

Hand-computed on a four-order log (2024 is a leap year; as_of is Wednesday 10 April 2024):

    a: O1 2024-01-01 10 (x), O2 2024-03-01 20 (y), return of O2 on 2024-03-05 -5 (y),
       O3 2024-03-31 30 (x)
    b: O4 2024-04-01 100 (y)
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from user_segmentation.errors import SchemaError
from user_segmentation.features.lifetimes import lifetimes_summary
from user_segmentation.features.transactions import (
    TransactionColumns,
    TransactionOptions,
    transaction_features,
)

AS_OF = datetime(2024, 4, 10)
LOG = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "b"],
        "order": ["O1", "O2", "O2", "O3", "O4"],
        "ts": [
            "2024-01-01 12:00",
            "2024-03-01 12:00",
            "2024-03-05 12:00",
            "2024-03-31 12:00",
            "2024-04-01 12:00",
        ],
        "amount": [10.0, 20.0, -5.0, 30.0, 100.0],
        "cat": ["x", "y", "y", "x", "y"],
    }
)
COLS = TransactionColumns("order", "ts", "amount", category="cat")


def _features(**options: object) -> pd.DataFrame:
    feats, _ = transaction_features(LOG, COLS, AS_OF, TransactionOptions(**options))  # type: ignore[arg-type]
    return feats.set_index("customer_id")


def test_mean_days_between_orders() -> None:
    f = _features()
    assert f.loc["a", "mean_days_between_orders"] == pytest.approx(90 / 2)  # Jan 1 → Mar 31
    assert pd.isna(f.loc["b", "mean_days_between_orders"])  # a single order has no gap


def test_windows_count_orders_and_net_spend() -> None:
    f = _features(windows=(30, 60))
    assert (f.loc["a", "frequency_30d"], f.loc["a", "monetary_30d"]) == (1, 30.0)  # since Mar 11
    assert (f.loc["a", "frequency_60d"], f.loc["a", "monetary_60d"]) == (2, 45.0)  # since Feb 10
    assert (f.loc["b", "frequency_30d"], f.loc["b", "monetary_30d"]) == (1, 100.0)


def test_category_shares_of_the_top_categories() -> None:
    f = _features(top_categories=1)  # y (120 in all) outsells x (40)
    assert f.loc["a", "share_y"] == pytest.approx(20 / 60)
    assert f.loc["a", "share_other"] == pytest.approx(40 / 60)
    assert (f.loc["b", "share_y"], f.loc["b", "share_other"]) == (1.0, 0.0)


def test_returns_netted_or_excluded() -> None:
    assert _features().loc["a", "monetary"] == 55.0
    f, counts = transaction_features(LOG, COLS, AS_OF, TransactionOptions(returns="exclude"))
    assert f.set_index("customer_id").loc["a", ["monetary", "return_rate"]].tolist() == [60.0, 0.0]
    assert counts["return_lines_excluded"] == 1


def test_windows_must_be_positive() -> None:
    with pytest.raises(SchemaError, match="positive whole days"):
        _features(windows=(0,))


@pytest.mark.parametrize(
    ("period", "expected_a", "expected_b"),
    [
        # Days: purchase days Jan 1, Mar 1, Mar 31 (the return is not a purchase).
        ("D", (2, 90.0, 100.0, 25.0), (0, 0.0, 9.0, 0.0)),
        # Weeks start on Monday: Jan 1, Feb 26, Mar 25; as_of's week starts Apr 8.
        ("W", (2, 12.0, 14.0, 25.0), (0, 0.0, 1.0, 0.0)),
        # Months: January and March (20 + 30 in one period); as_of in April.
        ("M", (1, 2.0, 3.0, 50.0), (0, 0.0, 0.0, 0.0)),
    ],
)
def test_lifetimes_summary_definitions(
    period: str, expected_a: tuple[float, ...], expected_b: tuple[float, ...]
) -> None:
    s = lifetimes_summary(LOG, COLS, AS_OF, period=period).set_index("customer_id")  # type: ignore[arg-type]
    columns = ["frequency", "recency", "T", "monetary_value"]
    assert tuple(s.loc["a", columns]) == pytest.approx(expected_a)
    assert tuple(s.loc["b", columns]) == pytest.approx(expected_b)
