"""Customer-key canonicalisation: one spelling of each customer id across all sources.

Systems write the same customer differently: ``" 1234"``, ``"00001234"``, ``"1234.0"``. The
rules here are explicit and reported, never guessed per value:

- surrounding whitespace is always stripped; a blank id is a missing id;
- a trailing ``.0`` is dropped only when *every* id of the column looks like an integral float
  (the column was float-typed somewhere upstream), so an id like ``"12.0"`` in a column of
  text ids is kept as written;
- leading zeros are kept unless the source declares ``leading_zeros="strip"`` (some systems
  pad), because ``007`` and ``7`` may be different customers elsewhere;
- case is kept unless the source declares ``case="upper"`` or ``"lower"``.

The rules are written once, as DuckDB SQL, so in-memory tables and out-of-core transaction
logs get exactly the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd

from user_segmentation.tables import TableRef

LeadingZeros = Literal["keep", "strip"]
KeyCase = Literal["keep", "upper", "lower"]

#: Whitespace that is stripped around ids (Python's str.strip() set, minus exotic spaces).
_WS = "' \t\n\r\x0b\x0c'"
_FLOAT_INTEGRAL = r"'-?\d+\.0+'"


@dataclass(frozen=True)
class KeyReport:
    """What canonicalisation changed in one key column."""

    missing: int  # rows without an id (blank or null)
    whitespace_stripped: int
    float_suffix_dropped: int
    leading_zeros_stripped: int
    case_changed: int

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class KeyRule:
    """The canonicalisation of one source's key column, as SQL over a raw text column ``raw``."""

    float_suffix: bool  # every present id looks like an integral float
    leading_zeros: LeadingZeros = "keep"
    case: KeyCase = "keep"

    def stripped(self, raw: str) -> str:
        """Whitespace stripped; blank is NULL."""
        return f"nullif(trim({raw}, {_WS}), '')"

    def unfloated(self, raw: str) -> str:
        """... and ``.0`` dropped when the column is float-looking."""
        s = self.stripped(raw)
        return f"regexp_replace({s}, '\\.0+$', '')" if self.float_suffix else s

    def unpadded(self, raw: str) -> str:
        """... and leading zeros stripped from all-digit ids when declared (``0`` stays)."""
        s = self.unfloated(raw)
        if self.leading_zeros == "keep":
            return s
        unpadded = f"coalesce(nullif(ltrim({s}, '0'), ''), '0')"
        return f"CASE WHEN regexp_full_match({s}, '\\d+') THEN {unpadded} ELSE {s} END"

    def sql(self, raw: str) -> str:
        """The canonical key."""
        s = self.unpadded(raw)
        return {"keep": s, "upper": f"upper({s})", "lower": f"lower({s})"}[self.case]


def key_rule(
    con: duckdb.DuckDBPyConnection,
    table: str,
    raw: str,
    *,
    leading_zeros: LeadingZeros = "keep",
    case: KeyCase = "keep",
) -> tuple[KeyRule, KeyReport]:
    """Decide the rule for the key ``raw`` (SQL text expression) of ``table``; count its effects."""
    probe = KeyRule(False)
    stripped = probe.stripped(raw)
    row = con.execute(
        f"SELECT coalesce(bool_and(regexp_full_match({stripped}, {_FLOAT_INTEGRAL}))"
        f" FILTER (WHERE {stripped} IS NOT NULL), false) FROM {table}"
    ).fetchone()
    rule = KeyRule(bool(row and row[0]), leading_zeros, case)
    counts = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE {rule.sql(raw)} IS NULL),
               count(*) FILTER (WHERE trim({raw}, {_WS}) <> {raw}),
               count(*) FILTER (WHERE {rule.unfloated(raw)} <> {stripped}),
               count(*) FILTER (WHERE {rule.unpadded(raw)} <> {rule.unfloated(raw)}),
               count(*) FILTER (WHERE {rule.sql(raw)} <> {rule.unpadded(raw)})
        FROM {table}
        """
    ).fetchone()
    assert counts is not None
    return rule, KeyReport(*(int(v) for v in counts))


def canonical_keys(
    ids: pd.Series,
    *,
    leading_zeros: LeadingZeros = "keep",
    case: KeyCase = "keep",
) -> tuple[pd.Series, KeyReport]:
    """Return the canonical spelling of each id (missing ids as NA) and what was changed.

    Parameters
    ----------
    ids
        The key column as read (strings; numbers are converted with ``str``).
    leading_zeros
        ``"strip"`` removes leading zeros of all-digit ids (``"007"`` → ``"7"``, ``"0"`` stays).
    case
        ``"upper"``/``"lower"`` fold the case; ``"keep"`` leaves it.

    Examples
    --------
    >>> s, r = canonical_keys(pd.Series([" 12", "0012", None]), leading_zeros="strip")
    >>> s.tolist(), r.missing, r.leading_zeros_stripped
    (['12', '12', <NA>], 1, 1)
    """
    text = pd.DataFrame({"raw": ids.astype("string")})
    ref = TableRef.from_frame(text)
    with duckdb.connect() as con:
        ref.attach(con)
        con.execute(f"CREATE TEMP VIEW k AS {ref.sql}")
        rule, report = key_rule(con, "k", "raw", leading_zeros=leading_zeros, case=case)
        out = con.execute(f"SELECT {rule.sql('raw')} AS key FROM k").df()["key"]
    return pd.Series(out.to_numpy(), index=ids.index, dtype="string"), report
