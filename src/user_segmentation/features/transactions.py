"""RFM and purchase behaviour from a transaction log, aggregated in DuckDB SQL.

The aggregation runs in DuckDB so that only the per-customer table, not the raw log, has to be
handled by pandas later. Definitions (all relative to the observation end ``as_of``):

- ``recency_days``: days since the last purchase line (amount > 0);
- ``frequency``: distinct orders with at least one purchase line;
- ``monetary``: net spend, purchases minus returns, floored at 0;
- ``avg_order_value``: gross purchase amount / frequency;
- ``return_rate``: returned amount / gross purchase amount;
- ``tenure_days``: days since the first purchase line;
- ``mean_days_between_orders``: (last − first order) / (frequency − 1), missing below 2 orders;
- optionally, per window of ``w`` days before ``as_of``: ``frequency_<w>d`` and ``monetary_<w>d``;
- optionally, with a category column: ``share_<category>`` of gross purchases for the top N
  categories (by total amount over all customers) and ``share_other``.

With ``returns="exclude"`` negative lines are ignored instead of netted against purchases.
Lines dated after ``as_of`` are excluded and counted (recency is never negative).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import duckdb
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.features import MAX_ABS_VALUE
from user_segmentation.features.attributes import number_hint
from user_segmentation.tables import EXACT_AS_DOUBLE, TableRef, connect, quote_literal
from user_segmentation.tables import quote_identifier as _q

logger = logging.getLogger(__name__)

TRANSACTION_FEATURES = [
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "return_rate",
    "tenure_days",
    "mean_days_between_orders",
]

#: Every character DuckDB accepts in a text it casts to DOUBLE: digits, sign, decimal point,
#: digit-group underscore, exponent, "inf"/"infinity"/"nan" in any case, ASCII whitespace.
NUMBER_CHARS = frozenset("0123456789+-._eEiInNfFaAtTyY \t\n\r\x0b\x0c")


@dataclass(frozen=True)
class TransactionColumns:
    """Which columns of the log play which role (``amount`` or ``quantity`` × ``unit_price``)."""

    order: str
    timestamp: str
    amount: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    category: str | None = None
    customer: str = "customer_id"
    currency_symbols: tuple[str, ...] = ()  # stripped from amounts and prices ("£3.39")
    timestamp_format: str | None = None  # strptime format, e.g. "%d/%m/%Y %H:%M"; None: ISO 8601
    timezone: str = "UTC"  # IANA zone of timestamps written without an offset

    def timestamp_sql(self, column_type: str, zoned: bool = False) -> str:
        """The timestamp column as a naive UTC TIMESTAMP.

        Text is ISO 8601 unless :attr:`timestamp_format` says otherwise (day-first or
        month-first is never guessed). Values with a UTC offset (``+02:00``, ``Z``) are
        converted to UTC and naive ones taken as UTC; DuckDB's plain cast would drop the
        offset, so text is read through the slower time-zone-aware cast only when ``zoned``
        (see :meth:`offset_sql`). With a :attr:`timezone` other than UTC, values without an
        offset are local times there.
        """
        column = _q(self.timestamp)
        local = self.timezone != "UTC"

        def naive(expr: str) -> str:
            zone = quote_literal(self.timezone)
            return f"timezone('UTC', timezone({zone}, {expr}))" if local else expr

        if self.timestamp_format:
            fmt = quote_literal(self.timestamp_format)
            parsed = f"strptime(CAST({column} AS VARCHAR), {fmt})"
            return f"timezone('UTC', {parsed})" if "%z" in self.timestamp_format else naive(parsed)
        if column_type.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone('UTC', {column})"
        plain = naive(f"CAST({column} AS TIMESTAMP)")
        if column_type == "VARCHAR" and zoned:
            aware = f"timezone('UTC', CAST({column} AS TIMESTAMPTZ))"
            # The session's zone is UTC: naive text cast to TIMESTAMPTZ is read as UTC.
            return f"CASE WHEN {self.offset_sql(column_type)} THEN {aware} ELSE {plain} END"
        return plain

    def offset_sql(self, column_type: str) -> str:
        """SQL condition: the line's ISO timestamp text carries a UTC offset or ``Z``.

        In ISO 8601 a ``+`` or a final ``Z`` is always an offset, and so is a third ``-``
        (after the date's two). LIKE patterns, unlike substrings, copy nothing: cheap enough
        for every line. A false alarm would only cost the time-zone-aware cast, which reads a
        value without an offset as UTC too.
        """
        if column_type != "VARCHAR" or self.timestamp_format:
            return "false"
        text = _q(self.timestamp)
        return f"({text} LIKE '%+%' OR {text} ILIKE '%z' OR {text} LIKE '%-%-%-%')"

    def number_sql(self, column: str) -> str:
        """A numeric column as text, trimmed and without currency symbols."""
        return self.text_sql(_q(column))

    def text_sql(self, expression: str) -> str:
        """What :meth:`number_sql` does, applied to any SQL expression."""
        text = f"trim(CAST({expression} AS VARCHAR))"
        for symbol in self.currency_symbols:
            text = f"trim(replace({text}, {quote_literal(symbol)}, ''))"
        return text

    def always_number(self, column_type: str) -> bool:
        """Whether every value of a column of this type is a number (integer or DOUBLE)."""
        return column_type in EXACT_AS_DOUBLE and self._symbols_not_in_numbers()

    def _symbols_not_in_numbers(self) -> bool:
        return all(set(symbol) - NUMBER_CHARS for symbol in self.currency_symbols)

    def value_sql(self, column: str, column_type: str = "", cast: str | None = None) -> str:
        """A numeric column as DOUBLE: always ``TRY_CAST(number_sql(column) AS DOUBLE)``.

        Trimming and replacing text on every line of a large log costs more than the cast, so
        the value is computed directly wherever that provably gives the same number: integer
        and DOUBLE columns cast exactly (their text form round-trips), and a text that casts
        as written holds only number characters, which trimming and removing symbols that
        each contain some other character cannot change. ``cast`` names a column already
        holding ``TRY_CAST(column AS DOUBLE)`` of a text column, computed once before.
        """
        exact = f"TRY_CAST({self.number_sql(column)} AS DOUBLE)"
        if self.always_number(column_type):
            return f"CAST({_q(column)} AS DOUBLE)"
        if column_type == "VARCHAR" and self._symbols_not_in_numbers():
            direct = _q(cast) if cast else f"TRY_CAST({_q(column)} AS DOUBLE)"
            return f"coalesce({direct}, {exact})"
        return exact

    def amount_sql(self) -> str:
        """SQL expression of a line's amount."""
        if self.amount:
            return self.value_sql(self.amount)
        if self.quantity and self.unit_price:
            return f"{self.value_sql(self.quantity)} * {self.value_sql(self.unit_price)}"
        raise SchemaError("transactions need an 'amount' column or 'quantity' and 'unit_price'")

    def number_columns(self) -> list[str]:
        """The columns read as numbers."""
        return [c for c in (self.amount, self.quantity, self.unit_price) if c is not None]


@dataclass(frozen=True)
class TransactionOptions:
    """Optional purchase features and the returns policy."""

    windows: tuple[int, ...] = ()  # days before as_of, e.g. (90, 180, 365)
    top_categories: int = 5  # category shares for this many categories, the rest as "other"
    returns: Literal["net", "exclude"] = "net"
    date_floor: datetime | None = None  # lines dated earlier are placeholders: excluded
    lifetimes_period: Literal["D", "W", "M"] | None = None  # adds lifetimes_* columns


@dataclass(frozen=True)
class TransactionSummary:
    """What one pass over a transaction log gives: features, line counts and its date range."""

    features: pd.DataFrame  # customer_id + features, one row per customer who bought
    counts: dict[str, int]  # lines used and excluded, by reason
    first: datetime | None  # first timestamp of the log (None when no line is dated)
    last: datetime | None  # last timestamp of the log


def transaction_features(
    lines: pd.DataFrame | TableRef,
    columns: TransactionColumns,
    as_of: datetime,
    options: TransactionOptions | None = None,
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
    options
        Time windows, category shares and the returns policy.

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
    summary = summarize_transactions(lines, columns, as_of, options)
    return summary.features, summary.counts


def summarize_transactions(
    lines: pd.DataFrame | TableRef,
    columns: TransactionColumns,
    as_of: datetime,
    options: TransactionOptions | None = None,
) -> TransactionSummary:
    """:func:`transaction_features` and :func:`time_range` in one pass over the log.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "b"], "order": ["1", "2"],
    ...                     "ts": ["2024-01-01", "2024-03-01"], "amount": [10.0, 5.0]})
    >>> s = summarize_transactions(log, TransactionColumns("order", "ts", "amount"),
    ...                            datetime(2024, 1, 31))
    >>> s.features["customer_id"].tolist(), s.counts["future_lines_excluded"], s.last
    (['a'], 1, datetime.datetime(2024, 3, 1, 0, 0))
    """
    opts = options or TransactionOptions()
    # Lines keyed by raw ids (one per customer) are grouped first and mapped to canonical ids
    # after: the join then runs on one row per customer instead of one per line.
    keyed = lines.raw_keyed if isinstance(lines, TableRef) else None
    if keyed is not None and isinstance(lines, TableRef):
        lines = TableRef(keyed.sql, lines.frames, lines.origin)
    mapping, casts = (keyed.mapping, keyed.numbers) if keyed else (None, {})
    for zoned in (False, True):  # again only when a timestamp has a UTC offset
        con = connect()
        try:
            _register_lines(con, lines, columns, opts.date_floor, zoned, casts)
            with _numbers_first(con, columns):
                features, totals = _aggregate(con, columns, as_of, opts, mapping)
            if totals.lines[_BAD]:
                _check_numbers(con, columns)  # raises, naming the first row that is not a number
        except duckdb.Error as exc:
            raise SchemaError(f"transactions: cannot aggregate ({exc})") from exc
        finally:
            con.close()
        if not totals.zoned:
            break
        logger.info("timestamps with a UTC offset: read again, converted to UTC")

    features = features[features["frequency"] > 0].reset_index(drop=True)
    # Sums of floats depend on summation order; rounding keeps results identical across runs.
    counts_cols = [c for c in features.columns if c.startswith("frequency")]
    floats = [c for c in features.columns if c not in ("customer_id", *counts_cols)]
    features[floats] = features[floats].astype("float64").round(9)
    features[counts_cols] = features[counts_cols].astype("int64")
    features["customer_id"] = features["customer_id"].astype("string")
    too_old = totals.lines[_TOO_OLD]
    counts = {
        "lines": sum(totals.lines),
        "future_lines_excluded": totals.lines[_FUTURE],
        "undated_lines_excluded": totals.lines[_UNDATED],
        "zero_amount_lines_excluded": totals.lines[_ZERO],
    }
    if opts.returns == "exclude":
        counts["return_lines_excluded"] = totals.lines[_NEGATIVE]
    if opts.date_floor is not None:
        counts["lines_before_date_floor_excluded"] = too_old
    used = sum(totals.lines) - too_old
    logger.info("transaction features for %d customers from %d lines", len(features), used)
    return TransactionSummary(features, counts, totals.first, totals.last)


def _moment(value: object) -> datetime | None:
    """A timestamp from the aggregate as a plain datetime (None when missing)."""
    if isinstance(value, datetime) and not pd.isna(value):  # a Timestamp is a datetime
        return pd.Timestamp(value).to_pydatetime()
    return None


# Each line's class (see _aggregate): a purchase or a return counts; the others are left out,
# for the reason their name gives, and counted.
_PURCHASE, _TOO_OLD, _FUTURE, _UNDATED, _ZERO, _NEGATIVE, _BAD, _RETURN = range(8)


@dataclass(frozen=True)
class _Totals:
    """What :func:`_aggregate` finds over the whole log, besides the customers' features."""

    lines: list[int]  # number of lines of each class (index: the class)
    first: datetime | None  # first and last timestamp of any line
    last: datetime | None
    zoned: bool  # some timestamp text has a UTC offset


def _aggregate(
    con: duckdb.DuckDBPyConnection,
    columns: TransactionColumns,
    as_of: datetime,
    opts: TransactionOptions,
    mapping: str | None = None,
) -> tuple[pd.DataFrame, _Totals]:
    """Features of every customer of the view ``checked_lines``, and the log's totals, in one pass.

    The log is read once: lines → orders → customers. Aggregating orders first replaces
    several COUNT(DISTINCT order_id) over all lines by plain counts over far fewer rows. Each
    line gets a class: a purchase or a return (dated up to ``as_of``, not before the date
    floor, kept by the returns policy) counts; the others are only counted, and their amount is
    blanked so that no sum sees it. Lines are grouped by customer, order and class; those
    groups are kept (a materialised CTE) and grouped once by customer, for the features, and
    once by class, for the totals: counting by class per customer would cost a filtered sum
    per class on every group. Customers without any purchase come back with ``frequency`` 0.
    With ``mapping`` (see :class:`~user_segmentation.tables.RawKeyed`) the lines hold raw ids,
    mapped to canonical ids at the end.
    """
    params: list[object] = [pd.Timestamp(as_of).to_pydatetime()]
    per_order, per_customer = _window_sql(opts.windows)
    if columns.category:
        shares = _share_sql(con, params[0], opts.top_categories, len(params) + 1)
        per_order += shares[0]
        per_customer += shares[1]
        params += shares[2]
    # The class is part of the order-level key, so a purchase group's first and last timestamp
    # and sum are the order's first and last purchase and its gross amount.
    classes = [f"WHEN c.bad THEN {_BAD}"]  # an error, reported after the pass
    if opts.date_floor is not None:
        floor = f"TIMESTAMP '{opts.date_floor:%Y-%m-%d %H:%M:%S}'"
        classes.append(f"WHEN c.ts < {floor} THEN {_TOO_OLD}")
    classes += [
        f"WHEN c.ts > $1::TIMESTAMP THEN {_FUTURE}",
        f"WHEN c.ts IS NULL THEN {_UNDATED}",
        f"WHEN coalesce(c.amount, 0) = 0 THEN {_ZERO}",
        f"WHEN c.amount > 0 THEN {_PURCHASE}",
    ]
    if opts.returns == "exclude":
        classes.append(f"WHEN c.amount < 0 THEN {_NEGATIVE}")
    category_in, category = (", c.category", ", category") if columns.category else ("", "")
    customers = "SELECT * FROM c"
    if mapping is not None:
        customers = (
            "SELECT m._canonical_id AS customer_id, c.* EXCLUDE (customer_id) "
            f"FROM c JOIN {mapping} m ON c.customer_id = m._raw_id"
        )
    result = con.execute(
        f"""
        WITH l AS (
            SELECT customer_id, order_id, ts {category}, class, zoned,
                   CASE WHEN class IN ({_PURCHASE}, {_RETURN}) THEN amount END AS amount
            FROM (
                SELECT c.customer_id, c.order_id, c.ts, c.amount, c.zoned {category_in},
                       CASE {" ".join(classes)} ELSE {_RETURN} END AS class
                FROM checked_lines c
            )
        ),
        g AS MATERIALIZED (
            SELECT customer_id, order_id, class, count(*) AS n, min(ts) AS first_ts,
                   max(ts) AS last_ts, sum(amount) AS total, bool_or(zoned) AS zoned
                   {per_order}
            FROM l
            GROUP BY 1, 2, 3
        ),
        o AS (
            SELECT *, CASE WHEN class = {_PURCHASE} THEN first_ts END AS first_buy,
                   CASE WHEN class = {_PURCHASE} THEN last_ts END AS last_buy,
                   CASE WHEN class = {_PURCHASE} THEN total END AS bought,
                   CASE WHEN class = {_RETURN} THEN total ELSE 0 END AS returned
            FROM g
        ),
        c AS (
            SELECT customer_id,
                   date_diff('second', max(last_buy), $1::TIMESTAMP) / 86400.0 AS recency_days,
                   count(bought) AS frequency,
                   greatest(coalesce(sum(bought), 0) + sum(returned), 0) AS monetary,
                   sum(bought) / count(bought) AS avg_order_value,
                   -sum(returned) / sum(bought) AS return_rate,
                   date_diff('second', min(first_buy), $1::TIMESTAMP) / 86400.0 AS tenure_days,
                   CASE WHEN count(bought) > 1 THEN
                       date_diff('second', min(first_buy), max(first_buy)) / 86400.0
                       / (count(bought) - 1) END AS mean_days_between_orders
                   {per_customer}
            FROM o
            GROUP BY customer_id
        )
        {customers}
        UNION ALL BY NAME
        SELECT class AS _class, sum(n) AS _lines, min(first_ts) AS _first,
               max(last_ts) AS _last, bool_or(zoned) AS _zoned
        FROM g
        GROUP BY class
        ORDER BY customer_id, _class
        """,
        params,
    ).df()
    by_class = result["_class"].notna()
    rows = result[by_class]
    lines = [0] * (_RETURN + 1)
    for cls, n in zip(rows["_class"], rows["_lines"], strict=True):
        lines[int(cls)] = int(n)
    totals = _Totals(
        lines,
        _moment(rows["_first"].min()),
        _moment(rows["_last"].max()),
        bool(rows["_zoned"].fillna(False).any()),
    )
    features = result[~by_class].drop(columns=["_class", "_lines", "_first", "_last", "_zoned"])
    return features.reset_index(drop=True), totals


def lines_view(
    con: duckdb.DuckDBPyConnection,
    lines: pd.DataFrame | TableRef,
    columns: TransactionColumns,
    date_floor: datetime | None = None,
) -> None:
    """Register ``lines`` as the view ``lines(customer_id, order_id, ts, amount[, category])``.

    Columns are cast once, so text columns (as read from CSV) work like typed ones. Lines dated
    before ``date_floor`` (placeholder dates such as 1970-01-01) are left out of ``lines``;
    the view ``all_lines`` still has them, for counting. Text that is not a number in an
    amount column is an error naming the row and the value. Timestamps with a UTC offset are
    converted to UTC.
    """
    _register_lines(con, lines, columns, date_floor)
    (bad, zoned), *_ = con.execute(
        "SELECT bool_or(bad), bool_or(zoned) FROM checked_lines"
    ).fetchall()
    if bad:
        _check_numbers(con, columns)
    if zoned:
        _register_lines(con, lines, columns, date_floor, zoned=True)


def _register_lines(
    con: duckdb.DuckDBPyConnection,
    lines: pd.DataFrame | TableRef,
    columns: TransactionColumns,
    date_floor: datetime | None = None,
    zoned: bool = False,
    casts: Mapping[str, str] | None = None,
) -> None:
    """The views of :func:`lines_view`, without the number check, plus ``checked_lines``.

    ``checked_lines`` is ``all_lines`` with a column ``bad``: true on a line whose amount,
    quantity or price is text that is not a number (each number is parsed once for both),
    and a column ``zoned``: true on a line whose timestamp text has a UTC offset, which the
    views read correctly only when registered again with ``zoned`` (see
    :meth:`TransactionColumns.timestamp_sql`). ``casts``: text columns whose values the log
    also holds as DOUBLE, by the name of that column (see ``RawKeyed.numbers``).
    """
    table = lines if isinstance(lines, TableRef) else TableRef.from_frame(lines)
    table.attach(con)
    described = con.execute(f"SELECT * FROM ({table.sql}) LIMIT 0").description
    types = {str(d[0]): str(d[1]) for d in described}
    have = list(types)
    needed = [columns.customer, columns.order, columns.timestamp]
    needed += [
        c for c in (columns.amount, columns.quantity, columns.unit_price, columns.category) if c
    ]
    missing = [c for c in needed if c not in have]
    if missing:
        raise SchemaError(f"transactions: column(s) {missing} not found; have {have}")
    columns.amount_sql()  # raises when neither an amount nor quantity and price are declared
    _execute(con, f"CREATE OR REPLACE TEMP VIEW log AS {table.sql}")
    cust, order = _q(columns.customer), _q(columns.order)
    ts_type = types[columns.timestamp]
    ts = columns.timestamp_sql(ts_type, zoned)
    offset = "false" if zoned else columns.offset_sql(ts_type)
    numbers = columns.number_columns()
    casts = casts or {}
    values = "".join(
        f", {columns.value_sql(col, types[col], casts.get(col))} AS _v{i}, {_q(col)} AS _r{i}"
        for i, col in enumerate(numbers)
    )
    amount = "_v0" if columns.amount else "_v0 * _v1"
    # A typed integer or DOUBLE column is a number on every line: nothing to check there.
    # CASE, not AND: DuckDB evaluates both sides of an AND on every line, trimming included.
    # Huge values (1e308) are corrupt: flagged with the text that is no number, reported after.
    checks = [
        f"(CASE WHEN _v{i} IS NULL THEN {columns.text_sql(f'_r{i}')} <> '' "
        f"ELSE NOT abs(_v{i}) <= {MAX_ABS_VALUE:g} END)"
        if not columns.always_number(types[col])
        else f"coalesce(NOT abs(_v{i}) <= {MAX_ABS_VALUE:g}, false)"
        for i, col in enumerate(numbers)
    ]
    category = ", category" if columns.category else ""
    category_in = f", {_q(columns.category)}::VARCHAR AS category" if columns.category else ""
    _execute(
        con,
        f"""
        CREATE OR REPLACE TEMP VIEW checked_lines AS
        SELECT customer_id, order_id, ts, {amount} AS amount {category},
               {" OR ".join(checks) or "false"} AS bad, zoned
        FROM (
            SELECT {cust} AS customer_id, {order}::VARCHAR AS order_id,
                   {ts} AS ts, {offset} AS zoned {category_in} {values}
            FROM log
        )
        """,
    )
    _execute(
        con,
        "CREATE OR REPLACE TEMP VIEW all_lines AS "
        f"SELECT customer_id, order_id, ts, amount {category} FROM checked_lines",
    )
    floor = (
        ""
        if date_floor is None
        else f" WHERE ts IS NULL OR ts >= TIMESTAMP '{date_floor:%Y-%m-%d %H:%M:%S}'"
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW lines AS SELECT * FROM all_lines{floor}")


def _execute(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        raise SchemaError(f"transactions: cannot read the log ({exc})") from exc


@contextmanager
def _numbers_first(con: duckdb.DuckDBPyConnection, columns: TransactionColumns) -> Iterator[None]:
    """A text that is not a number is reported before any other failure, as it is found first."""
    try:
        yield
    except (duckdb.Error, SchemaError):
        _check_numbers(con, columns)
        _check_timestamps(con, columns)
        raise


def _check_timestamps(con: duckdb.DuckDBPyConnection, columns: TransactionColumns) -> None:
    """A timestamp that does not parse is an error naming its customer, order and value."""
    fmt = columns.timestamp_format
    text = f"CAST({_q(columns.timestamp)} AS VARCHAR)"
    parsed = f"try_strptime(v, {quote_literal(fmt)})" if fmt else "TRY_CAST(v AS TIMESTAMPTZ)"
    hit = con.execute(
        f"SELECT c, o, v FROM (SELECT {_q(columns.customer)} AS c, {_q(columns.order)} AS o, "
        f"{text} AS v FROM log) WHERE trim(v) <> '' AND {parsed} IS NULL LIMIT 1"
    ).fetchall()
    if not hit:
        return
    customer, order, value = hit[0]
    expected = (
        f"a timestamp in the format {fmt!r}"
        if fmt
        else "an ISO 8601 timestamp (YYYY-MM-DD[ hh:mm[:ss]][+hh:mm]); give its format in "
        "features.transactions.timestamp_format, e.g. '%d/%m/%Y %H:%M' (day-first or "
        "month-first is never guessed)"
    )
    raise SchemaError(
        f"transactions: column '{columns.timestamp}', customer {customer!r}, order {order!r}: "
        f"{value!r} is not {expected}"
    )


def _check_numbers(con: duckdb.DuckDBPyConnection, columns: TransactionColumns) -> None:
    """Text that is not a number in an amount column is an error naming row and value."""
    row = con.execute("SELECT bool_or(bad) FROM checked_lines").fetchone()
    if not (row and row[0]):
        return
    for col in columns.number_columns():  # only now pay for row numbers, to name the first bad row
        text = columns.number_sql(col)
        hit = con.execute(
            f"SELECT rn, v FROM (SELECT row_number() OVER () AS rn, {text} AS v FROM log) "
            "WHERE v <> '' AND TRY_CAST(v AS DOUBLE) IS NULL LIMIT 1"
        ).fetchone()
        if hit is not None:
            raise SchemaError(
                f"transactions: column '{col}', data row {hit[0]}: {hit[1]!r} is not a number"
                + number_hint(str(hit[1]))
            )
    for col in columns.number_columns():
        huge = con.execute(
            f"SELECT {_q(columns.customer)}, {_q(columns.order)}, {_q(col)} FROM log "
            f"WHERE NOT abs({columns.value_sql(col)}) <= {MAX_ABS_VALUE:g} LIMIT 1"
        ).fetchall()
        if huge:
            customer, order, value = huge[0]
            raise SchemaError(
                f"transactions: column '{col}', customer {customer!r}, order {order!r}: "
                f"{value!r} is infinite or beyond ±{MAX_ABS_VALUE:g}, not a real amount"
            )


def time_range(
    lines: pd.DataFrame | TableRef, columns: TransactionColumns
) -> tuple[datetime | None, datetime | None]:
    """First and last timestamp of the log (``None`` when it has no dated line).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "b"], "order": ["1", "2"],
    ...                     "ts": ["2024-01-02 10:00", "2024-01-01"], "amount": ["5", "7.5"]})
    >>> time_range(log, TransactionColumns("order", "ts", "amount"))
    (datetime.datetime(2024, 1, 1, 0, 0), datetime.datetime(2024, 1, 2, 10, 0))
    """
    for zoned in (False, True):  # again only when a timestamp has a UTC offset
        with connect() as con:
            _register_lines(con, lines, columns, zoned=zoned)
            try:
                # Only the timestamps are read (DuckDB prunes the view's other columns); text
                # that is not a number is reported by the features pass, or here first when a
                # timestamp fails too.
                with _numbers_first(con, columns):
                    row = con.execute(
                        "SELECT min(ts), max(ts), coalesce(bool_or(zoned), false) "
                        "FROM checked_lines"
                    ).fetchone()
            except duckdb.Error as exc:
                raise SchemaError(
                    f"transactions: timestamp column '{columns.timestamp}': {exc}"
                ) from exc
        if row is None or not row[2]:
            break
    return (row[0], row[1]) if row else (None, None)


def _window_sql(windows: tuple[int, ...]) -> tuple[str, str]:
    """Orders and net spend within each window of days before as_of ($1): order and customer SQL."""
    per_order, per_customer = [], []
    for w in windows:
        if not isinstance(w, int) or w <= 0:
            raise SchemaError(f"transactions: windows must be positive whole days, got {w!r}")
        since = f"$1::TIMESTAMP - INTERVAL {w} DAY"
        per_order.append(
            f", bool_or(amount > 0 AND ts > {since}) AS buy_{w}"
            f", sum(amount) FILTER (WHERE ts > {since}) AS net_{w}"
        )
        per_customer.append(
            f", count(*) FILTER (WHERE buy_{w}) AS frequency_{w}d"
            f", greatest(coalesce(sum(net_{w}), 0), 0) AS monetary_{w}d"
        )
    return "".join(per_order), "".join(per_customer)


def _share_sql(
    con: duckdb.DuckDBPyConnection, as_of: object, top: int, first_param: int
) -> tuple[str, str, list[object]]:
    """Share of each customer's gross purchases in each of the top categories, and the rest.

    Returns the order-level and customer-level SQL and the parameters: category values are
    bound parameters; only their slugs become column names.
    """
    rows = con.execute(
        "SELECT category FROM lines WHERE ts <= $1::TIMESTAMP AND amount > 0 "
        "AND category IS NOT NULL GROUP BY 1 ORDER BY sum(amount) DESC, 1 LIMIT $2",
        [as_of, int(top)],
    ).fetchall()
    names = [str(r[0]) for r in rows]
    per_order, per_customer, used = [], [], {"other"}
    for i, name in enumerate(names):
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "blank"
        while slug in used:
            slug += "_"
        used.add(slug)
        per_order.append(
            f", sum(amount) FILTER (WHERE amount > 0 AND category = ${first_param + i}) AS c_{i}"
        )
        per_customer.append(f", coalesce(sum(c_{i}), 0) / sum(bought) AS {_q('share_' + slug)}")
    listed = ", ".join(f"${first_param + i}" for i in range(len(names))) or "NULL"
    per_order.append(
        ", sum(amount) FILTER (WHERE amount > 0 AND (category IS NULL OR category NOT IN"
        f" ({listed}))) AS c_other"
    )
    per_customer.append(", coalesce(sum(c_other), 0) / sum(bought) AS share_other")
    return "".join(per_order), "".join(per_customer), list(names)
