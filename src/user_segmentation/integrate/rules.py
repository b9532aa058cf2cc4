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
from user_segmentation.tables import TableRef, quote_identifier

_EXAMPLES = 3
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
    if isinstance(table, pd.DataFrame):
        kept, counts, examples = _apply(TableRef.from_frame(table), rules, origin)
        return (kept.df() if counts else table), counts, examples
    return _apply(table, rules, origin)


def _apply(
    table: TableRef, rules: Sequence[ExcludeRule], origin: str
) -> tuple[TableRef, Counts, Examples]:
    if not rules:
        return table, {}, {}
    columns = table.columns()
    for rule in rules:
        if rule.column not in columns:
            raise SchemaError(
                f"{origin}: exclude rule '{rule.reason}' names column '{rule.column}', "
                f"which is not among {columns}"
            )
    counts: Counts = {}
    examples: Examples = {}
    with duckdb.connect() as con:
        table.attach(con)
        con.execute(
            f"CREATE TEMP VIEW t AS SELECT row_number() OVER () AS _row, * FROM ({table.sql})"
        )
        for rule in (r for r in rules if r.at_most is not None):
            _check_numeric(con, rule, origin)
        earlier = "false"
        for rule in rules:
            first_hit = f"{rule.condition()} AND NOT ({earlier})"
            n = con.execute(f"SELECT count(*) FROM t WHERE {first_hit}").fetchone()
            if n and n[0]:
                counts[rule.reason] = counts.get(rule.reason, 0) + int(n[0])
                sample = con.execute(
                    f"SELECT * EXCLUDE (_row) FROM t WHERE {first_hit} "
                    f"ORDER BY _row LIMIT {_EXAMPLES}"
                ).df()
                rows = sample.astype("string").fillna("").to_dict("records")
                examples.setdefault(rule.reason, []).extend(
                    {str(k): str(v) for k, v in r.items()} for r in rows
                )
            earlier = f"{earlier} OR {rule.condition()}"
    return table.where(f"NOT ({earlier})"), counts, examples


def _check_numeric(con: duckdb.DuckDBPyConnection, rule: ExcludeRule, origin: str) -> None:
    """A numeric rule on a value that is not a number is an error naming row and value."""
    bad = con.execute(
        f"SELECT _row, {rule.text()} FROM t WHERE {rule.text()} <> '' "
        f"AND TRY_CAST({rule.text()} AS DOUBLE) IS NULL ORDER BY _row LIMIT 1"
    ).fetchone()
    if bad is not None:
        raise SchemaError(
            f"{origin}: column '{rule.column}', data row {bad[0]}: {bad[1]!r} is not a number "
            f"(rule '{rule.reason}')"
        )
