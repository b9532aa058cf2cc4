"""Customer attributes as features: numbers coerced with clear errors, dates as ages in days."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd

from user_segmentation.errors import SchemaError


def attribute_features(
    customers: pd.DataFrame,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    dates: Mapping[str, str | None] | None = None,
    booleans: Sequence[str] = (),
    currency_symbols: Sequence[str] = (),
    as_of: datetime,
) -> pd.DataFrame:
    """Select and type the attribute columns used as features.

    Parameters
    ----------
    customers
        Integrated customer table (``customer_id`` plus attribute columns).
    numeric, categorical
        Columns to keep as numbers (coerced; text that is not a number is an error naming
        the row and value) or as categories (text; blanks become missing).
    dates
        ``{column: format}``: each becomes ``days_since_<column>`` relative to ``as_of``.
        A ``None`` format means ISO 8601 (``YYYY-MM-DD``); day-first or month-first are never
        guessed.
    booleans
        Yes/no columns, spelled any of ``yes/no``, ``y/n``, ``true/false``, ``t/f``, ``1/0``
        (any case): become 1.0/0.0; any other value is an error naming it.
    currency_symbols
        Symbols stripped from numeric text before parsing (``"£3.39"`` → 3.39).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a"], "age": ["41"], "since": ["2024-01-01"]})
    >>> attribute_features(c, numeric=["age"], dates={"since": None},
    ...                    as_of=datetime(2024, 1, 31)).to_dict("records")
    [{'customer_id': 'a', 'age': 41.0, 'days_since_since': 30.0}]
    """
    dates = dict(dates or {})
    wanted = [*numeric, *categorical, *dates, *booleans]
    missing = [c for c in wanted if c not in customers.columns]
    if missing:
        raise SchemaError(
            f"attribute column(s) {missing} not found; have {list(customers.columns)}"
        )
    out = pd.DataFrame({"customer_id": customers["customer_id"]})
    for col in numeric:
        out[col] = _to_number(customers[col], col, customers["customer_id"], currency_symbols)
    for col in booleans:
        out[col] = _to_flag(customers[col], col, customers["customer_id"])
    for col in categorical:
        text = customers[col].astype("string").str.strip()
        out[col] = text.mask(text == "")
    end = pd.Timestamp(as_of)
    for col, fmt in dates.items():
        parsed = _to_datetime(customers[col], col, fmt)
        out[f"days_since_{col}"] = ((end - parsed).dt.total_seconds() / 86400.0).round(9)
    return out


_HINTS = (
    (r"-?\d{1,3}(\.\d{3})+,\d+", "a decimal comma: set decimal: ',' and thousands: '.'"),
    (r"-?\d+,\d+", "a decimal comma: set the source's decimal: ','"),
    (r"-?\d{1,3}(,\d{3})+(\.\d+)?", "',' thousands separators: set the source's thousands: ','"),
)  # fmt: skip
_SYMBOL = re.compile(r"([^\d\s.,+-]+)\s*-?[\d.,]+|-?[\d.,]+\s*([^\d\s.,+-]+)")


def number_hint(value: str) -> str:
    """What to set when a text is a number written with a locale or a currency symbol.

    Examples
    --------
    >>> number_hint("12,50")
    "; it looks like a decimal comma: set the source's decimal: ','"
    >>> number_hint("£3.39")
    "; set currency_symbols: ['£'] to strip the symbol"
    >>> number_hint("n/a")
    ''
    """
    text = value.strip()
    for pattern, hint in _HINTS:
        if re.fullmatch(pattern, text):
            return f"; it looks like {hint}"
    symbol = _SYMBOL.fullmatch(text)
    if symbol:
        return (
            f"; set currency_symbols: [{symbol.group(1) or symbol.group(2)!r}] to strip the symbol"
        )
    return ""


_TRUE = {"yes", "y", "true", "t", "1", "1.0"}
_FALSE = {"no", "n", "false", "f", "0", "0.0"}


def _to_flag(values: pd.Series, col: str, ids: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    text = text.mask(text == "")
    flag = text.map(lambda v: 1.0 if v in _TRUE else 0.0 if v in _FALSE else None)
    bad = flag.isna() & text.notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise SchemaError(
            f"column '{col}', customer {ids.iloc[row]!r}: {values.iloc[row]!r} is not a yes/no "
            f"value (accepted: {sorted(_TRUE | _FALSE)})"
        )
    return flag.astype("float64")


def _to_number(
    values: pd.Series, col: str, ids: pd.Series, symbols: Sequence[str] = ()
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.strip()
    for symbol in symbols:
        text = text.str.replace(symbol, "", regex=False).str.strip()
    text = text.mask(text == "")
    num = pd.to_numeric(text, errors="coerce")
    bad = num.isna() & text.notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise SchemaError(
            f"column '{col}', customer {ids.iloc[row]!r}: {text.iloc[row]!r} is not a number "
            f"({int(bad.sum())} such value(s)){number_hint(str(text.iloc[row]))}"
        )
    return num.astype("float64")


def _to_datetime(values: pd.Series, col: str, fmt: str | None) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    # Everything in UTC: offsets may differ within a column (daylight saving), and naive
    # values are read as UTC.
    parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce", utc=True)
    bad = parsed.isna() & text.notna()
    if bad.any():
        examples = text[bad].unique()[:3].tolist()
        raise SchemaError(
            f"column '{col}': {int(bad.sum())} value(s) do not match the date format "
            f"{fmt or 'ISO 8601 (YYYY-MM-DD)'}, e.g. {examples}; declare the format in the "
            "source's dates mapping"
        )
    return parsed.dt.tz_localize(None)
