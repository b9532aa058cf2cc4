"""Per-customer aggregates of event tables (web sessions, support tickets, ...), in DuckDB SQL."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.features.attributes import number_hint
from user_segmentation.tables import EXACT_AS_DOUBLE, TableRef, connect, quote_literal
from user_segmentation.tables import quote_identifier as _q


def event_features(
    events: pd.DataFrame | TableRef,
    *,
    source: str,
    sum_columns: Sequence[str] = (),
    mean_columns: Sequence[str] = (),
    count_as: str | None = None,
    customer: str = "customer_id",
    currency_symbols: Sequence[str] = (),
) -> pd.DataFrame:
    """Aggregate event rows to one row per customer.

    Output columns are named after the input columns (sums keep the name, means get a
    ``mean_`` prefix) plus ``count_as`` for the number of rows. Customers without events do not
    appear; the caller fills them (0 for sums and counts, missing for means).

    Summed and averaged columns may hold numbers as text: surrounding blanks and
    ``currency_symbols`` (``"£3.39"``) are stripped, blanks are missing, and any other text
    that is not a number is an error naming the row and value.

    Examples
    --------
    >>> ev = pd.DataFrame({"customer_id": ["a", "a", "b"], "sessions": [2, 3, 1]})
    >>> event_features(ev, source="web", sum_columns=["sessions"], count_as="active_months")
      customer_id  sessions  active_months
    0           a       5.0              2
    1           b       1.0              1
    >>> ev = pd.DataFrame({"customer_id": ["a", "a"], "spend": ["£3.39", " "]})
    >>> event_features(ev, source="web", sum_columns=["spend"], currency_symbols=["£"])
      customer_id  spend
    0           a   3.39
    """
    table = events if isinstance(events, TableRef) else TableRef.from_frame(events)
    have = table.columns()
    missing = [c for c in [customer, *sum_columns, *mean_columns] if c not in have]
    if missing:
        raise SchemaError(f"source '{source}': column(s) {missing} not found; have {have}")
    con = connect()
    try:
        table.attach(con)
        con.execute(f"CREATE TEMP VIEW ev AS {table.sql}")
        types = {str(d[0]): str(d[1]) for d in con.execute("SELECT * FROM ev LIMIT 0").description}
        symbols = tuple(currency_symbols)
        numbers = {c: _number_sql(c, types[c], symbols) for c in [*sum_columns, *mean_columns]}
        parts = [f"{_q(customer)} AS customer_id"]
        parts += [f"sum({numbers[c]}) AS {_q(c)}" for c in sum_columns]
        parts += [f"avg({numbers[c]}) AS {_q('mean_' + c)}" for c in mean_columns]
        if count_as:
            parts.append(f"count(*) AS {_q(count_as)}")
        text_columns = [c for c in numbers if types[c] not in EXACT_AS_DOUBLE]
        _check_numeric(con, source, text_columns, symbols)
        out = con.execute(f"SELECT {', '.join(parts)} FROM ev GROUP BY 1 ORDER BY 1").df()
    except duckdb.Error as exc:
        raise SchemaError(f"source '{source}': cannot aggregate ({exc})") from exc
    finally:
        con.close()
    out["customer_id"] = out["customer_id"].astype("string")
    float_cols = [c for c in out.columns if c not in ("customer_id", count_as)]
    out[float_cols] = out[float_cols].round(9)
    return out


# Trimmed around numbers: ASCII blanks and the no-break spaces exports put beside symbols.
_BLANKS = "' \t\n\r\u00a0\u202f'"


def _text_sql(column: str, symbols: Sequence[str]) -> str:
    """A column as trimmed text without currency symbols."""
    text = f"trim(CAST({_q(column)} AS VARCHAR), {_BLANKS})"
    for symbol in symbols:
        text = f"trim(replace({text}, {quote_literal(symbol)}, ''), {_BLANKS})"
    return text


def _number_sql(column: str, column_type: str, symbols: Sequence[str]) -> str:
    """A column as DOUBLE; text without a number (blanks) is NULL."""
    if column_type != "VARCHAR":
        return f"TRY_CAST({_q(column)} AS DOUBLE)"
    return f"TRY_CAST({_text_sql(column, symbols)} AS DOUBLE)"


def _check_numeric(
    con: duckdb.DuckDBPyConnection, source: str, columns: Sequence[str], symbols: Sequence[str]
) -> None:
    """Refuse a column holding text that is not a number, naming the first bad row and value."""
    for col in columns:
        bad = con.execute(
            f"SELECT rn, v, t FROM (SELECT row_number() OVER () AS rn, {_q(col)}::VARCHAR AS v, "
            f"{_text_sql(col, symbols)} AS t FROM ev) "
            "WHERE t <> '' AND TRY_CAST(t AS DOUBLE) IS NULL LIMIT 1"
        ).fetchone()
        if bad is not None:
            raise SchemaError(
                f"source '{source}': column '{col}', row {bad[0]}: {bad[1]!r} is not a number"
                + number_hint(str(bad[2]))
            )
