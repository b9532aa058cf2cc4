"""Clean one source as a lazy table: canonical key, declared exclusions, duplicates — counted.

Designed for transaction logs larger than memory. The source is parsed once, with each row's
exclusion reason, into a table of the workspace database (held in memory up to its limit,
spilled to disk beyond; see :mod:`user_segmentation.tables`). Every later step reads that
table, never the file again:

1. counting: rows by (raw id, exclusion reason). The key rules then run on the distinct ids
   only, and every count of the data-quality report comes from that small table;
2. duplicates: a 64-bit hash of every kept row, sorted by NumPy. Only the rows whose hash
   occurs more than once are compared column by column, so exact duplicates are found
   without grouping every row by all its columns;
3. the cleaned rows are a view: the parsed rows joined to their canonical ids, without the
   excluded rows and without the later copies of duplicate rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from user_segmentation.errors import SourceError
from user_segmentation.integrate.keys import KeyCase, KeyReport, LeadingZeros, map_keys
from user_segmentation.integrate.rules import (
    ExcludeRule,
    bad_number_sql,
    check_rule_columns,
    raise_first_bad_number,
    reason_sql,
)
from user_segmentation.tables import (
    Frame,
    RawKeyed,
    StoredTable,
    TableRef,
    connect,
    quote_identifier,
    quote_literal,
)

logger = logging.getLogger(__name__)

#: The canonical key column of every cleaned table.
CUSTOMER_ID = "customer_id"
MISSING_ID = "missing_customer_id"
_EXAMPLES = 3
#: At most this many row hashes (8 bytes each) are sorted at once, outside DuckDB's memory.
_HASHES_PER_PASS = 1 << 25
#: Raw ids that stand for no id (blank text) listed in SQL at most; beyond, rows are joined.
_LISTED_BLANKS = 20


@dataclass
class Cleaned:
    """The cleaned rows and what cleaning did."""

    table: TableRef
    rows_read: int
    rows_dropped: dict[str, int]
    rows_kept: int
    key_report: KeyReport
    examples: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: The distinct canonical ids of the kept rows, sorted.
    customer_ids: pd.Index = field(default_factory=lambda: pd.Index([], dtype="string"))


@dataclass(frozen=True)
class _Parsed:
    """A source parsed into a stored table, and SQL reading it with the source's column names.

    ``sql`` has the source's columns, the exclusion reason (column ``reason``), whether a
    numeric rule's column holds text that is not a number (column ``bad``), the row's
    position in the source (column ``row``, 0-based) and, for each text column a numeric rule
    reads, its values as DOUBLE (``TRY_CAST``), in the column that ``numbers`` names.
    """

    stored: StoredTable
    sql: str
    row: str
    reason: str
    bad: str
    hash: str  # a 64-bit hash of the row's source columns (the id as text): for duplicates
    numbers: dict[str, str]  # text column → the column of its values as DOUBLE


def clean_table(
    table: TableRef,
    key: str,
    *,
    rules: tuple[ExcludeRule, ...] = (),
    leading_zeros: LeadingZeros = "keep",
    case: KeyCase = "keep",
    drop_duplicates: bool = True,
    origin: str = "",
    types: Mapping[str, str] | None = None,
) -> Cleaned:
    """Canonicalise the key, drop excluded and duplicate rows, and count everything.

    ``types`` (column name → DuckDB type, as :meth:`TableRef.types` gives them) spares
    looking at the source again when the caller already has them.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"cust": [" 1.0", "2.0", None, "2.0"], "inv": ["A", "C1", "B", "C1"]})
    >>> out = clean_table(TableRef.from_frame(lines), "cust",
    ...                   rules=(ExcludeRule("inv", "cancelled", starts_with="C"),))
    >>> out.rows_read, out.rows_dropped, out.table.df()["customer_id"].tolist()
    (4, {'cancelled': 2, 'missing_customer_id': 1}, ['1'])
    """
    types = dict(types or table.types())  # the caller may know them: a CSV is sniffed once
    columns = list(types)
    check_rule_columns(rules, columns, origin)
    parsed = _parse(table, types, rules, key if drop_duplicates else None, origin)
    raw = f"CAST(s.{quote_identifier(key)} AS VARCHAR)"
    with connect() as con:
        # The counting step: one pass over the parsed rows.
        con.execute(
            f"""
            CREATE TEMP TABLE tally AS
            SELECT {raw} AS raw, s.{parsed.reason} AS reason, s.{parsed.bad} AS bad,
                   count(*) AS n
            FROM ({parsed.sql}) s GROUP BY ALL
            """
        )
        if con.execute("SELECT bool_or(bad) FROM tally").fetchone() == (True,):
            raise_first_bad_number(
                con, f"({parsed.sql})", rules, origin, row_number=f"{parsed.row} + 1"
            )
        con.execute("CREATE TEMP VIEW raw_keys AS SELECT raw, sum(n) AS n FROM tally GROUP BY 1")
        _refuse_nul_ids(con, origin, key)
        key_report, _ = map_keys(
            con, "raw_keys", leading_zeros=leading_zeros, case=case, into="key_map"
        )
        # Unusual names, so they cannot collide with the source's own columns in joins.
        con.execute(
            "CREATE TEMP VIEW mapping AS SELECT raw AS _raw_id, key AS _canonical_id FROM key_map"
        )
        con.execute(
            "CREATE TEMP TABLE tallied AS SELECT t.reason, t.n, t.raw, m.key FROM tally t "
            "JOIN key_map m ON t.raw IS NOT DISTINCT FROM m.raw"
        )
        rows = con.execute(
            f"""
            SELECT CASE WHEN key IS NULL THEN '{MISSING_ID}' ELSE reason END, sum(n)
            FROM tallied GROUP BY 1 ORDER BY 2 DESC, 1
            """
        ).fetchall()
        n_read = sum(int(n) for _, n in rows)
        n_kept = sum(int(n) for why, n in rows if why is None)
        dropped = {str(why): int(n) for why, n in rows if why is not None}
        kept_ids = con.execute(
            "SELECT key, count(DISTINCT raw) AS spellings FROM tallied "
            "WHERE reason IS NULL AND key IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).df()
        # Each canonical id with one raw spelling among the kept rows: see _later_copies.
        one_spelling = bool((kept_ids["spellings"] == 1).all())
        others = [c for c in columns if c != key]
        examples = _examples(con, parsed, key, others, list(dropped))
        # The canonical ids come from the mapping of distinct ids: a hash join is cheaper than
        # running the string rules on every row of a large log.
        ids = StoredTable.create(
            "SELECT _raw_id, _canonical_id FROM mapping WHERE _canonical_id IS NOT NULL",
            con=con,
        )
        blank = [  # raw ids that are no id (blank text), to be left out without the join
            str(r[0])
            for r in con.execute(
                "SELECT _raw_id FROM mapping WHERE _canonical_id IS NULL "
                f"AND _raw_id IS NOT NULL LIMIT {_LISTED_BLANKS + 1}"
            ).fetchall()
        ]

    kept_rows = _kept_rows(parsed, parsed.sql, ids, key)
    frames: dict[str, Frame] = {parsed.stored.name: parsed.stored, ids.name: ids}
    not_copies = ""
    if drop_duplicates and n_kept:
        copies = _later_copies(parsed, ids, key, others, one_spelling, n_kept)
        if copies is not None:
            n_copies = TableRef.from_stored(copies).count()
            dropped["duplicate_rows"] = n_copies
            n_kept -= n_copies
            not_copies = f" AND s.{parsed.row} NOT IN (SELECT _row FROM {copies.name})"
            frames[copies.name] = copies
    listed = "".join(f", s.{quote_identifier(c)}" for c in others)
    raw_keyed = None
    if one_spelling and len(blank) <= _LISTED_BLANKS:
        # The same rows without the join: an id is kept when it is not missing.
        unlisted = "".join(f" AND {raw} <> {quote_literal(b)}" for b in blank)
        numbers = "".join(f", s.{c}" for c in parsed.numbers.values())
        raw_keyed = RawKeyed(
            f"SELECT {raw} AS {CUSTOMER_ID}{listed}{numbers} FROM ({parsed.sql}) s "
            f"WHERE s.{parsed.reason} IS NULL AND {raw} IS NOT NULL{unlisted}{not_copies}",
            ids.name,
            parsed.numbers,
        )
    kept = TableRef(
        f"SELECT m._canonical_id AS {CUSTOMER_ID}{listed} {kept_rows}{not_copies}",
        frames,
        origin,
        raw_keyed,
    )
    customer_ids = pd.Index(kept_ids["key"], dtype="string", name=None)
    return Cleaned(kept, n_read, dropped, n_kept, key_report, examples, customer_ids)


def _refuse_nul_ids(con: duckdb.DuckDBPyConnection, origin: str, key: str) -> None:
    """An id holding a NUL byte is binary data or a misread encoding, never a customer."""
    hit = con.execute(
        "SELECT raw FROM raw_keys WHERE contains(raw, chr(0)) ORDER BY raw LIMIT 1"
    ).fetchall()
    if hit:
        raise SourceError(
            f"{origin}: column '{key}': id {hit[0][0]!r} holds a NUL byte (binary data, or a "
            "UTF-16 file read with the wrong encoding: set encoding)"
        )


def _kept_rows(parsed: _Parsed, rows: str, ids: StoredTable, key: str) -> str:
    """``FROM ... WHERE ...`` of the kept ones among ``rows`` (SQL over the parsed rows): ``s``
    the row, ``m._canonical_id`` its canonical id."""
    return (
        f"FROM ({rows}) s JOIN {ids.name} m ON CAST(s.{quote_identifier(key)} AS VARCHAR) = "
        f"m._raw_id WHERE s.{parsed.reason} IS NULL"
    )


def _parse(
    table: TableRef,
    types: dict[str, str],
    rules: tuple[ExcludeRule, ...],
    key: str | None,
    origin: str,
) -> _Parsed:
    """Read the source once into a stored table, with each row's exclusion reason.

    With ``key`` (the id column), each row's hash too, for finding duplicates.
    """
    taken = {c.lower() for c in types}  # DuckDB's identifiers ignore case

    def fresh(name: str) -> str:
        while name.lower() in taken:
            name = "_" + name
        taken.add(name.lower())
        return name

    reason, bad, row, hashed = fresh("_reason"), fresh("_bad"), fresh("_row"), fresh("_hash")
    # A column named rowid would hide the table's row ids: it is stored under another name.
    stored_as = {c: fresh("_rowid") if c.lower() == "rowid" else c for c in types}
    listed = ", ".join(f"{quote_identifier(c)} AS {quote_identifier(stored_as[c])}" for c in types)
    # Each text a numeric rule reads is cast once, for the rule, the number check and the
    # features (quantities and prices of a log are such columns): the cast is stored.
    texts = sorted(
        {r.column for r in rules if r.at_most is not None and types[r.column] == "VARCHAR"}
    )
    casts = {c: fresh("_number") for c in texts}
    cast_sql = "".join(f", TRY_CAST({quote_identifier(c)} AS DOUBLE) AS {casts[c]}" for c in texts)
    stored_casts = "".join(f", {casts[c]}" for c in texts)
    hashed_columns = ", ".join(
        f"CAST({quote_identifier(c)} AS VARCHAR)" if c == key else quote_identifier(c)
        for c in types
    )
    row_hash = f"hash({hashed_columns})" if key is not None else "NULL::UBIGINT"
    try:
        stored = StoredTable.create(
            f"SELECT {listed}{stored_casts}, "
            f"{reason_sql(rules, types=types, casts=casts)} AS {reason}, "
            f"{bad_number_sql(rules, types, casts)} AS {bad}, {row_hash} AS {hashed} "
            f"FROM (SELECT *{cast_sql} FROM ({table.sql}))",
            table.frames,
        )
    except duckdb.Error as exc:
        raise SourceError(f"{origin}: cannot read the rows: {exc}") from exc
    renamed = "".join(f", {quote_identifier(stored_as[c])} AS {quote_identifier(c)}" for c in types)
    # Rows are stored in the source's order, so a row id is the 0-based data row number.
    sql = (
        f"SELECT rowid AS {row}{renamed}{stored_casts}, {reason}, {bad}, {hashed} "
        f"FROM {stored.name}"
    )
    return _Parsed(stored, sql, row, reason, bad, hashed, casts)


def _later_copies(
    parsed: _Parsed,
    ids: StoredTable,
    key: str,
    others: list[str],
    one_spelling: bool,
    n_kept: int,
) -> StoredTable | None:
    """The rows (column ``_row``) repeating an earlier kept row exactly; None when there are none.

    Equal rows have equal hashes, so only rows whose hash occurs more than once can be
    duplicates; they alone are compared column by column. When each canonical id has one raw
    spelling among the kept rows, equal raw ids mean equal canonical ids and the hash stored
    with the parsed rows serves; otherwise the hash is taken over the canonical ids.
    """
    listed = "".join(f", s.{quote_identifier(c)}" for c in others)
    if one_spelling:
        hashed = f"s.{parsed.hash}"
        source = f"FROM ({parsed.sql}) s WHERE s.{parsed.reason} IS NULL"
    else:
        hashed, source = f"hash(m._canonical_id{listed})", _kept_rows(parsed, parsed.sql, ids, key)
    passes = -(-n_kept // _HASHES_PER_PASS)
    repeated: list[np.ndarray] = []
    with connect() as con:
        for part in range(passes):
            hashes = con.execute(
                f"SELECT h FROM (SELECT {hashed} AS h {source}) WHERE h % {passes} = {part}"
            ).fetchnumpy()["h"]
            ordered = np.sort(np.asarray(hashes))
            repeated.append(np.unique(ordered[1:][ordered[1:] == ordered[:-1]]))
    shared = np.concatenate(repeated)
    if not len(shared):
        return None
    rows = parsed.sql
    if one_spelling:  # the few candidates first, then their canonical ids
        rows = f"SELECT * FROM ({rows}) WHERE {parsed.hash} IN (SELECT h FROM shared)"
    copies = StoredTable.create(
        f"""
        SELECT _row FROM (
            SELECT s.{parsed.row} AS _row,
                   row_number() OVER (PARTITION BY m._canonical_id{listed}
                                      ORDER BY s.{parsed.row}) AS _copy
            {_kept_rows(parsed, rows, ids, key)} AND {hashed} IN (SELECT h FROM shared)
        ) WHERE _copy > 1
        """,
        {"shared": pd.DataFrame({"h": shared})},
    )
    logger.debug("%d hashes repeat; later copies in %s", len(shared), copies.name)
    return copies


def _examples(
    con: duckdb.DuckDBPyConnection, parsed: _Parsed, key: str, others: list[str], reasons: list[str]
) -> dict[str, list[dict[str, str]]]:
    """A few rows of each exclusion reason, as text (scans stop after the first few).

    ``con`` has the id mapping as the view ``mapping``.
    """
    listed = "".join(f", s.{quote_identifier(c)}" for c in others)
    joined = (
        f"SELECT m._canonical_id AS {CUSTOMER_ID}{listed}, s.{parsed.reason} "
        f"FROM ({parsed.sql}) s JOIN mapping m "
        f"ON CAST(s.{quote_identifier(key)} AS VARCHAR) IS NOT DISTINCT FROM m._raw_id"
    )
    out: dict[str, list[dict[str, str]]] = {}
    for why in reasons:
        condition = (
            f"{CUSTOMER_ID} IS NULL"
            if why == MISSING_ID
            else f"{CUSTOMER_ID} IS NOT NULL AND {parsed.reason} = $1"
        )
        params = [] if why == MISSING_ID else [why]
        sample = con.execute(
            f"SELECT * EXCLUDE ({parsed.reason}) FROM ({joined}) "
            f"WHERE {condition} LIMIT {_EXAMPLES}",
            params,
        ).df()
        out[why] = [
            {str(k): str(v) for k, v in r.items()}
            for r in sample.astype("string").fillna("").to_dict("records")
        ]
    return out
