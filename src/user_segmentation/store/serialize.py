"""Convert run sections to and from what the store's tables hold.

Dicts become JSON text; DataFrames become column lists of plain Python values (``None`` for
missing) and come back with fixed dtypes: text as pandas' default string dtype, integers as
``int64`` (``Int64`` only when a nullable column really holds a missing value), floats as
``float64``. The dtype of each column is read from the table definition in
:mod:`~user_segmentation.store.schema`, so the two cannot drift apart.

These are pure functions: they never touch the database and never mutate their inputs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, Integer, String, Table

from user_segmentation.errors import StoreError

#: The dtype pandas gives a column of text by default ("str" in pandas 3, object before).
TEXT_DTYPE = pd.Series(["x"]).dtype


def column_kind(table: Table, name: str) -> str:
    """Return ``"int"``, ``"float"`` or ``"str"`` for a column of ``table``.

    Examples
    --------
    >>> from user_segmentation.store.schema import assignments
    >>> column_kind(assignments, "segment_id"), column_kind(assignments, "pc1")
    ('int', 'float')
    """
    col_type = table.c[name].type
    if isinstance(col_type, Integer):
        return "int"
    if isinstance(col_type, Float):
        return "float"
    if isinstance(col_type, String):
        return "str"
    raise TypeError(f"{table.name}.{name}: no frame conversion for {col_type!r}")


# ---------------------------------------------------------------------------------------------
# JSON sections


def _plain(value: Any, where: str) -> Any:
    """Return ``value`` as plain JSON data, or raise naming the first offending path."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int | float):
        # float covers np.float64, which subclasses it; int excludes numpy ints, handled below.
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return _plain(value.tolist(), where)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                # json.dumps would turn 1 into "1" and the loaded dict would differ.
                raise StoreError(
                    f"{where}: key {key!r} is a {type(key).__name__}; "
                    "only text keys can be stored and read back unchanged"
                )
            out[key] = _plain(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise StoreError(
        f"{where} is a {type(value).__name__}, which the store cannot keep: "
        "run sections hold JSON data only (dicts with text keys, lists, text, numbers, "
        "booleans, None; NumPy numbers and arrays are converted)"
    )


def dumps_section(section: str, value: dict[str, Any]) -> str:
    """Encode one dict section of a run as JSON text.

    Parameters
    ----------
    section
        Name of the section (``"meta"``, ``"model"``, ...), used in error messages.
    value
        The section. NumPy scalars and arrays are converted to numbers and lists; tuples
        become lists; NaN and infinity are kept.

    Returns
    -------
    str
        JSON text.

    Raises
    ------
    StoreError
        If the section is not a dict, has a non-text key, or holds a value that is not JSON
        data; the message names the path, e.g. ``model['centroids'][2]``.

    Examples
    --------
    >>> import numpy as np
    >>> dumps_section("timings", {"fit": np.float64(0.5), "n": np.int64(3)})
    '{"fit": 0.5, "n": 3}'
    """
    if not isinstance(value, dict):
        raise StoreError(f"run {section} is a {type(value).__name__}, expected a dict")
    # allow_nan: a NaN score in the selection evidence must come back as NaN, not fail.
    return json.dumps(_plain(value, section), ensure_ascii=False, allow_nan=True)


def loads_section(section: str, text: str | None, run_id: int) -> dict[str, Any]:
    """Decode one JSON section of a stored run (plain data only, nothing is executed).

    Examples
    --------
    >>> loads_section("timings", '{"fit": 0.5}', run_id=1)
    {'fit': 0.5}
    """
    try:
        value = json.loads(text) if text is not None else None
    except (TypeError, ValueError) as exc:
        raise StoreError(f"run {run_id}: stored {section} is not valid JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise StoreError(
            f"run {run_id}: stored {section} is a {type(value).__name__}, expected a JSON object"
        )
    return value


# ---------------------------------------------------------------------------------------------
# DataFrames


def show(value: Any) -> str:
    """``repr`` of a value as a user wrote it: ``1.5``, not ``np.float64(1.5)``.

    Examples
    --------
    >>> show(np.int64(5)), show("c2")
    ('5', "'c2'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _bad(table: str, column: str, position: int, value: Any, problem: str) -> StoreError:
    return StoreError(f"{table}: column '{column}', row {position + 1}: {show(value)} {problem}")


def _numeric(s: pd.Series, table: str, what: str) -> pd.Series:
    """``s`` itself if it has a numeric dtype; an object column of numbers converted."""
    name = str(s.name)
    # pandas counts booleans as numeric; the store does not.
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s
    if s.dtype != object:
        raise StoreError(f"{table}: column '{name}' must hold {what}, found dtype {s.dtype}")
    # An object column (e.g. an empty frame built from column names) is fine if it holds numbers.
    converted = pd.to_numeric(s, errors="coerce")
    is_bool = np.array([isinstance(v, bool | np.bool_) for v in s.tolist()], dtype=bool)
    bad = (converted.isna() & s.notna()).to_numpy() | is_bool
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise _bad(table, name, pos, s.iloc[pos], f"is not one of the {what} this column holds")
    return converted


def _int_values(s: pd.Series, table: str, nullable: bool) -> np.ndarray:
    name = str(s.name)
    s = _numeric(s, table, "integers")
    mask = s.isna().to_numpy()
    if pd.api.types.is_integer_dtype(s.dtype):
        ints = s.to_numpy(dtype=np.int64, na_value=0)
    else:
        arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~mask & (~np.isfinite(arr) | (arr != np.round(arr)))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise _bad(table, name, pos, s.iloc[pos], "is not an integer")
        ints = np.where(mask, 0, arr).astype(np.int64)
    if not mask.any():
        return ints
    if not nullable:
        pos = int(np.flatnonzero(mask)[0])
        raise _bad(table, name, pos, s.iloc[pos], "is missing; this column needs a value")
    values = ints.astype(object)
    values[mask] = None
    return values


def _float_values(s: pd.Series, table: str) -> np.ndarray:
    s = _numeric(s, table, "numbers")
    arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
    mask = np.isnan(arr)
    if not mask.any():
        return arr
    # Missing is stored as NULL on every database (PostgreSQL would otherwise keep a NaN
    # that poisons SQL aggregates).
    values = arr.astype(object)
    values[mask] = None
    return values


def _str_values(s: pd.Series, table: str, nullable: bool) -> np.ndarray:
    name = str(s.name)
    mask = s.isna().to_numpy()
    values = s.to_numpy(dtype=object)
    if mask.any():
        if not nullable:
            pos = int(np.flatnonzero(mask)[0])
            raise _bad(table, name, pos, values[pos], "is missing; this column needs a value")
        values = values.copy()
        values[mask] = None
    not_text = [pos for pos, v in enumerate(values) if v is not None and not isinstance(v, str)]
    if not_text:
        pos = not_text[0]
        raise _bad(
            table,
            name,
            pos,
            values[pos],
            f"is a {type(values[pos]).__name__}; this column holds text "
            "(convert with .astype(str))",
        )
    return values


def frame_to_columns(frame: pd.DataFrame, table: Table, columns: Sequence[str]) -> list[np.ndarray]:
    """Check a run frame and turn it into one array per column, ready to insert.

    Parameters
    ----------
    frame
        The frame; it must have exactly ``columns`` (in any order). Its index is not stored.
    table
        The table the rows go to; its column types decide the conversion.
    columns
        The frame columns to store, in order.

    Returns
    -------
    list of numpy.ndarray
        ``len(columns)`` arrays of equal length whose ``tolist()`` gives plain Python values:
        ``int64``/``float64`` arrays, or object arrays holding ``None`` for missing values.

    Raises
    ------
    StoreError
        If a column is missing or unexpected, or a value does not fit its column; the message
        names the table, column, row (1-based) and value.

    Examples
    --------
    >>> import pandas as pd
    >>> from user_segmentation.store.schema import segments
    >>> frame = pd.DataFrame({"segment_id": [0], "name": ["Loyal"], "size": [3], "share": [1.0]})
    >>> arrays = frame_to_columns(frame, segments, ["segment_id", "name", "size", "share"])
    >>> [a.tolist() for a in arrays]
    [[0], ['Loyal'], [3], [1.0]]
    """
    if not isinstance(frame, pd.DataFrame):
        raise StoreError(f"{table.name}: expected a DataFrame, got a {type(frame).__name__}")
    names = [str(c) for c in frame.columns]
    missing = [c for c in columns if c not in names]
    extra = [c for c in names if c not in columns]
    duplicated = len(set(names)) != len(names)
    if missing or extra or duplicated:
        problems = []
        if missing:
            problems.append(f"missing column(s) {missing}")
        if extra:
            problems.append(f"unexpected column(s) {extra}")
        if duplicated:
            problems.append("duplicated column names")
        raise StoreError(f"{table.name}: {'; '.join(problems)}; expected exactly {list(columns)}")
    out: list[np.ndarray] = []
    for name in columns:
        s = frame[name]
        kind = column_kind(table, name)
        # SQLAlchemy makes primary-key columns NOT NULL.
        nullable = bool(table.c[name].nullable)
        if kind == "int":
            out.append(_int_values(s, table.name, nullable))
        elif kind == "float":
            out.append(_float_values(s, table.name))
        else:
            out.append(_str_values(s, table.name, nullable))
    return out


def _chunk_series(values: tuple[Any, ...], kind: str) -> pd.Series:
    if kind == "int":
        if any(v is None for v in values):
            return pd.Series(pd.array(list(values), dtype="Int64"))
        return pd.Series(np.asarray(values, dtype=np.int64))
    if kind == "float":
        # None (SQL NULL) becomes NaN.
        return pd.Series(np.asarray(values, dtype=np.float64))
    return pd.Series(list(values), dtype=object)


def columns_to_frame(
    chunks: Iterable[Sequence[Sequence[Any]]], table: Table, columns: Sequence[str]
) -> pd.DataFrame:
    """Build a run frame from fetched rows, in saved order and with fixed dtypes.

    Parameters
    ----------
    chunks
        Fetched rows in batches; each row holds ``columns`` followed by the saved row order.
    table
        The table the rows come from; its column types decide the dtypes.
    columns
        Frame columns, in the order they appear in each row.

    Returns
    -------
    pandas.DataFrame
        Columns ``columns`` in that order, rows in saved order, a fresh ``RangeIndex``.

    Examples
    --------
    >>> from user_segmentation.store.schema import segments
    >>> rows = [(1, "B", 2, 0.4, 1), (0, "A", 3, 0.6, 0)]
    >>> columns_to_frame([rows], segments, ["segment_id", "name", "size", "share"])
       segment_id name  size  share
    0           0    A     3    0.6
    1           1    B     2    0.4
    """
    kinds = [column_kind(table, name) for name in columns]
    parts: list[list[pd.Series]] = [[] for _ in columns]
    order_parts: list[np.ndarray] = []
    for rows in chunks:
        if not rows:
            continue
        transposed = list(zip(*rows, strict=True))
        for i, kind in enumerate(kinds):
            parts[i].append(_chunk_series(transposed[i], kind))
        order_parts.append(np.asarray(transposed[len(columns)], dtype=np.int64))
    if not order_parts:
        parts = [[_chunk_series((), kind)] for kind in kinds]
        order_parts = [np.empty(0, dtype=np.int64)]
    order = np.argsort(np.concatenate(order_parts), kind="stable")
    data: dict[str, pd.Series] = {}
    for name, kind, pieces in zip(columns, kinds, parts, strict=True):
        series = pieces[0] if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)
        if kind == "str":
            series = series.astype(TEXT_DTYPE)
        data[name] = series.iloc[order].reset_index(drop=True)
    return pd.DataFrame(data, columns=list(columns))


def to_int_or_none(section: str, key: str, value: Any) -> int | None:
    """Return ``value`` as an int for an integer column of ``runs`` (``None`` stays ``None``).

    Examples
    --------
    >>> to_int_or_none("meta", "seed", 7.0)
    7
    """
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        raise StoreError(f"{section}[{key!r}] = {value!r} is not an integer")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value):
        return int(value)
    raise StoreError(f"{section}[{key!r}] = {value!r} is not an integer")
