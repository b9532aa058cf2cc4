"""Render any JSON-like structure as escaped HTML: tables and definition lists.

The data-quality report and the run metadata have no fixed keys, so the report shows them by
shape rather than by name:

- a mapping whose values are all mappings (e.g. one entry per source) becomes a table, one row
  per key, one column per inner key;
- a list of mappings becomes a table, one row per item;
- any other mapping becomes a definition list;
- a list of scalars becomes a bulleted list;
- scalars become escaped text, numbers with thousands separators.
"""

from __future__ import annotations

import contextlib
import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

_MAX_DEPTH = 12  # JSON from a run is shallow; deeper nesting is shown as text, not recursed


def format_scalar(value: Any) -> str:
    """Format one scalar for display (not escaped).

    Examples
    --------
    >>> format_scalar(1234567), format_scalar(0.123456), format_scalar(None), format_scalar(True)
    ('1,234,567', '0.1235', '—', 'yes')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—" if math.isnan(value) else str(value)
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        return f"{value:.4g}"
    # numpy scalars and the like expose .item(); format them as the Python value.
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        with contextlib.suppress(TypeError, ValueError):  # not a scalar after all: plain str()
            return format_scalar(item())
    return str(value)


def _cell(value: Any, depth: int) -> str:
    is_num = isinstance(value, int | float) and not isinstance(value, bool)
    css = ' class="num"' if is_num else ""
    return f"<td{css}>{to_html(value, depth + 1)}</td>"


def _table(rows: Sequence[Mapping[Any, Any]], depth: int, index: Sequence[Any] | None) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    if index is not None:
        head = "<th></th>" + head
    body = []
    for i, row in enumerate(rows):
        cells = "".join(_cell(row[c], depth) if c in row else "<td></td>" for c in columns)
        if index is not None:
            cells = f'<th scope="row">{html.escape(str(index[i]))}</th>' + cells
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def to_html(value: Any, depth: int = 0) -> str:
    """Render a JSON-like value as an HTML fragment, every piece of text escaped.

    Parameters
    ----------
    value
        Nested dicts, lists and scalars (as read from JSON).
    depth
        Current nesting depth; past a limit the value is shown as escaped text.

    Returns
    -------
    str
        An HTML fragment.

    Examples
    --------
    >>> to_html({"rows_read": 1200, "note": "<ok>"})
    '<dl><dt>rows_read</dt><dd>1,200</dd><dt>note</dt><dd>&lt;ok&gt;</dd></dl>'
    >>> to_html([])
    '<em>none</em>'
    """
    if depth > _MAX_DEPTH:
        return f"<code>{html.escape(repr(value))}</code>"
    if isinstance(value, Mapping):
        if not value:
            return "<em>none</em>"
        inner = list(value.values())
        if all(isinstance(v, Mapping) and v for v in inner):
            return _table(inner, depth, index=list(value.keys()))
        items = "".join(
            f"<dt>{html.escape(str(k))}</dt><dd>{to_html(v, depth + 1)}</dd>"
            for k, v in value.items()
        )
        return f"<dl>{items}</dl>"
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if not value:
            return "<em>none</em>"
        if all(isinstance(v, Mapping) and v for v in value):
            return _table(value, depth, index=None)
        items = "".join(f"<li>{to_html(v, depth + 1)}</li>" for v in value)
        return f"<ul>{items}</ul>"
    return html.escape(format_scalar(value))
