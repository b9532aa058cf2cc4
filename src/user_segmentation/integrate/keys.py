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

from user_segmentation.tables import connect

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
        return self._unfloat(self.stripped(raw))

    def unpadded(self, raw: str) -> str:
        """... and leading zeros stripped from all-digit ids when declared (``0`` stays)."""
        return self._unpad(self.unfloated(raw))

    def sql(self, raw: str) -> str:
        """The canonical key."""
        return self._fold(self.unpadded(raw))

    # Each step from the one before, so that a query can compute every step once.
    def _unfloat(self, s: str) -> str:
        # Every present id matches -?digits.0+ (checked first), so the part before the dot is it.
        return f"split_part({s}, '.', 1)" if self.float_suffix else s

    def _unpad(self, s: str) -> str:
        if self.leading_zeros == "keep":
            return s
        unpadded = f"coalesce(nullif(ltrim({s}, '0'), ''), '0')"
        return f"CASE WHEN regexp_full_match({s}, '\\d+') THEN {unpadded} ELSE {s} END"

    def _fold(self, s: str) -> str:
        return {"keep": s, "upper": f"upper({s})", "lower": f"lower({s})"}[self.case]


def map_keys(
    con: duckdb.DuckDBPyConnection,
    raw_keys: str,
    *,
    leading_zeros: LeadingZeros = "keep",
    case: KeyCase = "keep",
    into: str = "key_map",
) -> tuple[KeyReport, KeyRule]:
    """Canonical id of every distinct raw id, what changed (counted over rows), and the rule.

    ``raw_keys`` names a table or view of ``con`` with one row per distinct raw id: ``raw``
    (text) and ``n`` (how many rows carry it). Working on distinct ids — far fewer than the
    rows of a transaction log — keeps the string rules off the hot path. The mapping is left
    on ``con`` as the temporary table ``into`` (columns ``raw`` and ``key``, and ``n`` and the
    intermediate steps), to be joined back to the rows.
    """
    # Trimming a set of characters is the costly step: each id is stripped once.
    con.execute(
        f"CREATE TEMP TABLE key_stripped AS SELECT raw, n, {KeyRule(False).stripped('raw')} AS s1 "
        f"FROM {raw_keys}"
    )
    row = con.execute(
        f"SELECT coalesce(bool_and(regexp_full_match(s1, {_FLOAT_INTEGRAL}))"
        " FILTER (WHERE s1 IS NOT NULL), false) FROM key_stripped"
    ).fetchone()
    rule = KeyRule(bool(row and row[0]), leading_zeros, case)
    con.execute(
        f"""
        CREATE TEMP TABLE key_steps AS
        SELECT *, {rule._fold("s3")} AS key FROM (
            SELECT *, {rule._unpad("s2")} AS s3 FROM (
                SELECT *, {rule._unfloat("s1")} AS s2 FROM key_stripped
            )
        )
        """
    )
    con.execute("DROP TABLE key_stripped")
    counts = con.execute(
        """
        SELECT coalesce(sum(n) FILTER (WHERE key IS NULL), 0),
               coalesce(sum(n) FILTER (WHERE coalesce(s1, '') <> raw), 0),
               coalesce(sum(n) FILTER (WHERE s2 <> s1), 0),
               coalesce(sum(n) FILTER (WHERE s3 <> s2), 0),
               coalesce(sum(n) FILTER (WHERE key <> s3), 0)
        FROM key_steps
        """
    ).fetchone()
    assert counts is not None
    con.execute(f"ALTER TABLE key_steps RENAME TO {into}")
    return KeyReport(*(int(v) for v in counts)), rule


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
    frame = pd.DataFrame({"raw": ids.astype("string")})
    with connect() as con:
        con.register("ids", frame)
        con.execute("CREATE TEMP VIEW raw_keys AS SELECT raw, count(*) AS n FROM ids GROUP BY 1")
        report, _ = map_keys(con, "raw_keys", leading_zeros=leading_zeros, case=case)
        mapping = con.execute("SELECT raw, key FROM key_map").df()
    keys = frame["raw"].map(mapping.set_index("raw")["key"])  # a missing id maps to missing
    return pd.Series(keys.to_numpy(), index=ids.index, dtype="string"), report
