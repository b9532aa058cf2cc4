"""JSON Lines (one object per line) and JSON (an array of objects) into a DataFrame.

Parsed with the standard library, which reports line and column of a syntax error (pandas'
``read_json`` does not). Records must be flat: a nested object or array is refused rather than
left as an opaque Python object in a column.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources.checks import clean_names, frame_from_records, require_rows
from user_segmentation.sources.files import decode_error, normalise_encoding, open_binary

_READ_ERRORS = (OSError, EOFError, zlib.error)


class _DuplicateKeyError(ValueError):
    """A JSON object names the same key twice (json.loads would silently keep the last)."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(f"key {key!r} appears twice in one object")
            seen.add(key)
    return record


def read_json(
    path: Path,
    label: str,
    *,
    lines: bool = False,
    id_columns: Sequence[str] = (),
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read flat JSON records: an array of objects, or JSON Lines with ``lines=True``.

    Parameters
    ----------
    path
        The file (gzip content is decompressed).
    label
        Name used in messages.
    lines
        ``True`` for JSON Lines (one object per line, blank lines ignored); ``False`` for a
        file holding one array of objects.
    id_columns
        Fields returned as text (``12345678901234567`` stays exact).
    encoding
        Text encoding; ``None`` means UTF-8 with any BOM stripped.

    Returns
    -------
    pandas.DataFrame
        One row per object, one column per key (in order of first appearance); a key absent
        from an object is a missing value.

    Raises
    ------
    SourceError
        On malformed JSON (line and column named), a top level that is not an array, a record
        that is not an object, or a nested value (line or record named).
    SchemaError
        When an object names the same key twice.
    EmptyInputError
        When the file holds no record.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text('{"id": "007", "x": 1}\\n{"id": 12345678901234567, "x": 2}\\n')
    >>> read_json(p, "a.jsonl", lines=True, id_columns=["id"])["id"].tolist()
    ['007', '12345678901234567']
    >>> q = p.with_name("a.json")
    >>> _ = q.write_text('[{"id": "007", "x": 1.5}]')
    >>> read_json(q, "a.json", id_columns=["id"]).to_dict("list")
    {'id': ['007'], 'x': [1.5]}
    """
    codec = normalise_encoding(encoding, label)
    try:
        records = _read_lines(path, codec, label) if lines else _read_array(path, codec, label)
    except UnicodeError as exc:
        raise decode_error(path, codec, label) from exc
    except _READ_ERRORS as exc:
        raise SourceError(f"{label}: cannot read the file: {exc}") from exc
    if not records:
        raise EmptyInputError(f"{label}: file has 0 data rows")
    keys = dict.fromkeys(key for record in records for key in record)
    names = dict(zip(keys, clean_names(keys, label), strict=True))
    frame = frame_from_records(records, names, id_columns)
    require_rows(frame, label)
    return frame


def _read_lines(path: Path, codec: str, label: str) -> list[dict[str, Any]]:
    records = []
    with io.TextIOWrapper(open_binary(path), encoding=codec, newline="") as fh:
        for line_no, line in enumerate(fh, start=1):
            if line.strip():
                record = _parse(line, label, line_no)
                records.append(_flat_record(record, f"{label}: line {line_no}"))
    return records


def _read_array(path: Path, codec: str, label: str) -> list[dict[str, Any]]:
    with open_binary(path) as fh:
        text = fh.read().decode(codec)
    if not text.strip():
        raise EmptyInputError(f"{label}: file holds only whitespace")
    document = _parse(text, label)
    if not isinstance(document, list):
        raise SourceError(
            f"{label}: expected a JSON array of records at the top level, "
            f"got {_json_type(document)} (for one object per line use kind 'jsonl')"
        )
    return [
        _flat_record(record, f"{label}: record {number}")
        for number, record in enumerate(document, start=1)
    ]


def _parse(text: str, label: str, line_no: int | None = None) -> Any:
    """Parse one JSON text; ``line_no`` is the file line it starts on (JSON Lines)."""
    where = label if line_no is None else f"{label}: line {line_no}"
    try:
        return json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        line = exc.lineno + (line_no or 1) - 1
        raise SourceError(
            f"{label}: line {line}, column {exc.colno}: invalid JSON: {exc.msg}"
        ) from exc
    except _DuplicateKeyError as exc:
        raise SchemaError(f"{where}: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"{where}: invalid JSON: {exc}") from exc


def _flat_record(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(f"{where}: expected a JSON object, got {_json_type(value)}")
    for key, field in value.items():
        if isinstance(field, dict | list):
            raise SourceError(
                f"{where}: field {key!r} holds {_json_type(field)}, but records must be flat "
                "(one value per field)"
            )
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
