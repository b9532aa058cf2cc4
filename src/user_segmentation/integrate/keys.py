"""Customer-key canonicalisation: one spelling of each customer id across all sources.

Systems write the same customer differently: ``" 1234"``, ``"00001234"``, ``"1234.0"``. The
rules here are explicit and reported, never guessed per value:

- surrounding whitespace is always stripped;
- a trailing ``.0`` is dropped only when *every* id of the column looks like an integral float
  (the column was float-typed somewhere upstream), so an id like ``"12.0"`` in a column of
  text ids is kept as written;
- leading zeros are kept unless the source declares ``leading_zeros="strip"`` (some systems
  pad), because ``007`` and ``7`` may be different customers elsewhere;
- case is kept unless the source declares ``case="upper"`` or ``"lower"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

LeadingZeros = Literal["keep", "strip"]
KeyCase = Literal["keep", "upper", "lower"]

_FLOAT_INTEGRAL = r"^-?\d+\.0+$"


@dataclass(frozen=True)
class KeyReport:
    """What canonicalisation changed in one key column."""

    missing: int  # rows without an id (blank or null)
    whitespace_stripped: int
    float_suffix_dropped: int
    leading_zeros_stripped: int
    case_changed: int

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict."""
        return dict(self.__dict__)


def canonical_keys(
    ids: pd.Series,
    *,
    leading_zeros: LeadingZeros = "keep",
    case: KeyCase = "keep",
) -> tuple[pd.Series, KeyReport]:
    """Return the canonical spelling of each id (missing ids as NA) and what was changed.

    Parameters
    ----------
    ids
        The key column as read (strings; numbers are converted with ``str``).
    leading_zeros
        ``"strip"`` removes leading zeros of all-digit ids (``"007"`` → ``"7"``, ``"0"`` stays).
    case
        ``"upper"``/``"lower"`` fold the case; ``"keep"`` leaves it.

    Examples
    --------
    >>> s, r = canonical_keys(pd.Series([" 12", "0012", None]), leading_zeros="strip")
    >>> s.tolist(), r.missing, r.leading_zeros_stripped
    (['12', '12', <NA>], 1, 1)
    """
    text = ids.astype("string")
    stripped = text.str.strip()
    n_ws = int((stripped != text).fillna(False).sum())
    stripped = stripped.mask(stripped == "")
    present = stripped.dropna()

    out = stripped
    n_float = 0
    if len(present) and bool(present.str.fullmatch(_FLOAT_INTEGRAL).all()):
        out = out.str.replace(r"\.0+$", "", regex=True)
        n_float = len(present)

    n_zeros = 0
    if leading_zeros == "strip":
        digits = out.str.fullmatch(r"\d+").fillna(False).astype(bool)
        unpadded = out.where(~digits, out.str.lstrip("0").replace("", "0"))
        n_zeros = int((unpadded != out).fillna(False).sum())
        out = unpadded

    n_case = 0
    if case != "keep":
        folded = out.str.upper() if case == "upper" else out.str.lower()
        n_case = int((folded != out).fillna(False).sum())
        out = folded

    report = KeyReport(
        missing=int(out.isna().sum()),
        whitespace_stripped=n_ws,
        float_suffix_dropped=n_float,
        leading_zeros_stripped=n_zeros,
        case_changed=n_case,
    )
    return out, report
