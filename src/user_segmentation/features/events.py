"""Per-customer aggregates of event tables (web sessions, support tickets, ...), in DuckDB SQL."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.tables import TableRef, connect
from user_segmentation.tables import quote_identifier as _q


def event_features(
    events: pd.DataFrame | TableRef,
    *,
    source: str,
    sum_columns: Sequence[str] = (),
    mean_columns: Sequence[str] = (),
    count_as: str | None = None,
    customer: str = "customer_id",
) -> pd.DataFrame:
    """Aggregate event rows to one row per customer.

    Output columns are named after the input columns (sums keep the name, means get a
    ``mean_`` prefix) plus ``count_as`` for the number of rows. Customers without events do not
    appear; the caller fills them (0 for sums and counts, missing for means).

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a", "a", "b"], "sessions": [2, 3, 1]})
    >>> event_features(ev, source="web", sum_columns=["sessions"], count_as="active_months")
      customer_id  sessions  active_months
    0           a       5.0              2
    1           b       1.0              1
    """
    table = events if isinstance(events, TableRef) else TableRef.from_frame(events)
    have = table.columns()
    missing = [c for c in [customer, *sum_columns, *mean_columns] if c not in have]
    if missing:
        raise SchemaError(f"source '{source}': column(s) {missing} not found; have {have}")
    parts = [f"{_q(customer)} AS customer_id"]
    parts += [f"sum(TRY_CAST({_q(c)} AS DOUBLE)) AS {_q(c)}" for c in sum_columns]
    parts += [f"avg(TRY_CAST({_q(c)} AS DOUBLE)) AS {_q('mean_' + c)}" for c in mean_columns]
    if count_as:
        parts.append(f"count(*) AS {_q(count_as)}")
    con = connect()
    try:
        table.attach(con)
        con.execute(f"CREATE TEMP VIEW ev AS {table.sql}")
        _check_numeric(con, source, [*sum_columns, *mean_columns])
        out = con.execute(f"SELECT {', '.join(parts)} FROM ev GROUP BY 1 ORDER BY 1").df()
    except duckdb.Error as exc:
        raise SchemaError(f"source '{source}': cannot aggregate ({exc})") from exc
    finally:
        con.close()
    out["customer_id"] = out["customer_id"].astype("string")
    float_cols = [c for c in out.columns if c not in ("customer_id", count_as)]
    out[float_cols] = out[float_cols].round(9)
    return out


def _check_numeric(con: duckdb.DuckDBPyConnection, source: str, columns: Sequence[str]) -> None:
    """Refuse a column holding text that is not a number, naming the first bad row and value."""
    for col in columns:
        bad = con.execute(
            f"SELECT rn, v FROM (SELECT row_number() OVER () AS rn, {_q(col)}::VARCHAR AS v "
            f"FROM ev) WHERE v IS NOT NULL AND TRY_CAST(v AS DOUBLE) IS NULL LIMIT 1"
        ).fetchone()
        if bad is not None:
            raise SchemaError(
                f"source '{source}': column '{col}', row {bad[0]}: {bad[1]!r} is not a number"
            )
