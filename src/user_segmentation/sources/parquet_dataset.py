"""A folder of Parquet files (a dataset as Spark or pyarrow write it) into one Arrow table.

Every file's schema is read and compared first: ``pyarrow.dataset`` takes the first file's
schema for all of them and would silently drop columns only later files have, or fail deep in
the scan without naming the files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError

#: Columns in which pandas stores an unnamed index; not data, and not in every file.
INDEX_PREFIX = "__index_level_"

_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # how Hive and Spark write a null partition value
# An integer without leading zeros fits int64 losslessly and reads back as written.
_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")


def dataset_files(directory: Path) -> list[Path]:
    """The ``*.parquet`` files under ``directory`` (any depth), in sorted order.

    Paths with a part starting with ``.`` or ``_`` are skipped: Spark's ``_SUCCESS`` and
    ``_temporary/``, checksum and hidden files are not data.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["year=2024/b.parquet", "a.parquet", "_temporary/c.parquet", "notes.txt"]:
    ...     (d / name).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (d / name).write_bytes(b"x")
    >>> [p.relative_to(d).as_posix() for p in dataset_files(d)]
    ['a.parquet', 'year=2024/b.parquet']
    """
    found = []
    for path in directory.rglob("*.parquet"):
        relative = path.relative_to(directory)
        if any(part.startswith((".", "_")) for part in relative.parts):
            continue
        if path.is_file():
            found.append((relative.as_posix(), path))
    return [path for _, path in sorted(found)]


def read_dataset(directory: Path, label: str, id_columns: Sequence[str] = ()) -> pa.Table:
    """Read every Parquet file of a folder, hive partition columns (``key=value/``) included.

    Parameters
    ----------
    directory
        The dataset's root folder.
    label
        Name used in messages.
    id_columns
        Partition keys among these are read as text. Other partition keys are integers
        when every value is an integer written without leading zeros, text otherwise
        (``month=01`` stays ``"01"``); ``__HIVE_DEFAULT_PARTITION__`` is a missing value.

    Returns
    -------
    pyarrow.Table
        The files' rows in sorted file order, the partition columns last; pandas index
        columns (``__index_level_0__``) left out.

    Raises
    ------
    EmptyInputError
        When the folder holds no ``.parquet`` file.
    SourceError
        When a file is not readable Parquet, or two files have incompatible schemas
        (different columns, or types that do not widen into one); both files are named.
    SchemaError
        When a partition key is also a column inside the files.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow as pa, pyarrow.parquet as pq
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for year in (2023, 2024):
    ...     (d / f"year={year}").mkdir()
    ...     pq.write_table(pa.table({"id": [year - 2000]}), d / f"year={year}" / "part.parquet")
    >>> read_dataset(d, "sales").to_pydict()
    {'id': [23, 24], 'year': [2023, 2024]}
    """
    files = dataset_files(directory)
    if not files:
        raise EmptyInputError(f"{label}: the folder holds no .parquet file")
    schema = _common_schema(files, directory, label)
    partitioning = _partitioning(files, directory, schema, id_columns, label)
    full = pa.schema([*schema, *partitioning.schema])
    try:
        dataset = ds.dataset(
            [str(f) for f in files],
            schema=full,
            format="parquet",
            partitioning=partitioning,
            partition_base_dir=str(directory),
        )
        return dataset.to_table()  # keeps the order of the files
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise SourceError(f"{label}: cannot read the Parquet files: {exc}") from exc


def _common_schema(files: list[Path], directory: Path, label: str) -> pa.Schema:
    """The schema every file fits, or an error naming the first two files that disagree."""
    first = files[0].relative_to(directory).as_posix()
    schema = _file_schema(files[0], directory, label)
    origin = dict.fromkeys(schema.names, first)  # the file each column's type comes from
    for path in files[1:]:
        name = path.relative_to(directory).as_posix()
        other = _file_schema(path, directory, label)
        missing = [c for c in schema.names if c not in other.names]
        extra = [c for c in other.names if c not in schema.names]
        if missing or extra:
            differences = [
                *([f"missing {', '.join(map(repr, missing))}"] if missing else []),
                *([f"extra {', '.join(map(repr, extra))}"] if extra else []),
            ]
            raise SourceError(
                f"{label}: incompatible schemas: file {name!r} has different columns from "
                f"file {first!r}: {'; '.join(differences)}"
            )
        fields = []
        for field in schema:
            theirs = other.field(field.name)
            try:
                merged = pa.unify_schemas(
                    [pa.schema([field]), pa.schema([theirs])], promote_options="permissive"
                )
            except (pa.ArrowException, ValueError) as exc:
                raise SourceError(
                    f"{label}: incompatible schemas: column {field.name!r} is {field.type} in "
                    f"file {origin[field.name]!r} but {theirs.type} in file {name!r}"
                ) from exc
            if merged.field(0).type != field.type:
                origin[field.name] = name
            fields.append(merged.field(0))
        schema = pa.schema(fields)
    return schema


def _file_schema(path: Path, directory: Path, label: str) -> pa.Schema:
    name = path.relative_to(directory).as_posix()
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise SourceError(f"{label}, file {name!r}: not a readable Parquet file: {exc}") from exc
    fields = []
    for field in schema:
        if field.name.startswith(INDEX_PREFIX):
            continue
        if pa.types.is_dictionary(field.type):
            # Categorical in one file, plain in another: both are their values' type.
            field = field.with_type(field.type.value_type)
        fields.append(field.remove_metadata())
    return pa.schema(fields)


def _partitioning(
    files: list[Path],
    directory: Path,
    schema: pa.Schema,
    id_columns: Sequence[str],
    label: str,
) -> ds.Partitioning:
    """Hive partitioning with the keys found in the folder names, typed here.

    Read from the paths rather than discovered by pyarrow, whose discovery types
    ``customer=007`` as the integer 7 and whose result differs when no folder is a key.
    """
    values: dict[str, set[str]] = {}
    for path in files:
        for part in path.relative_to(directory).parts[:-1]:
            key, sep, value = part.partition("=")
            if sep and key:
                values.setdefault(key, set()).add(unquote(value))
    fields = []
    for key, seen in values.items():
        if key in schema.names:
            raise SchemaError(
                f"{label}: partition key {key!r} (folders named '{key}=...') is also a "
                "column inside the files"
            )
        seen.discard(_HIVE_NULL)
        integral = key not in id_columns and all(_INTEGER.fullmatch(v) for v in seen)
        fields.append(pa.field(key, pa.int64() if integral and seen else pa.string()))
    return ds.partitioning(pa.schema(fields), flavor="hive")
