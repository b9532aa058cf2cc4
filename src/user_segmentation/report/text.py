"""Small helpers that turn record values into safe HTML text."""

from __future__ import annotations

import html
import math
from typing import Any


def esc(value: Any) -> str:
    """HTML-escape any value's text.

    Examples
    --------
    >>> esc("<b>Bargain & co</b>")
    '&lt;b&gt;Bargain &amp; co&lt;/b&gt;'
    """
    return html.escape(str(value))


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` (missing, NaN, infinite, not a number).

    Examples
    --------
    >>> finite_number("2.5"), finite_number(float("nan")), finite_number(None)
    (2.5, None, None)
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
