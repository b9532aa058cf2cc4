"""JSON Lines (one object per line) and JSON (an array of objects) into a DataFrame.

Parsed with the standard library, which reports line and column of a syntax error (pandas'
``read_json`` does not). Records must be flat: a nested object or array is refused rather than
left as an opaque Python object in a column, unless ``flatten`` names the values to extract
(see :mod:`user_segmentation.sources.nested`).
"""

from __future__ import annotations

import functools
import io
import json
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from user_segmentation.errors import EmptyInputError, SchemaError, SourceError
from user_segmentation.sources.checks import clean_names, frame_from_records, require_rows
from user_segmentation.sources.files import decode_error, normalise_encoding, open_binary
from user_segmentation.sources.limits import DEFAULT_MAX_UNCOMPRESSED_BYTES
from user_segmentation.sources.nested import Flattening, flat_record, json_type, parse_flatten

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
    flatten: Mapping[str, str] | None = None,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
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
    flatten
        ``{output column: "dotted.path"}``: nested values to extract into flat columns (a
        path absent from a record gives a missing value); the top-level fields the paths
        start from are replaced by these columns.
    max_uncompressed_bytes
        Largest decompressed size of gzip content, counted while reading.

    Returns
    -------
    pandas.DataFrame
        One row per object, one column per key (in order of first appearance, flatten
        columns after the fields of the first record); a key absent from an object is a
        missing value.

    Raises
    ------
    SourceError
        On malformed JSON (line and column named), a top level that is not an array, a record
        that is not an object, a nested value not covered by ``flatten``, or a flatten path
        holding an array or an object (line, and record of an array, named).
    SchemaError
        When an object names the same key twice, or a flatten column is also a field.
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
    flattening = parse_flatten(flatten, label)
    cap = max_uncompressed_bytes
    try:
        if lines:
            records = _read_lines(path, codec, label, flattening, cap)
        else:
            records = _read_array(path, codec, label, flattening, cap)
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


def _read_lines(
    path: Path, codec: str, label: str, flattening: Flattening | None, cap: int
) -> list[dict[str, Any]]:
    records = []
    stream = open_binary(path, cap, label)
    with io.TextIOWrapper(stream, encoding=codec, newline="") as fh:
        for line_no, line in enumerate(fh, start=1):
            if line.strip():
                record = _parse(line, label, line_no)
                where = functools.partial(_at_line, label, line_no)
                records.append(flat_record(record, where, flattening))
    return records


def _read_array(
    path: Path, codec: str, label: str, flattening: Flattening | None, cap: int
) -> list[dict[str, Any]]:
    with open_binary(path, cap, label) as fh:
        text = fh.read().decode(codec)
    if not text.strip():
        raise EmptyInputError(f"{label}: file holds only whitespace")
    document = _parse(text, label)
    if not isinstance(document, list):
        raise SourceError(
            f"{label}: expected a JSON array of records at the top level, "
            f"got {json_type(document)} (for one object per line use kind 'jsonl')"
        )
    return [
        flat_record(record, functools.partial(_at_record, label, text, number), flattening)
        for number, record in enumerate(document, start=1)
    ]


def _at_line(label: str, line_no: int) -> str:
    return f"{label}: line {line_no}"


def _at_record(label: str, text: str, number: int) -> str:
    line = _record_line(text, number)
    return f"{label}: record {number}" if line is None else f"{label}: line {line}, record {number}"


def _record_line(text: str, number: int) -> int | None:
    """The line where element ``number`` (1-based) of the top-level array starts.

    Only called on the failure path, so the array is scanned a second time there only.
    """
    decoder = json.JSONDecoder()
    whitespace = " \t\r\n"
    at = len(text) - len(text.lstrip(whitespace)) + 1  # just past the opening bracket
    try:
        for index in range(number):
            while at < len(text) and text[at] in whitespace + ("," if index else ""):
                at += 1
            start = at
            _, at = decoder.raw_decode(text, at)
    except (ValueError, RecursionError):
        return None
    return text.count("\n", 0, start) + 1


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
