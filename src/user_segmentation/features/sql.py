"""SQL helpers shared by the DuckDB aggregations."""

from __future__ import annotations


def quote_identifier(name: str) -> str:
    """Quote a column name for DuckDB: double quotes, embedded quotes doubled.

    Column names come from users' files, so they are never interpolated unquoted.

    Examples
    --------
    >>> print(quote_identifier("order id"), quote_identifier('a"b'))
    "order id" "a""b"
    """
    return '"' + name.replace('"', '""') + '"'
