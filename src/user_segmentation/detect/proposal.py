"""Inspect a user's files or database tables and propose a commented ``segmentation.yaml``.

The proposal is plain YAML with a comment on every guessed line saying what was guessed and why,
so a person can accept it as it is or correct it before ``segment run``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
import yaml

from user_segmentation.detect.numbers import (
    PLAIN,
    NumberFormat,
    detect_number_format,
    parse_numbers,
    with_numbers,
)
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
    numbers: NumberFormat = field(default_factory=NumberFormat)  # locale of numbers as text


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
    if kind != "csv":
        return _inspected(path, kind, frame, table=None, sheet=sheet, encoding=encoding)
    # The reader turns '2.500' into 2.5 and '00123' into 123: the number format and codes are
    # judged on the values as written, read again as text (only when some column was typed).
    written = frame
    if any(not pd.api.types.is_string_dtype(frame[c]) for c in frame.columns):
        written = read_source("csv", path, encoding=encoding, id_columns=list(frame.columns))
    numbers = detect_number_format(written)
    if numbers.spelling != PLAIN:
        numbers = _check_spelling(path, encoding, written, numbers)
    return _inspected(
        path, kind, frame, table=None, sheet=sheet, encoding=encoding, numbers=numbers,
        written=written,
    )  # fmt: skip


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
    numbers: NumberFormat | None = None,
    written: pd.DataFrame | None = None,
) -> InspectedSource:
    if numbers is None:  # Excel, JSON, databases: text cells only; decimal is CSV-only
        numbers = detect_number_format(frame, allowed=(PLAIN,))
    # Number columns written as text take part in the guesses as the numbers they are.
    typed = with_numbers(frame, numbers, written)
    guess = guess_table(typed, not_numeric=numbers.codes)
    codes = [c for c in guess.numeric if _is_code(typed[c])]
    stem = table or Path(location).name.split(".")[0]
    name = re.sub(r"[^a-z0-9_]", "_", stem.lower()).strip("_") or "source"
    return InspectedSource(
        name, kind, location, table, sheet, encoding, len(frame), guess, codes, numbers
    )


def _check_spelling(
    path: str, encoding: str | None, written: pd.DataFrame, numbers: NumberFormat
) -> NumberFormat:
    """Read the file with the proposed spelling as ``segment run`` will, and keep the proposal
    only if the number columns then hold the numbers found here.

    A reader that refuses the setting, or reads other numbers, withdraws the proposal. What it
    cannot do with the setting is noted: a column holding a value that is no number stays text.
    """
    spelling = numbers.spelling
    try:
        read = read_source(
            "csv",
            path,
            encoding=encoding,
            decimal=spelling.decimal,
            thousands=spelling.thousands,
            id_columns=list(numbers.codes),
            currency_symbols=list(numbers.symbols),
        )
    except SourceError as exc:
        return _withdrawn(numbers, f"{spelling.settings()} would fit, but: {exc}")
    for name, col in numbers.columns.items():
        expected = parse_numbers(written[name], spelling, col.symbol)
        got = read[name]
        stays_text = f"{name!r} stays text when read with {spelling.settings()}"
        if not pd.api.types.is_numeric_dtype(got):
            bad = written[name][expected.isna() & written[name].notna()].head(1).tolist()
            numbers.notes.append(
                f"{stays_text}, because of values that are not numbers "
                f"({', '.join(map(repr, bad))}): remove them from the file or `segment run` "
                "stops at this column"
            )
        elif not bool(
            ((got.astype("float64") - expected).abs() <= 1e-9 * expected.abs().clip(lower=1))
            .where(expected.notna(), got.isna())
            .all()
        ):
            return _withdrawn(
                numbers,
                f"{spelling.settings()} would fit, but the reader then does not give "
                f"{name!r} the numbers written ({col.examples[0]!r})",
            )
    for name in read.columns:
        row = read[name].first_valid_index()
        if (
            name not in numbers.columns
            and name in written.columns
            and pd.api.types.is_numeric_dtype(read[name])
            and _was_text(written[name])
        ):
            numbers.notes.append(
                f"with {spelling.settings()} the reader also takes {name!r} for a number "
                f"({written[name][row]!r} → {_number(read[name][row])})"
            )
    return numbers


def _withdrawn(numbers: NumberFormat, why: str) -> NumberFormat:
    logger.info("number format not proposed: %s", why)
    needs = [c for c, col in numbers.columns.items() if PLAIN not in col.spellings]
    return NumberFormat(
        columns={c: col for c, col in numbers.columns.items() if c not in needs},
        codes=numbers.codes,
        symbols=numbers.symbols,
        notes=[*numbers.notes, why],
    )


def _was_text(values: pd.Series) -> bool:
    """Whether the reader with default settings would keep this column as text."""
    text = values.dropna().astype("string").str.strip()
    text = text[text != ""]
    return bool(len(text) and pd.to_numeric(text, errors="coerce").isna().any())


def _number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else repr(number)


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
        for r, g in money:
            if g:
                lines += _ambiguous_lines(tx[0], [g.column], "    ")
                lines.append(f"    {r}: {_scalar(g.column)}   # guess: {g.why}")
    events = [s for s in sources if s.guess.role == "events"]
    if events:
        lines.append("  events:")
        for s in events:
            summed = [c for c in s.guess.numeric if c not in s.codes]
            lines.append(f"    - source: {s.name}")
            lines += _ambiguous_lines(s, summed, "      ")
            lines += [
                f"      # note: {c!r} ({s.numbers.columns[c].examples[0]!r}): event sums do "
                "not remove currency_symbols: remove the symbol from the file"
                for c in summed
                if c in s.numbers.columns and s.numbers.columns[c].symbol
            ]
            lines.append(f"      sum: {_flow(summed)}")
            lines.append(f"      count_as: {s.name}_rows")
    attrs = [s for s in sources if s.guess.role == "attributes"]
    numeric = [c for s in attrs for c in s.guess.numeric if c not in s.codes]
    categorical = [c for s in attrs for c in (*s.guess.categorical, *s.codes)]
    dates = [c for s in attrs for c in s.guess.dates]
    if attrs:
        lines.append("  attributes:")
        for s in attrs:
            lines += _ambiguous_lines(s, s.guess.numeric, "    ")
        lines += [
            f"    numeric: {_flow(numeric)}",
            f"    categorical: {_flow(categorical)}   # guess: text or few integer codes",
        ]
        if dates:
            lines.append("    dates: {" + ", ".join(f"{_scalar(d)}: null" for d in dates) + "}")
    symbols: dict[str, str] = {}
    for s in sources:
        for symbol, seen in s.numbers.symbols.items():
            symbols.setdefault(symbol, f"{seen} in {s.name}")
    if symbols:
        listed = ", ".join(_quoted(sym) for sym in symbols)
        lines.append(
            f"  currency_symbols: [{listed}]   # guess: written beside numbers: "
            + "; ".join(symbols.values())
        )
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
    fmt = s.numbers
    decimal, thousands = fmt.spelling.decimal, fmt.spelling.thousands
    if decimal != ".":
        out.append(f"    decimal: {_quoted(decimal)}   # guess: {fmt.why}")
    if thousands:
        out.append(f"    thousands: {_quoted(thousands)}   # guess: {fmt.thousands_why}")
    out += [f"    # ambiguous: {why}" for why in dict.fromkeys(fmt.ambiguous.values())]
    if fmt.ambiguous and fmt.spelling == PLAIN:
        out.append(
            "    # decimal / thousands: not set (undecided); set the ones that read the "
            "numbers right"
        )
    out += [f"    # note: {note}" for note in fmt.notes]
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
        out.append(f"    # not used: {col} ({fmt.codes.get(col, why)})")
    return out


def _ambiguous_lines(s: InspectedSource, columns: Sequence[str], indent: str) -> list[str]:
    """The undecided number formats of these columns, as comments above where they are used."""
    found = dict.fromkeys(s.numbers.ambiguous[c] for c in columns if c in s.numbers.ambiguous)
    return [f"{indent}# ambiguous: {why} (source {s.name})" for why in found]


def _quoted(text: str) -> str:
    """A single-quoted YAML scalar, readable whatever its characters (``'£'``, ``','``)."""
    return "'" + text.replace("'", "''") + "'"


def normal(column: str) -> str:
    """A column name as plain words for messages."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|[_\s]+", " ", column).strip().lower()


def _scalar(value: str) -> str:
    """A YAML scalar, quoted only when needed (``Customer ID`` is fine, ``yes`` is not)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"
