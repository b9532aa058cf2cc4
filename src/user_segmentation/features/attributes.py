"""Customer attributes as features: numbers coerced with clear errors, dates as ages in days.

Declared valid ranges (:func:`apply_ranges`) turn implausible numbers (an age of 250) into
missing values, counted for the data-quality report, or refuse them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from user_segmentation.errors import DataQualityError, SchemaError

#: A valid range ``(lowest, highest)``, both included; ``None`` leaves that side open.
Bounds = tuple[float | None, float | None]

#: Customers listed per column in the out-of-range report.
RANGE_EXAMPLES = 5


def attribute_features(
    customers: pd.DataFrame,
    *,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    dates: Mapping[str, str | None] | None = None,
    booleans: Sequence[str] = (),
    currency_symbols: Sequence[str] = (),
    as_of: datetime,
    timezone: str = "UTC",
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
        parsed = _to_datetime(customers[col], col, fmt, timezone)
        out[f"days_since_{col}"] = ((end - parsed).dt.total_seconds() / 86400.0).round(9)
    return out


def apply_ranges(
    table: pd.DataFrame,
    ranges: Mapping[str, Bounds],
    *,
    policy: Literal["missing", "error"] = "missing",
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Values outside their column's declared range: made missing and counted, or refused.

    Parameters
    ----------
    table
        ``customer_id`` plus numeric columns (as :func:`attribute_features` returns them);
        not modified.
    ranges
        ``{column: (lowest, highest)}``; both bounds are valid values, ``None`` means no
        bound on that side. Missing values are never out of range.
    policy
        ``"missing"``: an out-of-range value becomes missing (imputed later like any other);
        ``"error"``: the first one, in customer-id order, raises.

    Returns
    -------
    table, report
        A copy of ``table`` (with the out-of-range values missing under ``"missing"``), and
        per declared column ``{"range": [lowest, highest], "count": n, "share": n /
        customers, "policy": policy, "examples": [{"customer_id": ..., "value": ...}, ...]}``
        with up to :data:`RANGE_EXAMPLES` examples, in customer-id order.

    Raises
    ------
    SchemaError
        If a column of ``ranges`` is not in ``table`` or is not numeric.
    DataQualityError
        Under ``policy="error"``, naming the column, customer, value and range.

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["a", "b", "c"], "age": [41.0, 250.0, None]})
    >>> out, report = apply_ranges(t, {"age": (0, 120)})
    >>> out["age"].tolist()[:2], report["age"]["count"], report["age"]["examples"]
    ([41.0, nan], 1, [{'customer_id': 'b', 'value': 250.0}])
    """
    if policy not in ("missing", "error"):
        raise ValueError(f"policy must be 'missing' or 'error', not {policy!r}")
    out = table.copy()
    report: dict[str, dict[str, Any]] = {}
    ids = table["customer_id"]
    for col, (lo, hi) in ranges.items():
        if col not in table.columns:
            raise SchemaError(f"range declared for column '{col}', which is not among the features")
        if not pd.api.types.is_numeric_dtype(table[col]) or pd.api.types.is_bool_dtype(table[col]):
            raise SchemaError(f"range declared for column '{col}', which is not numeric")
        values = table[col].to_numpy(dtype="float64", na_value=np.nan)
        # NaN compares False both ways, so missing values are never counted.
        outside = np.zeros(len(values), dtype=bool)
        if lo is not None:
            outside |= values < lo
        if hi is not None:
            outside |= values > hi
        rows = np.flatnonzero(outside)
        # Examples (and the value an error names) in id order, whatever the row order.
        rows = rows[np.argsort(ids.iloc[rows].astype("string").to_numpy(), kind="stable")]
        if len(rows) and policy == "error":
            first = int(rows[0])
            raise DataQualityError(
                f"column '{col}', customer {ids.iloc[first]!r}: {_number_text(values[first])} "
                f"is outside the declared range {describe_range(lo, hi)} "
                f"({len(rows)} such value(s)); correct the data, widen the range, or treat "
                "out-of-range values as missing"
            )
        if len(rows):
            out[col] = out[col].mask(pd.Series(outside, index=out.index))
        report[col] = {
            "range": [lo, hi],
            "count": len(rows),
            "share": round(len(rows) / len(table), 4) if len(table) else 0.0,
            "policy": policy,
            "examples": [
                {"customer_id": str(ids.iloc[r]), "value": float(values[r])}
                for r in rows[:RANGE_EXAMPLES]
            ],
        }
    return out, report


def describe_range(lo: float | None, hi: float | None) -> str:
    """A range as text: both bounds included, ``None`` an open side.

    Examples
    --------
    >>> describe_range(0, 120), describe_range(None, 5.5), describe_range(18, None)
    ('[0, 120]', '(-inf, 5.5]', '[18, inf)')
    """
    left = "(-inf" if lo is None else f"[{_number_text(lo)}"
    right = "inf)" if hi is None else f"{_number_text(hi)}]"
    return f"{left}, {right}"


def _number_text(value: float) -> str:
    """A number as written: ``250`` rather than ``250.0``, other floats as Python shows them."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


# Each hint says what the source needs rather than "set ...": a source read with the setting
# already converts every value it reads, so a value left here needs something else as well.
_HINTS = (
    (r"-?\d{1,3}(\.\d{3})+,\d+",
     "'.' thousands with a decimal comma: the source needs decimal: ',' and thousands: '.'"),
    (r"-?\d+,\d+", "a decimal comma: the source needs decimal: ','"),
    (r"-?\d{1,3}(,\d{3})+(\.\d+)?", "',' thousands separators: the source needs thousands: ','"),
)  # fmt: skip
_SYMBOL = re.compile(r"([^\d\s.,+-]+)\s*-?[\d.,]+|-?[\d.,]+\s*([^\d\s.,+-]+)")


def number_hint(value: str) -> str:
    """What a text needs to be read as a number: a locale setting or a currency symbol.

    Examples
    --------
    >>> number_hint("12,50")
    "; it looks like a decimal comma: the source needs decimal: ','"
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
        # Named as written; the hint judges what is left once the symbols are stripped.
        row = int(bad.to_numpy().nonzero()[0][0])
        raise SchemaError(
            f"column '{col}', customer {ids.iloc[row]!r}: {values.iloc[row]!r} is not a number "
            f"({int(bad.sum())} such value(s)){number_hint(str(text.iloc[row]))}"
        )
    return num.astype("float64")


def _to_datetime(values: pd.Series, col: str, fmt: str | None, timezone: str) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values):
        return _local_to_utc(values, timezone)
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    # Everything in UTC: offsets may differ within a column (daylight saving), and values
    # without an offset are local times of ``timezone``.
    parsed = pd.to_datetime(text, format=fmt or "ISO8601", errors="coerce", utc=True)
    if timezone != "UTC":
        naive = text.notna()
        if fmt is None:  # ISO 8601: an offset may follow; a declared format has one only with %z
            naive &= ~text.str.contains(_OFFSET, regex=True).fillna(False)
        elif "%z" in fmt:
            naive &= False
        local = pd.to_datetime(text[naive], format=fmt or "ISO8601", errors="coerce")
        parsed[naive] = _local_to_utc(local, timezone).dt.tz_localize("UTC")
    bad = parsed.isna() & text.notna()
    if bad.any():
        examples = text[bad].unique()[:3].tolist()
        raise SchemaError(
            f"column '{col}': {int(bad.sum())} value(s) do not match the date format "
            f"{fmt or 'ISO 8601 (YYYY-MM-DD)'}, e.g. {examples}; declare the format in the "
            "source's dates mapping"
        )
    return parsed.dt.tz_localize(None)


#: The end of a date-time written with a UTC offset: ``Z``, ``+02:00``, ``-0500``.
_OFFSET = r"(?:[zZ]|[+-]\d\d:?\d\d)$"


def _local_to_utc(values: pd.Series, timezone: str) -> pd.Series:
    """Naive local times of ``timezone`` as naive UTC (an hour repeated by a change to winter
    time is read as winter time; one skipped by the change to summer time moves forward)."""
    if timezone == "UTC":
        return values
    ambiguous = np.zeros(len(values), dtype=bool)
    return (
        values.dt.tz_localize(timezone, ambiguous=ambiguous, nonexistent="shift_forward")
        .dt.tz_convert("UTC")
        .dt.tz_localize(None)
    )
