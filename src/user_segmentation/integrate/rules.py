"""Declared row-exclusion rules: cancellations, returns, non-sale lines — excluded and counted.

Real transaction logs mix sales with cancellations (Online Retail's invoices starting with
``C``), bad-debt adjustments (non-positive prices) and stock corrections. Which of them to drop is
a business decision, so it is declared per source, never guessed; every excluded row is counted
under the first rule that matched it, with a few examples for the data-quality report.

Rules are SQL conditions, so they run out of core on large logs as well as on DataFrames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from user_segmentation.errors import SchemaError
from user_segmentation.tables import EXACT_AS_DOUBLE, quote_identifier, quote_literal

#: The characters DuckDB's ``trim()`` removes: the Unicode space separators (not tabs).
TRIMMED = frozenset([0x20, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000])


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

    def number(self, column_type: str = "", cast: str = "") -> str:
        """The column as DOUBLE: ``TRY_CAST(text() AS DOUBLE)``, computed the cheap way where
        that gives the same number.

        Integer and DOUBLE columns cast exactly (their text form round-trips). DuckDB's cast
        accepts whitespace around a number, so a text that casts as written gives the number
        its trimmed form gives; only the others pay for trimming. ``cast`` may name a column
        already holding ``TRY_CAST(column AS DOUBLE)`` of a text column.
        """
        careful = f"TRY_CAST({self.text()} AS DOUBLE)"
        column = quote_identifier(self.column)
        if column_type in EXACT_AS_DOUBLE:
            return f"CAST({column} AS DOUBLE)"
        if column_type == "VARCHAR":
            return f"coalesce({cast or f'TRY_CAST({column} AS DOUBLE)'}, {careful})"
        return careful

    def condition(self, column_type: str = "", cast: str = "") -> str:
        """SQL condition true for the rows this rule excludes (missing values never match).

        ``column_type`` (DuckDB's name of the column's type) lets the condition skip work that
        cannot change its result; without it the condition casts and trims every value.
        ``cast``: see :meth:`number`.
        """
        if self.starts_with is not None:
            prefix, ends = (
                quote_literal(self.starts_with),
                self.starts_with[:1] + self.starts_with[-1:],
            )
            if column_type == "VARCHAR" and not any(ord(c) in TRIMMED for c in ends):
                # A text that starts with the prefix keeps it when trimmed: trim() only removes
                # spaces, which neither end of the prefix is. Only a text starting with a space
                # can start with the prefix once trimmed without starting with it now.
                column = quote_identifier(self.column)
                spaces = ", ".join(str(c) for c in sorted(TRIMMED))
                return (
                    f"coalesce(CASE WHEN starts_with({column}, {prefix}) THEN true "
                    f"WHEN unicode({column}) IN ({spaces}) THEN "
                    f"starts_with({self.text()}, {prefix}) ELSE false END, false)"
                )
            return f"coalesce(starts_with({self.text()}, {prefix}), false)"
        if self.at_most is not None:
            number = self.number(column_type, cast)
            return f"coalesce({number} <= {float(self.at_most)!r}, false)"
        listed = ", ".join(quote_literal(v) for v in self.equals)
        return f"coalesce({self.text()} IN ({listed}), false)"


def reason_sql(
    rules: Sequence[ExcludeRule],
    *,
    missing_key: str | None = None,
    types: Mapping[str, str] | None = None,
    casts: Mapping[str, str] | None = None,
) -> str:
    """SQL expression: the reason of the first rule a row matches, NULL when none does.

    ``missing_key`` (a column) puts "missing_customer_id" first, for rows without an id;
    ``types`` (column name → DuckDB type) lets each rule take its cheap form; ``casts``
    (column name → a column holding ``TRY_CAST(column AS DOUBLE)``) spares casting again.
    """
    types, casts = types or {}, casts or {}
    cases = [f"WHEN {missing_key} IS NULL THEN 'missing_customer_id'"] if missing_key else []
    cases += [
        f"WHEN {r.condition(types.get(r.column, ''), casts.get(r.column, ''))} "
        f"THEN {quote_literal(r.reason)}"
        for r in rules
    ]
    return f"CASE {' '.join(cases)} END" if cases else "NULL::VARCHAR"


def check_rule_columns(rules: Sequence[ExcludeRule], columns: Sequence[str], origin: str) -> None:
    """Refuse a rule naming a column the source does not have."""
    for rule in rules:
        if rule.column not in columns:
            raise SchemaError(
                f"{origin}: exclude rule '{rule.reason}' names column '{rule.column}', "
                f"which is not among {list(columns)}"
            )


def bad_number_sql(
    rules: Sequence[ExcludeRule],
    types: Mapping[str, str] | None = None,
    casts: Mapping[str, str] | None = None,
) -> str:
    """SQL condition: a numeric rule's column holds text that is not a number.

    With ``types``, integer and DOUBLE columns are skipped (always numbers) and a text is
    trimmed only when it does not cast as written; ``casts`` as for :func:`reason_sql`.
    """
    tests = []
    for r in rules:
        column_type = (types or {}).get(r.column, "")
        if r.at_most is None or column_type in EXACT_AS_DOUBLE:
            continue
        careful = f"({r.text()} <> '' AND TRY_CAST({r.text()} AS DOUBLE) IS NULL)"
        if column_type == "VARCHAR":
            # CASE, not AND: DuckDB evaluates both sides of an AND on every row.
            column = quote_identifier(r.column)
            cast = (casts or {}).get(r.column) or f"TRY_CAST({column} AS DOUBLE)"
            careful = f"(CASE WHEN {cast} IS NULL THEN {careful} ELSE false END)"
        tests.append(careful)
    return " OR ".join(tests) or "false"


def raise_first_bad_number(
    con: duckdb.DuckDBPyConnection,
    view: str,
    rules: Sequence[ExcludeRule],
    origin: str,
    *,
    row_number: str = "row_number() OVER ()",
) -> None:
    """Name the first row of ``view`` whose value in a numeric rule's column is not a number.

    Called only once a cheap aggregate has found such a row: numbering rows is a slow,
    sequential window (a stored table can pass ``row_number="rowid + 1"`` instead).
    """
    for rule in (r for r in rules if r.at_most is not None):
        hit = con.execute(
            f"SELECT rn, v FROM (SELECT {row_number} AS rn, {rule.text()} AS v FROM {view}) "
            "WHERE v <> '' AND TRY_CAST(v AS DOUBLE) IS NULL ORDER BY rn LIMIT 1"
        ).fetchone()
        if hit is not None:
            raise SchemaError(
                f"{origin}: column '{rule.column}', data row {hit[0]}: {hit[1]!r} is not a "
                f"number (rule '{rule.reason}')"
            )
