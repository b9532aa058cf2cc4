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

import duckdb

from user_segmentation.errors import SchemaError
from user_segmentation.tables import quote_identifier


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
