"""Flat records from JSON objects: nested values are refused unless a flatten map extracts them.

``flatten`` maps an output column to a dotted path into the record (``{"city":
"address.city"}``). The top-level fields the paths start from are replaced by the output
columns; any other field holding an object or an array is refused, so that unexpected nesting
never reaches a column as an opaque Python object. Arrays are never expanded into rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from user_segmentation.errors import SchemaError, SourceError


@dataclass(frozen=True)
class Flattening:
    """A checked flatten map: output column → path segments, and the fields paths start at."""

    columns: dict[str, tuple[str, ...]]
    roots: frozenset[str]


def parse_flatten(flatten: Mapping[str, str] | None, label: str) -> Flattening | None:
    """Check a ``{output column: "dotted.path"}`` map and split its paths.

    Raises
    ------
    SourceError
        When the map is not a mapping of non-empty names to dotted paths without empty parts.

    Examples
    --------
    >>> parse_flatten({"city": "address.city"}, "a.jsonl")
    Flattening(columns={'city': ('address', 'city')}, roots=frozenset({'address'}))
    >>> parse_flatten({"city": "address..city"}, "a.jsonl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    user_segmentation.errors.SourceError: a.jsonl: flatten path 'address..city' ...
    """
    if flatten is None:
        return None
    if not isinstance(flatten, Mapping):
        raise SourceError(
            f"{label}: flatten must map output columns to dotted paths, got {flatten!r}"
        )
    columns: dict[str, tuple[str, ...]] = {}
    for column, path in flatten.items():
        if not isinstance(column, str) or not column.strip():
            raise SourceError(f"{label}: flatten output column {column!r} must be a non-empty name")
        parts = tuple(path.split(".")) if isinstance(path, str) else ()
        if not parts or not all(parts):
            raise SourceError(
                f"{label}: flatten path {path!r} for column {column!r} must be field names "
                "joined by dots, e.g. 'address.city'"
            )
        columns[column] = parts
    if not columns:
        raise SourceError(f"{label}: flatten is empty; give at least one column or leave it out")
    return Flattening(columns, frozenset(parts[0] for parts in columns.values()))


def flat_record(
    value: Any, where: Callable[[], str], flattening: Flattening | None = None
) -> dict[str, Any]:
    """Return the record as flat ``{column: scalar}``, extracting the flatten paths.

    Parameters
    ----------
    value
        One parsed JSON value.
    where
        Builds the location for messages (file and line), called only on failure.
    flattening
        The checked flatten map, or ``None`` for records that must already be flat.

    Returns
    -------
    dict
        Unflattened fields in their order, then the flatten columns in the map's order; a
        path absent from the record (or running through ``null``) gives ``None``.

    Raises
    ------
    SourceError
        When the value is not an object, a field not covered by ``flatten`` holds an object
        or an array, or a listed path holds an array or an object or runs through a scalar.
    SchemaError
        When a flatten column has the name of a field of the record.

    Examples
    --------
    >>> spec = parse_flatten({"city": "address.city", "plan": "sub.plan.name"}, "a")
    >>> flat_record({"id": 1, "address": {"city": "Oslo", "zip": "0150"}}, str, spec)
    {'id': 1, 'city': 'Oslo', 'plan': None}
    """
    if not isinstance(value, dict):
        raise SourceError(f"{where()}: expected a JSON object, got {json_type(value)}")
    roots = flattening.roots if flattening is not None else frozenset()
    out: dict[str, Any] = {}
    for key, field in value.items():
        if key in roots:
            continue
        if isinstance(field, dict | list):
            raise SourceError(f"{where()}: {_nested_message(key, field)}")
        out[key] = field
    if flattening is not None:
        for column, parts in flattening.columns.items():
            if column in out:
                raise SchemaError(
                    f"{where()}: flatten column {column!r} is also a field of the record; "
                    "choose another output name"
                )
            out[column] = _extract(value, parts, where)
    return out


def _extract(record: dict[str, Any], parts: tuple[str, ...], where: Callable[[], str]) -> Any:
    current: Any = record
    for depth, part in enumerate(parts):
        if current is None:
            return None
        if not isinstance(current, dict):
            above = ".".join(parts[:depth])
            raise SourceError(
                f"{where()}: flatten path {'.'.join(parts)!r}: {above!r} holds "
                f"{json_type(current)}, not an object"
            )
        current = current.get(part)
    path = ".".join(parts)
    if isinstance(current, list):
        raise SourceError(
            f"{where()}: flatten path {path!r} holds an array; flatten takes one value per "
            "record and does not expand arrays into rows"
        )
    if isinstance(current, dict):
        raise SourceError(
            f"{where()}: flatten path {path!r} holds an object; name a value inside it, "
            f"e.g. {_leaf_path(path, current)!r}"
        )
    return current


def _nested_message(key: str, field: dict[str, Any] | list[Any]) -> str:
    text = f"field {key!r} holds {json_type(field)}, but records must be flat (one value per field)"
    if isinstance(field, list):
        return text + "; flatten= extracts values from nested objects, but arrays cannot be read"
    leaf = _leaf_path(key, field)
    example = {leaf.replace(".", "_"): leaf}
    return text + f"; extract the values you need with flatten=, e.g. {example!r}"


def _leaf_path(prefix: str, obj: dict[str, Any]) -> str:
    """The first path from ``prefix`` down to a scalar, for an example in a message."""
    path, current = prefix, obj
    while True:  # a loop, not recursion: the object may be nested as deep as JSON allows
        entry = next(((k, v) for k, v in current.items() if not isinstance(v, list)), None)
        if entry is None:
            return f"{path}.field"
        path = f"{path}.{entry[0]}"
        if not isinstance(entry[1], dict):
            return path
        current = entry[1]


def json_type(value: Any) -> str:
    """Name the JSON type of a parsed value, for messages.

    Examples
    --------
    >>> json_type([1]), json_type(None), json_type(True), json_type(2.5)
    ('an array', 'null', 'a boolean', 'a number')
    """
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
