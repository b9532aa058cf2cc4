"""How a bad value is quoted in an error message."""

from __future__ import annotations

from typing import Any


def show(value: Any) -> str:
    """Text quoted, anything else (numpy scalars included) as it prints.

    Examples
    --------
    >>> import numpy as np
    >>> show("12,5a"), show(np.float64(-0.1)), show(None)
    ("'12,5a'", '-0.1', 'None')
    """
    return repr(value) if isinstance(value, str) else str(value)
