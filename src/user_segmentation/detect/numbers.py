"""Recognise numbers written as text in a locale format, and the reader settings they need.

Exports from European software write ``1.234,56``; others write ``1,234.56`` or put a currency
symbol beside the number (``£3.39``, ``3,39 €``). Each text column's values are matched against
the four spellings a CSV source can be told about (:data:`SPELLINGS`); a column is a number
column when (nearly) all of its values fit one of them. The columns of one table share one
setting, so the table's spelling is the one all its number columns agree on.

Some values fit two spellings that give different numbers: ``1,234`` is 1234 when ``,`` groups
thousands and 1.234 when it is a decimal comma. Other values usually settle it (``12,5`` proves
a decimal comma, ``1,234,567`` or ``1,234.5`` a thousands comma); when nothing in the table
does, it is reported as ambiguous and no setting is proposed, because a wrong guess changes
amounts by a factor of 1000 without any error.

Written here because parsers (``pandas.read_csv``, ``babel.numbers.parse_decimal``, and this
package's own :func:`~user_segmentation.sources.numbers.parse_numbers`) take the locale as an
input; none reports which one a column is written in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# The spellings and their parser are shared with the CSV reader, which converts the numbers
# of a source the way this module checks them.
from user_segmentation.sources.numbers import COMMA_GROUPS as COMMA_GROUPS
from user_segmentation.sources.numbers import DECIMAL_COMMA as DECIMAL_COMMA
from user_segmentation.sources.numbers import DOT_GROUPS as DOT_GROUPS
from user_segmentation.sources.numbers import PLAIN as PLAIN
from user_segmentation.sources.numbers import Spelling as Spelling
from user_segmentation.sources.numbers import parse_numbers as parse_numbers

#: Share of a column's non-blank values that must fit one spelling for it to be a number column
#: (the tolerance of the role guesses: a stray ``n/a`` does not turn amounts into text).
PARSE_SHARE = 0.95
#: Distinct values examined per column, the most frequent first.
MAX_DISTINCT = 10_000
#: Digits after an explicit ``+`` from which a column of integers looks like phone numbers.
PHONE_DIGITS = 7

# Currency signs (Unicode category Sc) in common use, optionally after a country prefix (US$,
# R$), the ISO codes most exports use, and Nordic/Central European abbreviations.
_SIGNS = "$£€¥₹₽₩¢₺₪₫₴₦₱฿₲₵₡₭₮₸₼₾"
_CODES = (
    "EUR", "USD", "GBP", "CHF", "JPY", "CNY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "AUD",
    "CAD", "NZD", "INR", "BRL", "ZAR", "RUB", "TRY", "MXN", r"kr\.", "kr", "zł", "Kč", "Ft",
)  # fmt: skip
_SYMBOL = rf"(?:[A-Z]{{0,2}}[{_SIGNS}]|{'|'.join(_CODES)})"


#: The spellings a CSV source can be told about, in order of preference when several read a
#: table alike: the fewest settings first.
SPELLINGS = (PLAIN, DECIMAL_COMMA, COMMA_GROUPS, DOT_GROUPS)
_ALL = frozenset(SPELLINGS)

# The digits and separators of a value (sign, symbol and exponent removed), by class, the most
# specific first, with the spellings that read each. Three digits after a single separator is
# the ambiguous case; a leading group of 0 ("0,123") is never a thousands group.
_CLASSES: dict[str, tuple[str, frozenset[Spelling]]] = {
    "integer": (r"\d+", _ALL),
    "dot groups": (r"[1-9]\d{0,2}(?:\.\d{3}){2,}", frozenset({DOT_GROUPS})),
    "comma groups": (r"[1-9]\d{0,2}(?:,\d{3}){2,}", frozenset({COMMA_GROUPS})),
    ".": (r"[1-9]\d{0,2}\.\d{3}", frozenset({PLAIN, DOT_GROUPS, COMMA_GROUPS})),
    ",": (r"[1-9]\d{0,2},\d{3}", frozenset({DECIMAL_COMMA, DOT_GROUPS, COMMA_GROUPS})),
    "dot groups, decimal comma": (r"[1-9]\d{0,2}(?:\.\d{3})+,\d+", frozenset({DOT_GROUPS})),
    "comma groups, decimal point": (r"[1-9]\d{0,2}(?:,\d{3})+\.\d+", frozenset({COMMA_GROUPS})),
    "decimal point": (r"\d+\.\d+", frozenset({PLAIN, COMMA_GROUPS})),
    "decimal comma": (r"\d+,\d+", frozenset({DECIMAL_COMMA, DOT_GROUPS})),
}
# Classes by how well their values show a spelling in a message, most telling first.
_TELLING = (
    "dot groups, decimal comma", "comma groups, decimal point", "dot groups", "comma groups",
    "decimal comma", "decimal point", ",", ".", "integer",
)  # fmt: skip
# The same tables as arrays, by class number (its position in _CLASSES).
_NAMES = list(_CLASSES)
_INTEGER, _POINT = _NAMES.index("integer"), _NAMES.index("decimal point")
# Bare numbers, the common case, by the classes they can be (in _CLASSES order).
_BARE_CLASSES = [_NAMES.index(c) for c in ("integer", ".", ",", "decimal point", "decimal comma")]
# A value: optional sign and currency symbol around the digits of one class (the first class
# of the alternation that lets the whole value match), optional exponent.
_VALUE = re.compile(
    rf"(?P<sign>[+-])?\s*(?P<pre>{_SYMBOL})?\s*(?P<sign2>[+-])?\s*"
    + "(?:" + "|".join(f"(?P<c{i}>{p})" for i, (p, _) in enumerate(_CLASSES.values())) + ")"
    + rf"(?P<exp>[eE][+-]?\d+)?\s*(?P<post>{_SYMBOL})?"
)  # fmt: skip
_READS = np.array([[s in reads for s in SPELLINGS] for _, reads in _CLASSES.values()])
_RANK = np.array([_TELLING.index(name) for name in _NAMES])


@dataclass(frozen=True)
class NumberColumn:
    """A text column whose values are numbers.

    Attributes
    ----------
    column
        Its name.
    spellings
        The spellings that read (nearly) all of its values.
    symbol
        The currency symbol written beside the numbers, if any.
    examples
        Up to three values as written, the most telling of the spelling first.
    hinges
        For ``"."`` and ``","``: up to three values with a single such separator followed by
        three digits (``1,234``), which two spellings read as different numbers.
    separated
        Whether any value has a separator (plain integers say nothing of the locale).
    """

    column: str
    spellings: frozenset[Spelling]
    symbol: str | None
    examples: tuple[str, ...]
    hinges: dict[str, tuple[str, ...]] = field(default_factory=dict)
    separated: bool = True
    firsts: dict[str, str] = field(default_factory=dict)  # value class -> first such value

    def proof(self, *classes: str) -> str | None:
        """The first value of the first of these classes the column has, if any."""
        return next((self.firsts[c] for c in classes if c in self.firsts), None)


@dataclass
class NumberFormat:
    """The number spelling of one table, and what was seen to decide it.

    Attributes
    ----------
    spelling
        What to set on the source (``PLAIN`` sets nothing).
    why, thousands_why
        The evidence for the decimal and the thousands separator (columns and values).
    columns
        The text columns that are numbers (locale-written or with a currency symbol).
    ambiguous
        Column → message, for columns whose numbers depend on a setting that nothing in the
        table decides; then ``spelling`` is ``PLAIN`` and nothing is set.
    codes
        Columns of digits that are identifiers (``00123``, ``+4917612345678``) → why.
    symbols
        Currency symbol → where it was seen.
    notes
        What the source cannot be told (settings that apply to CSV files only).
    """

    spelling: Spelling = PLAIN
    why: str = ""
    thousands_why: str = ""
    columns: dict[str, NumberColumn] = field(default_factory=dict)
    ambiguous: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    symbols: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def number_column(values: pd.Series, column: str = "") -> NumberColumn | None:
    """Whether a text column holds numbers in one spelling, and which spellings fit.

    Parameters
    ----------
    values
        The column as text, as written.
    column
        Its name, kept in the result.

    Returns
    -------
    NumberColumn or None
        ``None`` when fewer than :data:`PARSE_SHARE` of the non-blank values fit one common
        spelling, when they carry different currency symbols, or when there are none.

    Examples
    --------
    >>> c = number_column(pd.Series(["1.234,56", "12,5", "-3"]), "amount")
    >>> c.spellings == {DOT_GROUPS}, c.examples
    (True, ('1.234,56', '12,5', '-3'))
    >>> c = number_column(pd.Series(["1,234", "2,500"]), "qty")
    >>> sorted(s.settings() for s in c.spellings)
    ["decimal: ','", "decimal: ',' and thousands: '.'", "thousands: ','"]
    >>> c.hinges
    {',': ('1,234', '2,500')}
    >>> number_column(pd.Series(["£3.39", "£12"])).symbol
    '£'
    >>> number_column(pd.Series(["01.02.2024", "1.2.3"])) is None
    True
    """
    counts = _distinct(values)
    return None if counts is None else _number_column(counts, column)


def _number_column(counts: pd.Series, column: str) -> NumberColumn | None:
    values = counts.index.to_numpy(dtype=object)
    cls = np.full(len(values), -1)
    # Bare numbers (the bulk of most columns) are classed in bulk; the rest one by one.
    text = counts.index.to_series()
    for c in _BARE_CLASSES[::-1]:  # the first class that fits wins, as in the alternation
        cls[text.str.fullmatch(rf"[+-]?{_CLASSES[_NAMES[c]][0]}").to_numpy(bool)] = c
    used: set[str] = set()
    for i in np.flatnonzero(cls < 0):
        m = _VALUE.fullmatch(values[i])
        if m is None:
            continue
        sign, pre, sign2, *classes, exp, post = m.groups()
        if (pre and post) or (sign and sign2):
            continue
        c = next(k for k, digits in enumerate(classes) if digits is not None)
        if exp:  # an exponent follows a plain number or a decimal point (1e5, 1.234E-3)
            if c not in (_INTEGER, _POINT, _NAMES.index(".")):
                continue
            c = _POINT
        cls[i] = c
        if pre or post:
            used.add(pre or post)
    if len(used) > 1:
        return None  # £ and $ in one column are two currencies, not one number column
    known = cls >= 0
    weights = counts.to_numpy(dtype="float64")
    share = (_READS[cls[known]] * weights[known, None]).sum(axis=0) / weights.sum()
    spellings = frozenset(s for s, ok in zip(SPELLINGS, share >= PARSE_SHARE, strict=True) if ok)
    if not spellings:
        return None
    # Examples: the first (most frequent) value of each class, most telling class first.
    order = np.argsort(_RANK[np.where(known, cls, 0)] + np.where(known, 0, 99), kind="stable")
    firsts: dict[str, str] = {}
    for i in order[: int(known.sum())]:
        firsts.setdefault(_NAMES[cls[i]], str(values[i]))
    rest = [str(values[i]) for i in order[: int(known.sum())] if values[i] not in firsts.values()]
    hinges = {
        sep: tuple(str(v) for v in values[cls == _NAMES.index(sep)][:3])
        for sep in (".", ",")
        if (cls == _NAMES.index(sep)).any()
    }
    return NumberColumn(
        column=column,
        spellings=spellings,
        symbol=used.pop() if used else None,
        examples=tuple([*firsts.values(), *rest][:3]),
        hinges=hinges,
        separated=bool((known & (cls != _INTEGER)).any()),
        firsts=firsts,
    )


def code_reason(values: pd.Series) -> str | None:
    """Why a column of digits is an identifier rather than a number, or ``None``.

    Only codes keep leading zeros (``00123``: accounts, postcodes, phone numbers); digits after
    an explicit ``+`` (``+4917612345678``) are phone numbers.

    Examples
    --------
    >>> code_reason(pd.Series(["00123", "04711", "12345"]))
    "leading zeros ('00123'): an identifier or code"
    >>> code_reason(pd.Series(["+4917612345678", "+441632960961"]))
    "written '+4917612345678': phone numbers"
    >>> code_reason(pd.Series(["0", "12", "7"])) is None
    True
    """
    counts = _distinct(values)
    return None if counts is None else _code_reason(counts)


def _code_reason(counts: pd.Series) -> str | None:
    text = counts.index.to_series()
    if counts[text.str.fullmatch(r"[+-]?\d+")].sum() < PARSE_SHARE * counts.sum():
        return None
    padded = text[text.str.fullmatch(r"0\d+")]
    if len(padded):
        return f"leading zeros ({padded.iloc[0]!r}): an identifier or code"
    phone = text.str.fullmatch(rf"\+\d{{{PHONE_DIGITS},}}")
    if counts[phone].sum() >= PARSE_SHARE * counts.sum():
        return f"written {text[phone].iloc[0]!r}: phone numbers"
    return None


def detect_number_format(
    frame: pd.DataFrame, *, allowed: Collection[Spelling] = SPELLINGS
) -> NumberFormat:
    """Find the text columns of a table that are numbers, and the one spelling they share.

    Parameters
    ----------
    frame
        The table with its columns as written (numbers stored as numbers, as in Excel or a
        database, are skipped: they carry no locale).
    allowed
        The spellings the source can be told about: all of :data:`SPELLINGS` for CSV files,
        only ``PLAIN`` for other kinds (``decimal`` and ``thousands`` apply to CSV only). A
        table needing another gets a note, and its columns are not taken as numbers.

    Returns
    -------
    NumberFormat
        The spelling to set, with its evidence; or ``PLAIN`` and a message per column in
        ``ambiguous`` when two spellings read the values as different numbers and nothing in
        the table decides, or when the columns need different spellings.

    Examples
    --------
    >>> f = detect_number_format(pd.DataFrame({"amount": ["1.234,56", "7,00"],
    ...                                        "price": ["12,5", "3,39"]}))
    >>> f.spelling == DOT_GROUPS, f.why
    (True, "decimal comma in 'amount' ('1.234,56'), 'price' ('12,5')")
    >>> f = detect_number_format(pd.DataFrame({"qty": ["1,234", "2,500"]}))
    >>> f.spelling == PLAIN, f.ambiguous["qty"]  # doctest: +NORMALIZE_WHITESPACE
    (True, "column 'qty' ('1,234', '2,500'): '1,234' is 1234 with thousands: ',' or 1.234
    with decimal: ','")
    >>> f = detect_number_format(pd.DataFrame({"qty": ["1,234", "2,500"], "p": ["0,5", "1"]}))
    >>> f.spelling == DECIMAL_COMMA, f.ambiguous
    (True, {})
    """
    found = NumberFormat()
    for name in frame.columns:
        values = frame[name]
        if not (pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values)):
            continue
        counts = _distinct(values)
        if counts is None:
            continue
        why = _code_reason(counts)
        if why is not None:
            found.codes[str(name)] = why
            continue
        col = _number_column(counts, str(name))
        if col is not None and (col.separated or col.symbol):
            found.columns[str(name)] = col
    for col in found.columns.values():
        if col.symbol and col.symbol not in found.symbols:
            found.symbols[col.symbol] = f"{col.column!r} ({col.examples[0]!r})"
    separated = [c for c in found.columns.values() if c.separated]
    if not separated:
        return found
    common = _ALL.intersection(*(c.spellings for c in separated))
    if not common:
        message = _disagreement(separated)
        found.ambiguous = {c.column: message for c in separated if c.spellings != _ALL}
    for sep in (".", ","):
        if common and _different_readings(common, sep):
            found.ambiguous |= {c.column: _ambiguity(c, sep) for c in separated if sep in c.hinges}
    if found.ambiguous:
        if set(allowed) != _ALL:
            found.notes.append(_ONLY_CSV)
        return found
    spelling = next(s for s in SPELLINGS if s in common)
    if spelling not in allowed:
        needs = [c for c in separated if not c.spellings & set(allowed)]
        found.notes.append(f"{_evidence(needs)}: {spelling.settings()} needed; {_ONLY_CSV}")
        for c in needs:
            del found.columns[c.column]
        return found
    found.spelling = spelling
    if spelling.decimal != ".":
        # A decimal comma shows in '12,5' and '1.234,56', or follows from '.' thousands.
        found.why = "decimal comma in " + _evidence(
            separated, "dot groups, decimal comma", "decimal comma", "dot groups"
        )
    if spelling.thousands:
        sep = spelling.thousands
        classes = ("dot groups, decimal comma", "dot groups", ".")
        if sep == ",":
            classes = ("comma groups, decimal point", "comma groups", ",")
        found.thousands_why = f"{sep!r} groups thousands in " + _evidence(separated, *classes)
    return found


_ONLY_CSV = "decimal and thousands apply to CSV files only: make them plain numbers in the source"


def with_numbers(
    frame: pd.DataFrame, found: NumberFormat, written: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` with its number columns parsed, for guessing column roles.

    Each column is read in the table's spelling; an undecided one in the first spelling that
    fits it (its role is the same either way).

    Parameters
    ----------
    frame
        The table as read.
    found
        Its number format, from :func:`detect_number_format`.
    written
        The same table as text, as written (default: ``frame``): the values parsed.

    Examples
    --------
    >>> df = pd.DataFrame({"amount": ["1.234,56", "7,00"], "city": ["Köln", "Bonn"]})
    >>> with_numbers(df, detect_number_format(df))["amount"].tolist()
    [1234.56, 7.0]
    """
    text = frame if written is None else written
    out = frame.copy()
    for name, col in found.columns.items():
        spelling = (
            found.spelling
            if found.spelling in col.spellings
            else next(s for s in SPELLINGS if s in col.spellings)
        )
        if spelling == PLAIN and not col.symbol and pd.api.types.is_numeric_dtype(frame[name]):
            continue  # the reader has parsed it already
        out[name] = parse_numbers(text[name], spelling, col.symbol)
    return out


def _distinct(values: pd.Series) -> pd.Series | None:
    """Counts of the distinct trimmed non-blank values, the most frequent first; ``None``
    when there is no value or no digit at all."""
    text = values.dropna().astype("string").str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    counts = text.value_counts(sort=True).head(MAX_DISTINCT)
    counts.index = counts.index.astype("string")
    if not counts.index.to_series().str.contains(r"\d").any():
        return None
    return counts


def _different_readings(spellings: Iterable[Spelling], sep: str) -> bool:
    """Whether two of these spellings read ``1{sep}234`` as different numbers."""
    return len({s.thousands == sep for s in spellings if sep in (s.decimal, s.thousands)}) > 1


def _plain(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _ambiguity(col: NumberColumn, sep: str) -> str:
    value = col.hinges[sep][0]
    digits = "".join(ch for ch in value if ch.isdigit() or ch == sep)
    sign = "-" if "-" in value else ""
    big = _plain(float(sign + digits.replace(sep, "")))
    small = _plain(float(sign + digits.replace(sep, ".")))
    shown = ", ".join(repr(v) for v in col.hinges[sep])
    if sep == ",":
        readings = f"{big} with thousands: ',' or {small} with decimal: ','"
    else:
        readings = f"{small} as read (decimal point) or {big} with {DOT_GROUPS.settings()}"
    return f"column {col.column!r} ({shown}): {value!r} is {readings}"


def _disagreement(columns: list[NumberColumn]) -> str:
    described = ", ".join(
        f"{c.column!r} ({c.examples[0]!r}) {_WHAT.get(_class_of(c), 'another spelling')}"
        for c in columns
        if c.spellings != _ALL
    )
    return f"the number columns disagree: {described}; decimal and thousands left unset"


_WHAT = {
    "dot groups, decimal comma": "has '.' thousands and a decimal comma",
    "comma groups, decimal point": "has ',' thousands and a decimal point",
    "dot groups": "has '.' thousands",
    "comma groups": "has ',' thousands",
    "decimal comma": "has a decimal comma",
    "decimal point": "has a decimal point",
}


def _class_of(col: NumberColumn) -> str:
    return next(iter(col.firsts), "integer")


def _evidence(columns: Iterable[NumberColumn], *classes: str) -> str:
    """``'amount' ('1.234,56'), 'price' ('12,5')``: each column with a value that shows it."""
    columns = list(columns)
    shown = [(c.column, c.proof(*classes)) for c in columns if c.proof(*classes) is not None]
    # No single value proves it when only values together do ('1.234' beside '1,234').
    shown = shown or [(c.column, c.examples[0]) for c in columns]
    return ", ".join(f"{name!r} ({value!r})" for name, value in shown)
