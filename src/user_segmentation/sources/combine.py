"""Stack parts of one source (files of a glob, sheets of a workbook) into one frame.

The parts must have the same columns and each column the same kind of values (numbers, text,
dates, ...) in every part: pandas would otherwise concatenate numbers and text into one column
of mixed Python objects, or align different headers into a frame full of holes.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.sources.ids import ID_DTYPE


def union_parts(
    parts: Sequence[tuple[str, pd.DataFrame]], column: str, label: str, what: str
) -> pd.DataFrame:
    """Concatenate ``parts`` and add ``column`` holding the name of each row's part.

    Parameters
    ----------
    parts
        ``(name, frame)`` pairs in order; at least one.
    column
        Name of the added column (e.g. ``"source_file"``).
    label
        Name of the whole source, used in messages.
    what
        What a part is (``"file"``, ``"sheet"``), used in messages.

    Returns
    -------
    pandas.DataFrame
        The rows of every part in order, columns in the first part's order, then ``column``
        (dtype ``string``); a RangeIndex.

    Raises
    ------
    SchemaError
        When a part's column names differ from the first part's (the part and the columns
        are named), when a column holds different kinds of values in two parts, or when a
        part already has ``column``.

    Examples
    --------
    >>> import pandas as pd
    >>> a, b = pd.DataFrame({"id": ["1"], "x": [1]}), pd.DataFrame({"x": [2.5], "id": ["2"]})
    >>> union_parts([("a.csv", a), ("b.csv", b)], "source_file", "*.csv", "file").to_dict("list")
    {'id': ['1', '2'], 'x': [1.0, 2.5], 'source_file': ['a.csv', 'b.csv']}
    """
    first_name, first = parts[0]
    columns = list(first.columns)
    for name, frame in parts:
        if column in frame.columns:
            raise SchemaError(
                f"{label}: {what} {name!r} already has a column {column!r}, the name of the "
                f"column added to tell the {what}s apart; rename it"
            )
        missing = [c for c in columns if c not in frame.columns]
        extra = [c for c in frame.columns if c not in columns]
        if missing or extra:
            differences = [
                *([f"missing {_listed(missing)}"] if missing else []),
                *([f"extra {_listed(extra)}"] if extra else []),
            ]
            raise SchemaError(
                f"{label}: {what} {name!r} has different columns from {what} "
                f"{first_name!r}: {'; '.join(differences)}"
            )
    _check_kinds(parts, columns, label, what)
    pieces = [_without_empty_columns(frame, name, column) for name, frame in parts]
    useful = [piece for piece in pieces if len(piece)] or pieces[:1]
    out = pd.concat(useful, ignore_index=True)
    out = out.reindex(columns=[*columns, column])
    out[column] = out[column].astype(ID_DTYPE)
    return out


def _without_empty_columns(frame: pd.DataFrame, name: str, column: str) -> pd.DataFrame:
    # An all-missing column (a blank column of one sheet, say) carries no type; leaving it
    # out lets concat take the type from the parts that have values, and fill it in.
    empty = [c for c in frame.columns if frame[c].isna().all()]
    return frame.drop(columns=empty).assign(**{column: name})


def _check_kinds(
    parts: Sequence[tuple[str, pd.DataFrame]], columns: list[str], label: str, what: str
) -> None:
    for col in columns:
        seen: tuple[str, str] | None = None  # (kind, part) of the first part with values
        for name, frame in parts:
            kind = value_kind(frame[col])
            if kind is None:
                continue
            if seen is None:
                seen = (kind, name)
            elif kind != seen[0]:
                raise SchemaError(
                    f"{label}: column {col!r} holds {kind} in {what} {name!r} but "
                    f"{seen[0]} in {what} {seen[1]!r}"
                )


def value_kind(series: pd.Series) -> str | None:
    """Name the kind of values a column holds; ``None`` when all are missing.

    Integers and floats are both ``"numbers"``; an object column holding several kinds is
    ``"mixed values"``.

    Examples
    --------
    >>> import pandas as pd
    >>> value_kind(pd.Series([1, 2])), value_kind(pd.Series(["a", None]))
    ('numbers', 'text')
    >>> value_kind(pd.Series([1, "a"], dtype=object)), value_kind(pd.Series([None, None]))
    ('mixed values', None)
    """
    values = series.dropna()
    if values.empty:
        return None
    dtype = series.dtype
    if pd.api.types.is_object_dtype(dtype):
        kinds = {_python_kind(t) for t in values.map(type).unique()}
        return kinds.pop() if len(kinds) == 1 else "mixed values"
    if pd.api.types.is_bool_dtype(dtype):
        return "booleans"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numbers"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "dates"
    if pd.api.types.is_string_dtype(dtype):
        return "text"
    return f"values of type {dtype}"


def _python_kind(kind: type) -> str:
    if issubclass(kind, str):
        return "text"
    if issubclass(kind, bool | np.bool_):
        return "booleans"
    if issubclass(kind, numbers.Number):  # int, float, Decimal and their NumPy kin
        return "numbers"
    if hasattr(kind, "isoformat"):  # datetime, date, time, pd.Timestamp
        return "dates"
    return f"values of type {kind.__name__}"


def _listed(names: Sequence[object]) -> str:
    return ", ".join(repr(n) for n in names)
