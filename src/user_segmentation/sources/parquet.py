"""Parquet files, or folders of them, into a DataFrame, through pyarrow."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from user_segmentation.errors import SourceError
from user_segmentation.sources.checks import clean_names, require_rows
from user_segmentation.sources.parquet_dataset import INDEX_PREFIX, read_dataset

_UNNAMED_INDEX = re.compile(rf"^{INDEX_PREFIX}\d+__$")


def read_parquet(path: Path, label: str, *, id_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a Parquet file, or a folder of them (a dataset, possibly hive-partitioned).

    Integer id columns are cast to text in Arrow, before pandas could turn an integer column
    with nulls into float64 and round ids beyond 2**53.

    Parameters
    ----------
    path
        The file, or a folder whose ``*.parquet`` files (at any depth, hidden and
        ``_``-prefixed paths skipped) are read together; ``key=value`` folder names become
        columns (see :func:`~user_segmentation.sources.parquet_dataset.read_dataset`).
    label
        Name used in messages.
    id_columns
        Columns returned as text.

    Returns
    -------
    pandas.DataFrame
        One column per Parquet column; a pandas index stored in the file comes back as a
        column when it was named, and is dropped otherwise.

    Raises
    ------
    SourceError
        When the file is not readable Parquet (corrupt, truncated, another format), or two
        files of a folder have incompatible schemas (both named).
    EmptyInputError
        When the file holds 0 rows, or the folder no ``.parquet`` file or 0 rows.
    SchemaError
        When column names repeat, or a partition key is also a column.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.parquet"
    >>> pd.DataFrame({"id": pd.array([7, None], dtype="Int64")}).to_parquet(p)
    >>> read_parquet(p, "a.parquet", id_columns=["id"])["id"].iloc[0]
    '7'
    """
    if path.is_dir():
        table = read_dataset(path, label, id_columns)
    else:
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise SourceError(f"{label}: not a readable Parquet file: {exc}") from exc
        table = _with_range_index(table)
    names = clean_names(table.column_names, label)
    for position, name in enumerate(names):
        if name in id_columns:
            column = _id_array(table.column(position))
            table = table.set_column(position, table.field(position).name, column)
    # pandas metadata would rebuild the stored dtypes (clashing with the cast ids) and the
    # stored index; without it a named index is an ordinary column and an unnamed one is
    # dropped, so the frame always has a plain RangeIndex.
    unnamed_index = [n for n in table.column_names if _UNNAMED_INDEX.match(n)]
    table = table.drop_columns(unnamed_index)
    try:
        frame = table.to_pandas(ignore_metadata=True)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise SourceError(f"{label}: cannot convert the Parquet data: {exc}") from exc
    require_rows(frame, label, "folder" if path.is_dir() else "file")
    return frame


def _with_range_index(table: pa.Table) -> pa.Table:
    """Add back a named pandas RangeIndex, which pandas stores as metadata, not as a column."""
    try:
        meta = table.schema.pandas_metadata or {}
    except ValueError:  # unreadable metadata is ignored like any foreign metadata
        return table
    for entry in meta.get("index_columns", []):
        if not isinstance(entry, dict) or entry.get("kind") != "range":
            continue
        name = entry.get("name")
        try:
            values = range(entry.get("start", 0), entry.get("stop", 0), entry.get("step", 1))
        except (TypeError, ValueError):
            continue
        if name is not None and name not in table.column_names and len(values) == len(table):
            table = table.append_column(str(name), pa.array(values, pa.int64()))
    return table


def _id_array(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.dictionary_decode()
        kind = column.type
    if pa.types.is_integer(kind):
        # Arrow writes integers exactly; floats and decimals are handled after conversion.
        return pc.cast(column, pa.string())
    return column
