"""Clean one source as a lazy table: canonical key, declared exclusions, duplicates — counted.

Designed for transaction logs larger than memory. The source is scanned once to count rows by
(raw id, first matching exclusion rule): the key rules then run on the distinct ids only and
every count of the data-quality report comes from that small table. A second pass joins the
canonical ids back, drops excluded and duplicate rows, and writes the result once to a file
of the workspace (see :meth:`TableRef.materialize`) that the later stages scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from user_segmentation.integrate.keys import KeyCase, KeyReport, LeadingZeros, map_keys
from user_segmentation.integrate.rules import (
    ExcludeRule,
    bad_number_sql,
    check_rule_columns,
    raise_first_bad_number,
    reason_sql,
)
from user_segmentation.tables import TableRef, connect, quote_identifier

#: The canonical key column of every cleaned table.
CUSTOMER_ID = "customer_id"
MISSING_ID = "missing_customer_id"
_EXAMPLES = 3


@dataclass
class Cleaned:
    """The cleaned rows and what cleaning did."""

    table: TableRef
    rows_read: int
    rows_dropped: dict[str, int]
    rows_kept: int
    key_report: KeyReport
    examples: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def clean_table(
    table: TableRef,
    key: str,
    *,
    rules: tuple[ExcludeRule, ...] = (),
    leading_zeros: LeadingZeros = "keep",
    case: KeyCase = "keep",
    drop_duplicates: bool = True,
    origin: str = "",
) -> Cleaned:
    """Canonicalise the key, drop excluded and duplicate rows, and count everything.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"cust": [" 1.0", "2.0", None, "2.0"], "inv": ["A", "C1", "B", "C1"]})
    >>> out = clean_table(TableRef.from_frame(lines), "cust",
    ...                   rules=(ExcludeRule("inv", "cancelled", starts_with="C"),))
    >>> out.rows_read, out.rows_dropped, out.table.df()["customer_id"].tolist()
    (4, {'cancelled': 2, 'missing_customer_id': 1}, ['1'])
    """
    columns = table.columns()
    check_rule_columns(rules, columns, origin)
    raw = f"CAST({quote_identifier(key)} AS VARCHAR)"
    with connect() as con:
        table.attach(con)
        # The one full pass of the counting step.
        con.execute(
            f"""
            CREATE TEMP TABLE tally AS
            SELECT {raw} AS raw, {reason_sql(rules)} AS reason, {bad_number_sql(rules)} AS bad,
                   count(*) AS n
            FROM ({table.sql}) GROUP BY ALL
            """
        )
        if con.execute("SELECT bool_or(bad) FROM tally").fetchone() == (True,):
            con.execute(f"CREATE TEMP VIEW src AS {table.sql}")
            raise_first_bad_number(con, "src", rules, origin)
        con.execute("CREATE TEMP VIEW raw_keys AS SELECT raw, sum(n) AS n FROM tally GROUP BY 1")
        mapping, key_report, _ = map_keys(con, "raw_keys", leading_zeros=leading_zeros, case=case)
        # Unusual names, so they cannot collide with the source's own columns in joins.
        mapping.columns = ["_raw_id", "_canonical_id"]
        con.register("mapping", mapping)
        rows = con.execute(
            f"""
            SELECT CASE WHEN m._canonical_id IS NULL THEN '{MISSING_ID}' ELSE t.reason END,
                   sum(t.n)
            FROM tally t JOIN mapping m ON t.raw IS NOT DISTINCT FROM m._raw_id
            GROUP BY 1 ORDER BY 2 DESC, 1
            """
        ).fetchall()
    n_read = sum(int(n) for _, n in rows)
    n_kept = sum(int(n) for why, n in rows if why is None)
    dropped = {str(why): int(n) for why, n in rows if why is not None}

    # The canonical ids come from the mapping of distinct ids: a hash join is cheaper than
    # running the string rules on every row of a large log.
    others = "".join(f", t.{quote_identifier(c)}" for c in columns if c != key)
    ids = TableRef.from_frame(mapping, origin)
    (map_name,) = ids.frames
    joined = TableRef(
        f"SELECT m._canonical_id AS {CUSTOMER_ID}{others}, {reason_sql(rules)} AS _reason "
        f"FROM ({table.sql}) t JOIN {map_name} m "
        f"ON CAST(t.{quote_identifier(key)} AS VARCHAR) IS NOT DISTINCT FROM m._raw_id",
        {**table.frames, **ids.frames},
        origin,
    )
    examples = _examples(joined, list(dropped))
    kept = joined.derive(
        f"SELECT {'DISTINCT ' if drop_duplicates else ''}* EXCLUDE (_reason) FROM t "
        f"WHERE {CUSTOMER_ID} IS NOT NULL AND _reason IS NULL"
    ).materialize()
    if drop_duplicates:
        n_unique = kept.count()
        if n_unique < n_kept:
            dropped["duplicate_rows"] = n_kept - n_unique
        n_kept = n_unique
    return Cleaned(kept, n_read, dropped, n_kept, key_report, examples)


def _examples(joined: TableRef, reasons: list[str]) -> dict[str, list[dict[str, str]]]:
    """A few rows of each exclusion reason, as text (scans stop after the first few)."""
    out: dict[str, list[dict[str, str]]] = {}
    with connect() as con:
        joined.attach(con)
        for why in reasons:
            condition = (
                f"{CUSTOMER_ID} IS NULL"
                if why == MISSING_ID
                else f"{CUSTOMER_ID} IS NOT NULL AND _reason = $1"
            )
            params = [] if why == MISSING_ID else [why]
            sample = con.execute(
                f"SELECT * EXCLUDE (_reason) FROM ({joined.sql}) "
                f"WHERE {condition} LIMIT {_EXAMPLES}",
                params,
            ).df()
            out[why] = [
                {str(k): str(v) for k, v in r.items()}
                for r in sample.astype("string").fillna("").to_dict("records")
            ]
    return out
