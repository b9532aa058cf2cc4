"""Checks that a run record's tables have the columns the report reads."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from user_segmentation.errors import SchemaError


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """Raise :class:`~user_segmentation.errors.SchemaError` if ``frame`` lacks any of ``columns``.

    Parameters
    ----------
    frame
        The table to check.
    columns
        Column names the caller needs.
    table
        The table's name in the run record, used in the message (e.g. ``"k_scores"``).

    Raises
    ------
    SchemaError
        Naming the table, the missing columns and the columns it has.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"k": [2]}), ["k"], "k_scores")
    >>> try:
    ...     require_columns(pd.DataFrame({"k": [2]}), ["k", "inertia"], "k_scores")
    ... except SchemaError as exc:
    ...     print(exc)
    run record table 'k_scores' lacks column(s) ['inertia']; it has ['k']
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"run record table '{table}' lacks column(s) {missing}; "
            f"it has {[str(c) for c in frame.columns]}"
        )
