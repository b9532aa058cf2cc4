"""Declared row-exclusion rules: cancellations, returns, non-sale lines — excluded and counted.

Real transaction logs mix sales with cancellations (Online Retail's invoices starting with
``C``), bad-debt adjustments (non-positive prices) and stock corrections. Which of them to drop is
a business decision, so it is declared per source, never guessed; every excluded row is counted
under the first rule that matched it, with a few examples for the data-quality report.

Rules are SQL conditions, so they run out of core on large logs as well as on DataFrames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import duckdb
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.tables import TableRef, connect, quote_identifier

_EXAMPLES = 3
#: Column added while rules are applied: the reason a row is excluded, NULL when kept.
REASON = "_excluded_because"
Counts = dict[str, int]
Examples = dict[str, list[dict[str, str]]]


def _literal(text: str) -> str:
    # Rule values come from the project file; a SQL string literal with quotes doubled.
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ExcludeRule:
    """Exclude rows whose ``column`` starts with a prefix, is at most a number, or is listed."""

    column: str
    reason: str
    starts_with: str | None = None
    at_most: float | None = None
    equals: tuple[str, ...] = ()

    def text(self) -> str:
        """The column as stripped text."""
        return f"trim(CAST({quote_identifier(self.column)} AS VARCHAR))"

    def condition(self) -> str:
        """SQL condition true for the rows this rule excludes (missing values never match)."""
        if self.starts_with is not None:
            return f"coalesce(starts_with({self.text()}, {_literal(self.starts_with)}), false)"
        if self.at_most is not None:
            return f"coalesce(TRY_CAST({self.text()} AS DOUBLE) <= {float(self.at_most)!r}, false)"
        listed = ", ".join(_literal(v) for v in self.equals)
        return f"coalesce({self.text()} IN ({listed}), false)"


def reason_sql(rules: Sequence[ExcludeRule], *, missing_key: str | None = None) -> str:
    """SQL expression: the reason of the first rule a row matches, NULL when none does.

    ``missing_key`` (a column) puts "missing_customer_id" first, for rows without an id.
    """
    cases = [f"WHEN {missing_key} IS NULL THEN 'missing_customer_id'"] if missing_key else []
    cases += [f"WHEN {r.condition()} THEN {_literal(r.reason)}" for r in rules]
    return f"CASE {' '.join(cases)} END" if cases else "NULL::VARCHAR"


def check_rule_columns(rules: Sequence[ExcludeRule], columns: Sequence[str], origin: str) -> None:
    """Refuse a rule naming a column the source does not have."""
    for rule in rules:
        if rule.column not in columns:
            raise SchemaError(
                f"{origin}: exclude rule '{rule.reason}' names column '{rule.column}', "
                f"which is not among {list(columns)}"
            )


def bad_number_sql(rules: Sequence[ExcludeRule]) -> str:
    """SQL condition: a numeric rule's column holds text that is not a number."""
    tests = [
        f"({r.text()} <> '' AND TRY_CAST({r.text()} AS DOUBLE) IS NULL)"
        for r in rules
        if r.at_most is not None
    ]
    return " OR ".join(tests) or "false"


def raise_first_bad_number(
    con: duckdb.DuckDBPyConnection, view: str, rules: Sequence[ExcludeRule], origin: str
) -> None:
    """Name the first row of ``view`` whose value in a numeric rule's column is not a number.

    Called only once a cheap aggregate has found such a row: numbering rows is a slow,
    sequential window.
    """
    for rule in (r for r in rules if r.at_most is not None):
        hit = con.execute(
            f"SELECT rn, v FROM (SELECT row_number() OVER () AS rn, {rule.text()} AS v "
            f"FROM {view}) WHERE v <> '' AND TRY_CAST(v AS DOUBLE) IS NULL LIMIT 1"
        ).fetchone()
        if hit is not None:
            raise SchemaError(
                f"{origin}: column '{rule.column}', data row {hit[0]}: {hit[1]!r} is not a "
                f"number (rule '{rule.reason}')"
            )


def split_reasons(table: TableRef) -> tuple[TableRef, Counts, Examples]:
    """From a table with a :data:`REASON` column: the kept rows, counts and examples by reason."""
    with connect() as con:
        table.attach(con)
        rows = con.execute(
            f"SELECT {REASON}, count(*) FROM ({table.sql}) WHERE {REASON} IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        counts = {str(reason): int(n) for reason, n in rows}
        examples: Examples = {}
        for reason in counts:
            sample = con.execute(
                f"SELECT * EXCLUDE ({REASON}) FROM ({table.sql}) WHERE {REASON} = $1 "
                f"LIMIT {_EXAMPLES}",
                [reason],
            ).df()
            examples[reason] = [
                {str(k): str(v) for k, v in r.items()}
                for r in sample.astype("string").fillna("").to_dict("records")
            ]
    kept = table.derive(f"SELECT * EXCLUDE ({REASON}) FROM t WHERE {REASON} IS NULL")
    return kept, counts, examples


@overload
def apply_rules(
    table: pd.DataFrame, rules: Sequence[ExcludeRule], origin: str
) -> tuple[pd.DataFrame, Counts, Examples]: ...
@overload
def apply_rules(
    table: TableRef, rules: Sequence[ExcludeRule], origin: str
) -> tuple[TableRef, Counts, Examples]: ...
def apply_rules(
    table: pd.DataFrame | TableRef, rules: Sequence[ExcludeRule], origin: str
) -> tuple[pd.DataFrame | TableRef, Counts, Examples]:
    """Drop the rows matched by ``rules``; return the kept rows, counts and examples by reason.

    ``table`` is a DataFrame (kept rows come back as one, in their order) or a lazy table.

    Examples
    --------
    >>> lines = pd.DataFrame({"invoice": ["1", "C2", "3"], "price": [2.0, 2.0, 0.0]})
    >>> kept, counts, _ = apply_rules(lines, [
    ...     ExcludeRule("invoice", "cancelled invoice", starts_with="C"),
    ...     ExcludeRule("price", "non-positive price", at_most=0)], "sales.csv")
    >>> kept["invoice"].tolist(), counts
    (['1'], {'cancelled invoice': 1, 'non-positive price': 1})
    """
    if not rules:
        return table, {}, {}
    ref = TableRef.from_frame(table) if isinstance(table, pd.DataFrame) else table
    check_rule_columns(rules, ref.columns(), origin)
    with connect() as con:
        ref.attach(con)
        con.execute(f"CREATE TEMP VIEW src AS {ref.sql}")
        if con.execute(f"SELECT bool_or({bad_number_sql(rules)}) FROM src").fetchone() == (True,):
            raise_first_bad_number(con, "src", rules, origin)
    kept, counts, examples = split_reasons(
        ref.derive(f"SELECT *, {reason_sql(rules)} AS {REASON} FROM t")
    )
    if isinstance(table, pd.DataFrame):
        return (kept.df() if counts else table), counts, examples
    return kept, counts, examples
