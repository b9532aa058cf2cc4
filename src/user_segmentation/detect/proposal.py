"""Inspect a user's files or database tables and propose a commented ``segmentation.yaml``.

The proposal is plain YAML with a comment on every guessed line saying what was guessed and why,
so a person can accept it as it is or correct it before ``segment run``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
import yaml

from user_segmentation.detect.roles import TableGuess, guess_table
from user_segmentation.errors import SourceError
from user_segmentation.sources import read_source

logger = logging.getLogger(__name__)

_SUFFIX_KINDS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "excel", ".xlsm": "excel", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".db": "sql", ".sqlite": "sql", ".sqlite3": "sql",
}  # fmt: skip
#: Integer columns with at most this many distinct values are proposed as categorical codes.
MAX_CODE_LEVELS = 10


@dataclass
class InspectedSource:
    """One table found in the inputs, how to read it, and what it looks like."""

    name: str
    kind: str
    location: str  # path as given, or the database URL
    table: str | None
    sheet: str | None
    encoding: str | None
    rows: int
    guess: TableGuess
    codes: list[str]  # numeric columns with few integer values, proposed as categorical


def inspect_inputs(
    inputs: Sequence[str], *, progress: Callable[[str], None] | None = None
) -> list[InspectedSource]:
    """Read every file (or every table of a database) given and guess its structure.

    Parameters
    ----------
    inputs
        File paths (CSV, Parquet, Excel, JSON, JSON Lines, SQLite) or SQLAlchemy URLs.
    progress
        Called with each input as it is read.
    """
    found: list[InspectedSource] = []
    for item in inputs:
        if progress:
            progress(item)
        if "://" in item:
            found += [_inspect_table(item, t, url=item) for t in _tables(item)]
            continue
        kind = source_kind(item)
        if kind == "sql":
            found += [_inspect_table(item, t, path=item) for t in _tables(_sqlite_url(item))]
        else:
            found.append(_inspect_file(item, kind))
    names = [s.name for s in found]
    for s in found:  # two inputs with the same stem get their kind appended
        if names.count(s.name) > 1:
            s.name = f"{s.name}_{s.kind}"
    return found


def source_kind(path: str) -> str:
    """The source kind for a file name (``.csv.gz`` is CSV)."""
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() not in (".gz", ".gzip")]
    kind = _SUFFIX_KINDS.get(suffixes[-1]) if suffixes else None
    if kind is None:
        raise SourceError(
            f"{path}: cannot tell the file type from its name; expected one of "
            + ", ".join(sorted(_SUFFIX_KINDS))
            + " (optionally .gz)"
        )
    return kind


def _inspect_file(path: str, kind: str) -> InspectedSource:
    sheet = _first_sheet(path) if kind == "excel" else None
    encoding = None
    try:
        frame = read_source(kind, path, sheet=sheet)  # type: ignore[arg-type]
    except SourceError as exc:
        if not isinstance(exc.__cause__, UnicodeDecodeError):
            raise
        encoding = "latin-1"  # the usual encoding of exports that are not UTF-8
        frame = read_source(kind, path, sheet=sheet, encoding=encoding)  # type: ignore[arg-type]
    return _inspected(path, kind, frame, table=None, sheet=sheet, encoding=encoding)


def _inspect_table(
    location: str, table: str, *, path: str | None = None, url: str | None = None
) -> InspectedSource:
    frame = read_source("sql", path, url=url, table=table)
    return _inspected(location, "sql", frame, table=table, sheet=None, encoding=None)


def _inspected(
    location: str,
    kind: str,
    frame: pd.DataFrame,
    *,
    table: str | None,
    sheet: str | None,
    encoding: str | None,
) -> InspectedSource:
    guess = guess_table(frame)
    codes = [c for c in guess.numeric if _is_code(frame[c])]
    stem = table or Path(location).name.split(".")[0]
    name = re.sub(r"[^a-z0-9_]", "_", stem.lower()).strip("_") or "source"
    return InspectedSource(name, kind, location, table, sheet, encoding, len(frame), guess, codes)


def _is_code(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(
        len(numbers) and (numbers == numbers.round()).all() and numbers.nunique() <= MAX_CODE_LEVELS
    )


def _first_sheet(path: str) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return str(book.sheetnames[0])
    finally:
        book.close()


def _sqlite_url(path: str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def _tables(url: str) -> list[str]:
    try:
        engine = sa.create_engine(url)
        try:
            return sorted(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        raise SourceError(f"{url}: cannot list the tables ({exc})") from exc


def propose_project(sources: Sequence[InspectedSource], *, project: str = "segmentation") -> str:
    """The text of a commented ``segmentation.yaml`` for the inspected sources."""
    if not sources:
        raise SourceError("no input to inspect")
    tx = [s for s in sources if s.guess.role == "transactions"]
    lines = [
        "# segmentation.yaml proposed by `segment init`. Lines marked 'guess' were inferred from",
        "# column names and values: check them, edit what is wrong, then run `segment run`.",
        f"project: {_scalar(project)}",
        "seed: 42",
        "# as_of: 2011-12-09      # observation end; by default the day of the last transaction",
        "",
        "sources:",
    ]
    for s in sources:
        lines += _source_lines(s)
    population = [s.name for s in sources if s.guess.role != "events"]
    lines += ["", "integrate:", f"  population: {_flow([s.name for s in tx] or population[:1])}"]
    lines += ["", "features:"]
    if tx:
        t = tx[0].guess
        assert t.order and t.timestamp
        lines += [
            "  transactions:",
            f"    source: {tx[0].name}",
            f"    order: {_scalar(t.order.column)}",
            f"    timestamp: {_scalar(t.timestamp.column)}",
        ]
        money = (("amount", t.amount), ("quantity", t.quantity), ("unit_price", t.unit_price))
        lines += [f"    {r}: {_scalar(g.column)}   # guess: {g.why}" for r, g in money if g]
    events = [s for s in sources if s.guess.role == "events"]
    if events:
        lines.append("  events:")
        for s in events:
            lines.append(f"    - source: {s.name}")
            lines.append(f"      sum: {_flow([c for c in s.guess.numeric if c not in s.codes])}")
            lines.append(f"      count_as: {s.name}_rows")
    attrs = [s for s in sources if s.guess.role == "attributes"]
    numeric = [c for s in attrs for c in s.guess.numeric if c not in s.codes]
    categorical = [c for s in attrs for c in (*s.guess.categorical, *s.codes)]
    dates = [c for s in attrs for c in s.guess.dates]
    if attrs:
        lines += [
            "  attributes:",
            f"    numeric: {_flow(numeric)}",
            f"    categorical: {_flow(categorical)}   # guess: text or few integer codes",
        ]
        if dates:
            lines.append("    dates: {" + ", ".join(f"{_scalar(d)}: null" for d in dates) + "}")
    if tx:
        lines += [
            "  # The segmentation basis: the classic RFM. Add avg_order_value, tenure_days, ...",
            "  model: [recency_days, frequency, monetary]",
        ]
    else:
        lines.append("  # model: [...]   # by default every numeric feature forms the basis")
    lines += [
        "",
        "model:",
        "  k: auto                  # or a number of segments",
        "  k_min: 2",
        "  k_max: 10",
        "",
        "store:",
        "  url: segmentation.db",
        "",
        "report:",
        "  path: report.html",
        "",
    ]
    return "\n".join(lines)


def _source_lines(s: InspectedSource) -> list[str]:
    g = s.guess
    out = [
        f"  {s.name}:   # {s.rows:,} rows; guess: {g.role} ({g.role_why})",
        f"    kind: {s.kind}",
    ]
    if "://" in s.location:
        out.append(f"    url: {_scalar(s.location)}")
    else:
        out.append(f"    path: {_scalar(str(Path(s.location).resolve()))}")
    if s.table:
        out.append(f"    table: {_scalar(s.table)}")
    if s.sheet:
        out.append(f"    sheet: {_scalar(s.sheet)}   # guess: the first sheet")
    if s.encoding:
        out.append(f"    encoding: {s.encoding}   # guess: not valid UTF-8")
    if g.key is not None:
        out.append(f"    key: {_scalar(g.key.column)}   # guess: {g.key.why}")
    else:
        out.append("    key: null   # guess: no id column; each row is a customer")
    out.append(f"    role: {g.role}")
    rules = []
    if g.cancelled_prefix and g.order is not None:
        rules.append(
            f"      - {{column: {_scalar(g.order.column)}, starts_with: {g.cancelled_prefix}, "
            f"reason: cancelled order}}   # guess: {g.n_cancelled:,} ids start with "
            f"'{g.cancelled_prefix}'"
        )
    for col, n in g.non_positive.items():
        rules.append(
            f"      - {{column: {_scalar(col)}, at_most: 0, reason: non-positive {normal(col)}}}"
            f"   # {n:,} rows"
        )
    if rules:
        out += [
            "    exclude:   # rows dropped and counted; delete a rule to keep those rows",
            *rules,
        ]
    for col, why in g.ignored.items():
        out.append(f"    # not used: {col} ({why})")
    return out


def normal(column: str) -> str:
    """A column name as plain words for messages."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|[_\s]+", " ", column).strip().lower()


def _scalar(value: str) -> str:
    """A YAML scalar, quoted only when needed (``Customer ID`` is fine, ``yes`` is not)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"
