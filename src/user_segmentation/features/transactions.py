"""RFM and purchase behaviour from a transaction log, aggregated in DuckDB SQL.

The aggregation runs in DuckDB so that only the per-customer table, not the raw log, has to be
handled by pandas later. Definitions (all relative to the observation end ``as_of``):

- ``recency_days``: days since the last purchase line (amount > 0);
- ``frequency``: distinct orders with at least one purchase line;
- ``monetary``: net spend, purchases minus returns, floored at 0;
- ``avg_order_value``: gross purchase amount / frequency;
- ``return_rate``: returned amount / gross purchase amount;
- ``tenure_days``: days since the first purchase line.

Lines dated after ``as_of`` are excluded and counted (recency is never negative).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.features.sql import quote_identifier as _q

logger = logging.getLogger(__name__)

TRANSACTION_FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "return_rate",
    "tenure_days",
]


@dataclass(frozen=True)
class TransactionColumns:
    """Which columns of the log play which role (``amount`` or ``quantity`` × ``unit_price``)."""

    order: str
    timestamp: str
    amount: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    customer: str = "customer_id"

    def amount_sql(self) -> str:
        """SQL expression of a line's amount."""
        if self.amount:
            return _q(self.amount)
        if self.quantity and self.unit_price:
            return f"{_q(self.quantity)} * {_q(self.unit_price)}"
        raise SchemaError("transactions need an 'amount' column or 'quantity' and 'unit_price'")


def transaction_features(
    lines: pd.DataFrame, columns: TransactionColumns, as_of: datetime
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Aggregate order lines into one row of purchase features per customer.

    Parameters
    ----------
    lines
        The transaction log with a canonical customer key.
    columns
        Column roles in ``lines``.
    as_of
        Observation end; later lines are excluded.

    Returns
    -------
    features, counts
        ``features`` has ``customer`` plus :data:`TRANSACTION_FEATURES`, one row per customer
        with at least one purchase; ``counts`` says how many lines were used or excluded.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "a", "b"], "order": ["1", "2", "3"],
    ...                     "ts": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-06"]),
    ...                     "amount": [10.0, 30.0, 5.0]})
    >>> f, _ = transaction_features(log, TransactionColumns("order", "ts", "amount"),
    ...                             datetime(2024, 1, 21))
    >>> f[["customer_id", "recency_days", "frequency", "monetary"]].values.tolist()
    [['a', 10.0, 2, 40.0], ['b', 15.0, 1, 5.0]]
    """
    needed = [columns.customer, columns.order, columns.timestamp]
    needed += [c for c in (columns.amount, columns.quantity, columns.unit_price) if c]
    missing = [c for c in needed if c not in lines.columns]
    if missing:
        raise SchemaError(
            f"transactions: column(s) {missing} not found; have {list(lines.columns)}"
        )

    cust, order, ts = _q(columns.customer), _q(columns.order), _q(columns.timestamp)
    amount = columns.amount_sql()
    con = duckdb.connect()
    try:
        con.register("log", lines)
        # Cast once, so text columns (as read from CSV) work like typed ones.
        con.execute(
            f"""
            CREATE TEMP VIEW lines AS
            SELECT {cust} AS customer_id, {order}::VARCHAR AS order_id,
                   CAST({ts} AS TIMESTAMP) AS ts, CAST({amount} AS DOUBLE) AS amount
            FROM log
            """
        )
        params = [pd.Timestamp(as_of).to_pydatetime()]
        counts_row = con.execute(
            """
            SELECT count(*) AS n,
                   count(*) FILTER (WHERE ts > $1::TIMESTAMP) AS future,
                   count(*) FILTER (WHERE ts IS NULL) AS undated,
                   count(*) FILTER (WHERE ts <= $1::TIMESTAMP AND coalesce(amount, 0) = 0)
                       AS zero_amount
            FROM lines
            """,
            params,
        ).fetchone()
        assert counts_row is not None
        features = con.execute(
            """
            WITH l AS (
                SELECT * FROM lines WHERE ts <= $1::TIMESTAMP AND amount <> 0
            )
            SELECT customer_id,
                   date_diff('second', max(ts) FILTER (WHERE amount > 0), $1::TIMESTAMP)
                       / 86400.0 AS recency_days,
                   count(DISTINCT order_id) FILTER (WHERE amount > 0) AS frequency,
                   greatest(sum(amount), 0) AS monetary,
                   sum(amount) FILTER (WHERE amount > 0)
                       / count(DISTINCT order_id) FILTER (WHERE amount > 0) AS avg_order_value,
                   coalesce(-sum(amount) FILTER (WHERE amount < 0), 0)
                       / sum(amount) FILTER (WHERE amount > 0) AS return_rate,
                   date_diff('second', min(ts) FILTER (WHERE amount > 0), $1::TIMESTAMP)
                       / 86400.0 AS tenure_days
            FROM l
            GROUP BY customer_id
            HAVING count(*) FILTER (WHERE amount > 0) > 0
            ORDER BY customer_id
            """,
            params,
        ).df()
    except duckdb.Error as exc:
        raise SchemaError(f"transactions: cannot aggregate ({exc})") from exc
    finally:
        con.close()

    # Sums of floats depend on summation order; rounding keeps results identical across runs.
    money = ["monetary", "avg_order_value"]
    features[money] = features[money].round(6)
    features[["recency_days", "tenure_days", "return_rate"]] = features[
        ["recency_days", "tenure_days", "return_rate"]
    ].round(9)
    features["frequency"] = features["frequency"].astype("int64")
    features["customer_id"] = features["customer_id"].astype("string")
    n, future, undated, zero = (int(v) for v in counts_row)
    counts = {
        "lines": n,
        "future_lines_excluded": future,
        "undated_lines_excluded": undated,
        "zero_amount_lines_excluded": zero,
    }
    logger.info("transaction features for %d customers from %d lines", len(features), n)
    return features, counts
