"""Numbers written as text in a locale spelling: ``1.234,56``, ``£1,234.50``, ``3,39 €``.

One parser for every reader of such text: the CSV reader converts the columns of a source that
sets ``decimal`` or ``thousands`` (:func:`convert_numbers`), and ``segment init`` checks the
spelling it proposes (:func:`parse_numbers`).

A value is a number in a :class:`Spelling` when it is, after trimming: an optional sign, an
optional currency symbol before or after the digits (not both), the digits with at most one
decimal separator, thousands separators only between groups of three digits (``1.234.567``;
never ``1.2.3`` or the date ``01.02.2024``), an exponent only after ungrouped digits. Spaces are
allowed around sign and symbol only (``€ -3,50``), never inside the digits, unless the
thousands separator is itself a space.

Written here because pandas' ``decimal``/``thousands`` options apply to every column of a file
(a date ``01.02.2024`` becomes 1022024), keep a whole column as text when one value does not
parse, and know no currency symbols. The patterns run in pyarrow's RE2 engine (vectorised, and
``\\p{Zs}`` matches the no-break spaces exports put beside symbols).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from user_segmentation.errors import SourceError

logger = logging.getLogger(__name__)

#: Share of a column's non-blank values that must be numbers (in the source's spelling or as
#: written plainly) for its few other values to count as bad numbers rather than as text.
NUMBER_SHARE = 0.5


@dataclass(frozen=True)
class Spelling:
    """A way of writing numbers: its decimal separator and its thousands separator, if any.

    Examples
    --------
    >>> DOT_GROUPS.settings()
    "decimal: ',' and thousands: '.'"
    >>> PLAIN.settings()
    'a decimal point'
    """

    decimal: str
    thousands: str | None = None

    def settings(self) -> str:
        """The source settings that read this spelling, as words."""
        if self.decimal == "." and self.thousands is None:
            return "a decimal point"
        parts = [f"decimal: {self.decimal!r}"] if self.decimal != "." else []
        if self.thousands:
            parts.append(f"thousands: {self.thousands!r}")
        return " and ".join(parts)


PLAIN = Spelling(".")  # 1234.56: what every reader assumes
DECIMAL_COMMA = Spelling(",")  # 1234,56
COMMA_GROUPS = Spelling(".", ",")  # 1,234.56
DOT_GROUPS = Spelling(",", ".")  # 1.234,56

# RE2 syntax. Blanks include the no-break spaces (U+00A0, U+202F) of "3,39 €" in exports.
_BLANK = r"[\s\p{Zs}]"
_EXPONENT = r"(?:[eE][+-]?\d+)?"
# What later steps (pandas.to_numeric, DuckDB's cast) accept as a number once symbols are gone.
_PLAIN_DIGITS = rf"(?:\d+(?:\.\d*)?|\.\d+){_EXPONENT}"


def parse_numbers(
    values: pd.Series,
    spelling: Spelling = PLAIN,
    symbols: str | Iterable[str] | None = None,
) -> pd.Series:
    """Numbers written as text in ``spelling`` (with an optional currency symbol) as floats.

    Values that are not numbers in that spelling, and blanks, become NaN.

    Parameters
    ----------
    values
        Text as written (other values are read through their text).
    spelling
        Decimal and thousands separators.
    symbols
        A currency symbol, or several, allowed before or after a number.

    Returns
    -------
    pandas.Series
        float64, with the index of ``values``.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1.234,56", "-3,5 €", "1.2.3"]), DOT_GROUPS, "€").tolist()
    [1234.56, -3.5, nan]
    >>> parse_numbers(pd.Series(["£1,234.50", "01.02.2024"]), COMMA_GROUPS, ["£"]).tolist()
    [1234.5, nan]
    """
    try:
        text = _arrow_text(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = _arrow_text(values.astype("string"))  # numbers or mixed objects: their text
    reading = _read(text, spelling, _symbol_list(symbols))
    return pd.Series(reading.numbers, index=values.index, dtype="float64")


def convert_numbers(
    frame: pd.DataFrame,
    spelling: Spelling,
    symbols: Sequence[str] = (),
    *,
    label: str,
    skip: Iterable[str] = (),
    part_column: str | None = None,
) -> pd.DataFrame:
    """The text columns of a source, converted where they hold numbers written in ``spelling``.

    Column by column (``skip`` and non-text columns left alone):

    - every non-blank value is a number in ``spelling`` (optionally with one of ``symbols``
      before or after it): the column becomes numbers, blanks missing; ``int64`` when every
      value is written as an integer and none is blank, as pandas types integers, else
      ``float64``;
    - otherwise the column stays text. When it holds mostly numbers (at least
      :data:`NUMBER_SHARE` of its non-blank values) and some of them need ``spelling`` to be
      read (``12,5``), those are rewritten plainly (``12.5``) so that later steps read them,
      and report only the values that are no number at all. Any other column (dates, codes,
      free text) is left exactly as written.

    Parameters
    ----------
    frame
        The source read as text; not modified.
    spelling
        The source's decimal and thousands separators.
    symbols
        Currency symbols allowed beside the numbers.
    label
        Name of the source, used in messages.
    skip
        Columns never converted (identifiers).
    part_column
        A column naming each row's file when several files were stacked: messages then name
        the file and the row within it.

    Returns
    -------
    pandas.DataFrame
        A copy with the converted columns.

    Raises
    ------
    SourceError
        When a column of mostly numbers mixes values that need ``spelling`` with values that
        are numbers only written plainly (``1.234,56`` beside ``12.5`` with ``decimal: ','``):
        later steps would read the latter as written, without error, so the row and both
        values are named instead.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["007"], "amount": ["€ 1.234,50"], "day": ["01.02.2024"]},
    ...                   dtype="str")
    >>> out = convert_numbers(df, DOT_GROUPS, ["€"], label="a.csv", skip=["id"])
    >>> out.to_dict("list")
    {'id': ['007'], 'amount': [1234.5], 'day': ['01.02.2024']}
    >>> mixed = pd.DataFrame({"amount": ["12,5", "7", "n.a."]}, dtype="str")
    >>> convert_numbers(mixed, DECIMAL_COMMA, label="a.csv")["amount"].tolist()
    ['12.5', '7', 'n.a.']
    """
    listed = _symbol_list(symbols)
    skipped = {*skip, *([part_column] if part_column else [])}
    out = frame.copy(deep=False)
    for name in frame.columns:
        if name in skipped or not _is_text(frame[name]):
            continue
        try:
            text = _arrow_text(frame[name])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue  # Python objects of several kinds: not text a CSV reader gives
        reading = _read(text, spelling, listed)
        if reading.blank.all() or not reading.number.any():
            continue  # no value, or text (dates, codes, names) left as written
        if (reading.number | reading.blank).all():
            out[name] = pd.Series(_numbers(reading), index=frame.index)
            continue
        as_written = _read(text, PLAIN, listed, as_written=True)
        rewritten = _rewritten(frame, name, reading, as_written, spelling, label, part_column)
        if rewritten is not None:
            out[name] = rewritten
    return out


@dataclass(frozen=True)
class _Reading:
    """One column read in one spelling: masks and values as NumPy arrays, one per row."""

    blank: np.ndarray  # missing, or only blanks
    number: np.ndarray  # a number in the spelling
    integral: np.ndarray  # a number written without decimals or exponent
    plain: pa.Array  # the numbers written plainly ("-1234.56"), null elsewhere
    numbers: np.ndarray  # float64, NaN where not a number


def _read(
    text: pa.Array, spelling: Spelling, symbols: Sequence[str], *, as_written: bool = False
) -> _Reading:
    """Read ``text`` in ``spelling``; ``as_written``: as later steps read it, with no setting."""
    trimmed = pc.utf8_trim_whitespace(text)
    blank = _mask(pc.or_kleene(pc.is_null(trimmed), pc.equal(trimmed, "")))
    pattern = _value_pattern(spelling, symbols, as_written=as_written)
    number = _mask(pc.match_substring_regex(trimmed, pattern))
    written = pc.if_else(pa.array(number), trimmed, pa.scalar(None, trimmed.type))
    # A plus sign is dropped: Arrow's integer cast refuses it, and it says nothing.
    bare = pc.utf8_ltrim(_without_symbols(written, symbols), "+")
    if spelling.thousands:
        bare = pc.replace_substring(bare, spelling.thousands, "")
    if spelling.decimal != ".":
        bare = pc.replace_substring(bare, spelling.decimal, ".")
    fraction = pc.or_(
        pc.match_substring(bare, "."), pc.match_substring(bare, "e", ignore_case=True)
    )
    integral = number & ~_mask(fraction)
    # Arrow's cast reads what the patterns let through ("5.", "1e400" as inf, like pandas).
    numbers = pc.cast(bare, pa.float64()).to_numpy(zero_copy_only=False)
    return _Reading(blank, number, integral, bare, np.asarray(numbers, dtype="float64"))


def _numbers(reading: _Reading) -> np.ndarray:
    """A column whose every value is a number or blank: int64 when pandas would type it so."""
    if reading.integral.all():
        try:
            return np.asarray(pc.cast(reading.plain, pa.int64()).to_numpy(), dtype="int64")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # beyond int64: floats, as pandas reads them
    return reading.numbers


def _rewritten(
    frame: pd.DataFrame,
    name: str,
    reading: _Reading,
    as_written: _Reading,
    spelling: Spelling,
    label: str,
    part_column: str | None,
) -> pd.Series | None:
    """A mostly-numbers column with its locale-written numbers written plainly, or ``None``.

    ``reading`` is the column read in ``spelling``, ``as_written`` as later steps read it.
    """
    filled = ~reading.blank
    # Numbers the spelling reads differently from a plain reading, or only it reads.
    needs_spelling = reading.number & ~(as_written.number & (reading.numbers == as_written.numbers))
    if not needs_spelling.any():
        return None
    numbers = (reading.number | as_written.number) & filled
    if numbers.sum() < NUMBER_SHARE * filled.sum():
        return None  # text in which a few values look like numbers
    only_plain = as_written.number & ~reading.number
    if only_plain.any():
        bad, good = int(np.argmax(only_plain)), int(np.argmax(needs_spelling))
        values = frame[name]
        raise SourceError(
            f"{label}: column {name!r}, {_where(frame, bad, part_column)}: "
            f"{values.iloc[bad]!r} is not a number with {spelling.settings()} (set for this "
            f"source; {_where(frame, good, part_column)} holds {values.iloc[good]!r}), but "
            f"later steps would read it as {_shown(float(as_written.numbers[bad]))}: write it "
            "like the column's other numbers"
        )
    plain = pd.Series(
        reading.plain.to_numpy(zero_copy_only=False), index=frame.index, dtype=frame[name].dtype
    )
    logger.info(
        "%s: column %r stays text, %d of %d value(s) are not numbers with %s",
        label,
        name,
        int((filled & ~reading.number).sum()),
        int(filled.sum()),
        spelling.settings(),
    )
    return frame[name].mask(pd.Series(needs_spelling, index=frame.index), plain)


def _value_pattern(spelling: Spelling, symbols: Sequence[str], *, as_written: bool) -> str:
    """An anchored RE2 pattern of one trimmed value in ``spelling``."""
    point = re.escape(spelling.decimal)
    digits = _PLAIN_DIGITS if as_written else rf"\d+(?:{point}\d+)?{_EXPONENT}"
    if spelling.thousands:
        group = re.escape(spelling.thousands)
        digits = rf"(?:{digits}|[1-9]\d{{0,2}}(?:{group}\d{{3}})+(?:{point}\d+)?)"
    return _with_sign_and_symbol(digits, symbols)


def _with_sign_and_symbol(digits: str, symbols: Sequence[str]) -> str:
    b = f"{_BLANK}*"
    forms = [rf"[+-]?{b}{digits}"]
    if symbols:
        symbol = "(?:" + "|".join(re.escape(s) for s in symbols) + ")"
        forms = [
            rf"[+-]?{b}{digits}(?:{b}{symbol})?",  # 3,39 €   -3,39€
            rf"(?:[+-]{b})?{symbol}{b}{digits}",  # € 3,39   -€3,39
            rf"{symbol}{b}[+-]{b}{digits}",  # € -3,39
        ]
    return "^(?:" + "|".join(forms) + ")$"


def _without_symbols(values: pa.Array, symbols: Sequence[str]) -> pa.Array:
    """Numbers of a value pattern with sign, symbol and the blanks around them tidied away."""
    symbol = "|".join(re.escape(s) for s in symbols)
    # Regex replacement is slow: only the values holding a blank or a symbol go through it.
    untidy = _mask(pc.match_substring_regex(values, f"{_BLANK}|{symbol}" if symbol else _BLANK))
    if not untidy.any():
        return values
    tidied = pc.filter(values, pa.array(untidy))
    if symbol:
        tidied = pc.replace_substring_regex(tidied, rf"^([+-]?){_BLANK}*(?:{symbol})", r"\1")
        tidied = pc.replace_substring_regex(tidied, rf"{_BLANK}*(?:{symbol})$", "")
    # Blanks left sit around the sign (or are the thousands separator, removed after).
    tidied = pc.replace_substring_regex(tidied, rf"^{_BLANK}*([+-]?){_BLANK}*", r"\1")
    return pc.replace_with_mask(values, pa.array(untidy), tidied)


def _mask(values: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)


def _arrow_text(values: pd.Series) -> pa.Array:
    text = pa.array(values, type=pa.large_string(), from_pandas=True)
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _symbol_list(symbols: str | Iterable[str] | None) -> list[str]:
    """Symbols, the longest first so that ``US$`` is not read as ``US`` and ``$``."""
    listed = [symbols] if isinstance(symbols, str) else list(symbols or ())
    return sorted({s for s in listed if s}, key=lambda s: (-len(s), s))


def _where(frame: pd.DataFrame, row: int, part_column: str | None) -> str:
    """``data row 3``, or ``file 'b.csv', data row 1`` for stacked files."""
    if part_column is None or part_column not in frame.columns:
        return f"data row {row + 1}"
    parts = frame[part_column]
    part = parts.iloc[row]
    within = int((parts.iloc[: row + 1] == part).sum())
    return f"file {part!r}, data row {within}"


def _shown(number: float) -> str:
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
