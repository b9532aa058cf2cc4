"""Identifier columns as text: ``007`` stays ``007``, ``12345678901234567`` stays exact.

Sources store ids as text (CSV, JSON strings) or as numbers (Parquet, SQL, Excel cells). Both end
here as a pandas ``string`` column whose missing values are ``pd.NA`` (never the text ``"nan"``),
and whose integral numbers are written without a trailing ``.0``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

#: The dtype every id column has after reading.
ID_DTYPE = pd.StringDtype()


def value_text(value: Any) -> str | None:
    """Write one scalar as id text; ``None`` for a missing value.

    Parameters
    ----------
    value
        A scalar as a reader returns it (str, int, float, Decimal, date, bytes, ...).

    Returns
    -------
    str or None
        Integral numbers without ``.0``, other numbers in their shortest exact form, dates in
        ISO 8601, text unchanged (an empty string counts as missing).

    Examples
    --------
    >>> value_text("007"), value_text(12346.0), value_text(12345678901234567)
    ('007', '12346', '12345678901234567')
    >>> value_text(float("nan")) is None, value_text("") is None
    (True, True)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, Decimal):
        if value.is_nan():
            return None
        if value.is_finite() and value == value.to_integral_value():
            return str(int(value))
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, dt.datetime | dt.date | dt.time):  # pd.Timestamp is a datetime
        return value.isoformat()
    return str(value)


def ids_to_string(values: pd.Series | Sequence[Any]) -> pd.Series:
    """Convert an id column to text without losing digits.

    Parameters
    ----------
    values
        The raw column: a Series of any dtype, or the values as Python objects.

    Returns
    -------
    pandas.Series
        Dtype ``string``; missing values are ``pd.NA``. The index of a Series input is kept.

    Examples
    --------
    >>> import pandas as pd
    >>> ids_to_string(pd.Series([7.0, None, 12346.0])).tolist()
    ['7', <NA>, '12346']
    >>> ids_to_string(["007", 12345678901234567, None]).tolist()
    ['007', '12345678901234567', <NA>]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    dtype = series.dtype
    is_text = pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)
    if is_text or pd.api.types.is_integer_dtype(dtype):
        # Exact for int64 and nullable Int64 (float64 would round beyond 2**53).
        return series.astype(ID_DTYPE)
    if pd.api.types.is_float_dtype(dtype):
        return _floats_to_string(series)
    texts = [value_text(v) for v in series.tolist()]
    return pd.Series(pd.array(texts, dtype=ID_DTYPE), index=series.index, name=series.name)


def _floats_to_string(series: pd.Series) -> pd.Series:
    numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full(numbers.shape, None, dtype=object)
    finite = np.isfinite(numbers)
    # Only integers that int64 can hold take the vectorised path; anything else is rare.
    integral = finite & (numbers == np.trunc(numbers)) & (np.abs(numbers) < 2.0**63)
    out[integral] = numbers[integral].astype(np.int64).astype(str)
    rest = ~integral & ~np.isnan(numbers)
    out[rest] = [value_text(v) for v in numbers[rest]]
    return pd.Series(pd.array(out, dtype=ID_DTYPE), index=series.index, name=series.name)
