"""The customer summary the ``lifetimes`` package's models (BG/NBD, Gamma-Gamma) expect.

Same definitions as ``lifetimes.utils.summary_data_from_transaction_data`` (with its default
``include_first_transaction=False``), computed in DuckDB: purchases are bucketed into periods
(day, week starting Monday, or month); per customer

- ``frequency``: number of periods with a purchase, minus one (repeat purchase periods);
- ``recency``: periods between the first and the last purchase period;
- ``T``: periods between the first purchase period and the observation end's period;
- ``monetary_value``: mean purchase amount per repeat period (the first period left out), 0
  without repeats.

Only purchase lines (amount > 0) up to ``as_of`` count: the Gamma-Gamma model needs positive
values, so returns are left out rather than netted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import duckdb
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.features.transactions import TransactionColumns, lines_view
from user_segmentation.tables import TableRef, connect

Period = Literal["D", "W", "M"]
_UNIT = {"D": "day", "W": "week", "M": "month"}


def lifetimes_summary(
    lines: pd.DataFrame | TableRef,
    columns: TransactionColumns,
    as_of: datetime,
    *,
    period: Period = "D",
) -> pd.DataFrame:
    """One row per customer with ``frequency``, ``recency``, ``T`` and ``monetary_value``.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "order": ["1", "2", "3", "4"],
    ...     "ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-05 12:00",
    ...                           "2024-01-08 12:00"]), "amount": [10.0, 5.0, 30.0, 7.0]})
    >>> lifetimes_summary(log, TransactionColumns("order", "ts", "amount"), datetime(2024, 1, 11))
      customer_id  frequency  recency     T  monetary_value
    0           a          1      4.0  10.0            30.0
    1           b          0      0.0   3.0             0.0
    """
    if period not in _UNIT:
        raise SchemaError(f"lifetimes period must be one of {sorted(_UNIT)}, got {period!r}")
    unit = _UNIT[period]
    # Periods between two period starts: whole days, weeks or calendar months.
    diff = {
        "day": "date_diff('day', {a}, {b})",
        "week": "date_diff('day', {a}, {b}) / 7",
        "month": "date_diff('month', {a}, {b})",
    }[unit]
    con = connect()
    try:
        lines_view(con, lines, columns)
        out = con.execute(
            f"""
            WITH p AS (
                SELECT customer_id, date_trunc('{unit}', ts) AS period, sum(amount) AS value
                FROM lines WHERE ts <= $1::TIMESTAMP AND amount > 0 GROUP BY 1, 2
            ),
            f AS (SELECT customer_id, min(period) AS first FROM p GROUP BY 1)
            SELECT customer_id,
                   count(*) - 1 AS frequency,
                   ({diff.format(a="first", b="max(period)")})::DOUBLE AS recency,
                   ({diff.format(a="first", b=f"date_trunc('{unit}', $1::TIMESTAMP)")})::DOUBLE
                       AS "T",
                   coalesce(avg(value) FILTER (WHERE period > first), 0) AS monetary_value
            FROM p JOIN f USING (customer_id)
            GROUP BY customer_id, first
            ORDER BY customer_id
            """,
            [pd.Timestamp(as_of).to_pydatetime()],
        ).df()
    except duckdb.Error as exc:
        raise SchemaError(f"transactions: cannot summarise ({exc})") from exc
    finally:
        con.close()
    out["customer_id"] = out["customer_id"].astype("string")
    out["frequency"] = out["frequency"].astype("int64")
    out["monetary_value"] = out["monetary_value"].round(9)
    return out
