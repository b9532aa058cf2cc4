"""Checks every reader shares: column names, row count, required and id columns, the index."""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from user_segmentation.errors import EmptyInputError, SchemaError
from user_segmentation.sources.ids import ids_to_string, value_text


def clean_names(raw: Iterable[Any], label: str) -> list[str]:
    """Turn the raw header of a source into column names.

    Names are stripped of surrounding whitespace; a blank name becomes ``"Unnamed: i"``
    (0-based position, as pandas names it).

    Raises
    ------
    SchemaError
        When two columns end up with the same name (pandas would silently rename the second
        to ``name.1``).

    Examples
    --------
    >>> clean_names([" id ", "amount", None], "a.csv")
    ['id', 'amount', 'Unnamed: 2']
    """
    names = [(value_text(v) or "").strip() or f"Unnamed: {i}" for i, v in enumerate(raw)]
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        seen.setdefault(name, []).append(i + 1)
    dupes = {n: pos for n, pos in seen.items() if len(pos) > 1}
    if dupes:
        listed = "; ".join(
            f"{n!r} at columns {', '.join(map(str, pos))}" for n, pos in dupes.items()
        )
        raise SchemaError(f"{label}: duplicate column names: {listed}")
    return names


def require_rows(frame: pd.DataFrame, label: str, what: str = "file") -> None:
    """Refuse a frame without columns or without data rows.

    Examples
    --------
    >>> import pandas as pd
    >>> require_rows(pd.DataFrame({"id": ["1"]}), "a.csv")
    >>> require_rows(pd.DataFrame({"id": []}), "a.csv")
    Traceback (most recent call last):
    ...
    user_segmentation.errors.EmptyInputError: a.csv: file has 0 data rows
    """
    if frame.shape[1] == 0:
        raise EmptyInputError(f"{label}: {what} has no columns")
    if frame.shape[0] == 0:
        raise EmptyInputError(f"{label}: {what} has 0 data rows")


def frame_from_rows(
    rows: Sequence[Sequence[Any]],
    columns: Sequence[str],
    id_columns: Sequence[str],
    *,
    coerce_float: bool = False,
) -> pd.DataFrame:
    """Build a frame from row tuples, taking id columns from the raw values.

    pandas infers the other columns (``coerce_float`` also turns ``Decimal`` into float); id
    columns bypass inference so that a big integer never passes through float64.

    Examples
    --------
    >>> df = frame_from_rows([(12345678901234567, 1.5), (None, 2.0)], ["id", "x"], ["id"])
    >>> df["id"].tolist()
    ['12345678901234567', <NA>]
    """
    data: Any = list(rows)  # pandas-stubs type rows as SequenceNotStr, which Sequence is not
    frame = pd.DataFrame.from_records(data, columns=list(columns), coerce_float=coerce_float)
    for position, name in enumerate(columns):
        if name in id_columns:
            frame[name] = ids_to_string([row[position] for row in rows])
    return frame


def frame_from_records(
    records: Sequence[Mapping[str, Any]], names: Mapping[str, str], id_columns: Sequence[str]
) -> pd.DataFrame:
    """Build a frame from dict records; ``names`` maps raw keys (in column order) to names.

    Examples
    --------
    >>> df = frame_from_records([{" id": 7, "x": 1}, {"x": 2}], {" id": "id", "x": "x"}, ["id"])
    >>> df.columns.tolist(), df["id"].tolist()
    (['id', 'x'], ['7', <NA>])
    """
    raw_keys = list(names)
    frame = pd.DataFrame.from_records(list(records), columns=raw_keys)
    frame.columns = pd.Index([names[k] for k in raw_keys])
    for key in raw_keys:
        if names[key] in id_columns:
            frame[names[key]] = ids_to_string([record.get(key) for record in records])
    return frame


def finalize(
    frame: pd.DataFrame,
    label: str,
    id_columns: Sequence[str],
    required_columns: Sequence[str],
) -> pd.DataFrame:
    """Apply the checks every source gets after reading.

    Column names are stripped (and must stay unique), every required and id column must be
    present and id columns become ``string`` dtype. The readers already give a plain
    RangeIndex, so the index is left as it is.

    Raises
    ------
    SchemaError
        When columns are duplicated or required ones are missing; the message lists close
        matches and the columns found.
    EmptyInputError
        When the frame has no columns or no rows.

    Examples
    --------
    >>> import pandas as pd
    >>> df = finalize(pd.DataFrame({" id ": [7], "x": [1]}), "a.csv", ["id"], ["x"])
    >>> df.columns.tolist(), df["id"].tolist()
    (['id', 'x'], ['7'])
    >>> finalize(pd.DataFrame({"X1": [1]}), "a.csv", [], ["x"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    user_segmentation.errors.SchemaError: a.csv: required column 'x' missing; similar: 'X1' ...
    """
    out = frame.copy(deep=False)  # the caller's frame keeps its own labels
    out.columns = pd.Index(clean_names(out.columns, label))
    missing_problems = _missing_columns(list(out.columns), [*id_columns, *required_columns])
    if missing_problems:
        found = ", ".join(repr(c) for c in out.columns)
        raise SchemaError(
            f"{label}: {'; '.join(missing_problems)} (columns found: {found})"
            + _one_column_hint(list(out.columns))
        )
    require_rows(out, label)
    for name in dict.fromkeys(id_columns):
        out[name] = ids_to_string(out[name])
    return out


def _missing_columns(columns: list[str], wanted: Sequence[str]) -> list[str]:
    lowered: dict[str, list[str]] = {}
    for c in columns:
        lowered.setdefault(c.lower(), []).append(c)
    problems: list[str] = []
    for name in dict.fromkeys(wanted):
        if name in columns:
            continue
        close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
        similar = [c for key in close for c in lowered[key]]
        text = f"required column {name!r} missing"
        if similar:
            text += "; similar: " + ", ".join(repr(s) for s in similar)
        problems.append(text)
    return problems


def _one_column_hint(columns: list[Hashable]) -> str:
    # A file read as one column whose name holds a delimiter was almost surely split wrongly.
    if len(columns) == 1 and any(d in str(columns[0]) for d in ",;\t|"):
        return "; the file was read as a single column: set sep= to its delimiter"
    return ""
