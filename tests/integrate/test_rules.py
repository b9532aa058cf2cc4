"""Declared exclusion rules: which rows go, counted by reason, with examples."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from user_segmentation.errors import SchemaError
from user_segmentation.integrate.cleaning import clean_table
from user_segmentation.integrate.combine import SourceTable, integrate
from user_segmentation.integrate.rules import TRIMMED, ExcludeRule, bad_number_sql
from user_segmentation.tables import TableRef

LINES = pd.DataFrame(
    {
        "customer": ["1", "1", "2", "2", "3"],
        "invoice": ["A1", "C2", "A3", "A4", " C5"],
        "qty": ["2", "-1", "0", "3", "1"],
        "price": [1.5, 1.5, 2.0, -4.0, 1.0],
        "code": ["X", "X", "POST", "X", "X"],
    }
)


def apply_rules(
    lines: pd.DataFrame, rules: list[ExcludeRule], origin: str
) -> tuple[pd.DataFrame, dict[str, int], dict[str, list[dict[str, str]]]]:
    """The rules through the cleaning step; kept rows sorted, as a lazy table has no order."""
    out = clean_table(
        TableRef.from_frame(lines), "customer", rules=tuple(rules), drop_duplicates=False,
        origin=origin,
    )  # fmt: skip
    kept = out.table.df().sort_values("invoice", ignore_index=True)
    return kept, out.rows_dropped, out.examples


def test_each_row_is_counted_under_the_first_rule_that_matches() -> None:
    rules = [
        ExcludeRule("invoice", "cancelled", starts_with="C"),
        ExcludeRule("qty", "non-positive quantity", at_most=0),
        ExcludeRule("price", "non-positive price", at_most=0),
    ]
    kept, counts, examples = apply_rules(LINES, rules, "sales.csv")
    # " C5" counts as cancelled (whitespace stripped); C2 has qty -1 but is counted once.
    assert kept["invoice"].tolist() == ["A1"]
    assert counts == {"cancelled": 2, "non-positive quantity": 1, "non-positive price": 1}
    assert sorted(e["invoice"] for e in examples["cancelled"]) == [" C5", "C2"]


def test_equals_excludes_listed_codes() -> None:
    kept, counts, _ = apply_rules(LINES, [ExcludeRule("code", "postage", equals=("POST",))], "f")
    assert counts == {"postage": 1} and "POST" not in kept["code"].tolist()


def test_unknown_column_is_named() -> None:
    with pytest.raises(SchemaError, match="'Quantity'"):
        apply_rules(LINES, [ExcludeRule("Quantity", "neg", at_most=0)], "sales.csv")


def test_text_in_a_numeric_rule_names_row_and_value() -> None:
    bad = LINES.assign(qty=["2", "two", "0", "3", "1"])
    with pytest.raises(SchemaError, match=r"sales.csv: column 'qty', data row 2: 'two'"):
        apply_rules(bad, [ExcludeRule("qty", "neg", at_most=0)], "sales.csv")


def test_integrate_reports_excluded_rows_and_keeps_customers_with_sales_only() -> None:
    src = SourceTable(
        "sales",
        LINES,
        "customer",
        "transactions",
        exclude=(
            ExcludeRule("invoice", "cancelled", starts_with="C"),
            ExcludeRule("price", "non-positive price", at_most=0),
        ),
    )
    out = integrate([src], ["sales"])
    info = out.quality["sources"]["sales"]
    assert info["rows_dropped"] == {"cancelled": 2, "non-positive price": 1}
    assert info["rows_kept"] == 2
    # Customer 3 had only a cancelled invoice: not a customer of the segmented base.
    assert out.customers["customer_id"].tolist() == ["1", "2"]


# --- the cheap forms of the rules give the careful forms' answers ------------------------------

_TEXTS = st.lists(
    st.text(alphabet="0123456789+-.eEnaif C \t\u00a0\u2007\u3000\u200bx", max_size=7) | st.none(),
    min_size=1,
    max_size=30,
)


def _agree(texts: list[str | None], *pairs: tuple[str, str]) -> bool:
    """Whether each (fast, careful) pair of SQL expressions over ``x`` agrees on every text."""
    con = duckdb.connect()
    con.register("v", pd.DataFrame({"x": pd.Series(texts, dtype="object")}))
    same = " AND ".join(f"(({f}) IS NOT DISTINCT FROM ({c}))" for f, c in pairs)
    row = con.execute(
        f"SELECT bool_and({same}) FROM (SELECT x, TRY_CAST(x AS DOUBLE) AS x_number FROM v)"
    )
    return bool(row.fetchone()[0])  # type: ignore[index]


@settings(max_examples=100, deadline=None)
@given(_TEXTS, st.sampled_from(["C", " C", "C ", "C\u00a0", "\u3000C", "", "-1", "e"]))
def test_starts_with_on_text_agrees_with_the_trimmed_form(texts: list, prefix: str) -> None:
    rule = ExcludeRule("x", "r", starts_with=prefix)
    assert _agree(texts, (rule.condition("VARCHAR"), rule.condition()))


@settings(max_examples=100, deadline=None)
@given(_TEXTS, st.sampled_from([0.0, -1.0, 2.5]))
def test_at_most_on_text_agrees_with_the_trimmed_form(texts: list, at_most: float) -> None:
    rule = ExcludeRule("x", "r", at_most=at_most)
    casts = {"x": "x_number"}
    assert _agree(
        texts,
        (rule.condition("VARCHAR"), rule.condition()),
        (rule.condition("VARCHAR", cast="x_number"), rule.condition()),
        (bad_number_sql([rule], {"x": "VARCHAR"}, casts), bad_number_sql([rule])),
    )


def test_trim_removes_exactly_the_characters_the_rules_expect() -> None:
    con = duckdb.connect()
    every = pd.DataFrame({"c": [chr(i) for i in range(1, 0x3100)]})
    con.register("v", every)
    trimmed = con.execute("SELECT c FROM v WHERE trim('x' || c || c) = 'x'").fetchall()
    assert {ord(c) for (c,) in trimmed} == TRIMMED


@pytest.mark.parametrize(
    ("sql_type", "values"),
    [
        ("BIGINT", ["0", "-1", "7", str(2**53 + 1)]),
        ("DOUBLE", ["0.0", "-0.0", "0.1", "-5e-324", "inf", "-inf", "nan"]),
    ],
)
def test_numeric_columns_skip_the_text_round_trip(sql_type: str, values: list[str]) -> None:
    rule = ExcludeRule("x", "r", at_most=0)
    con = duckdb.connect()
    rows = ", ".join(f"('{v}')" for v in values) + ", (NULL)"
    con.execute(f"CREATE TABLE w AS SELECT CAST(x AS {sql_type}) AS x FROM (VALUES {rows}) t(x)")
    same = f"bool_and(({rule.condition(sql_type)}) = ({rule.condition()}))"
    assert con.execute(f"SELECT {same} FROM w").fetchone() == (True,)
    assert bad_number_sql([rule], {"x": sql_type}) == "false"
