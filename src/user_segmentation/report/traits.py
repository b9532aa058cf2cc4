"""The features that set each segment apart from the whole customer base."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from user_segmentation.report.validation import require_columns

_MINUS = "\N{MINUS SIGN}"


def format_std_diff(value: float, digits: int = 1) -> str:
    """Format a standardised difference as a signed number of standard deviations.

    An explicit ``+`` above the average and a true minus sign below it; a value that rounds
    to zero has no sign, and a missing one shows as ``n/a``.

    Parameters
    ----------
    value
        The standardised difference.
    digits
        Decimals shown.

    Examples
    --------
    >>> format_std_diff(1.8), format_std_diff(-1.23), format_std_diff(0.04)
    ('+1.8 sd', '−1.2 sd', '0.0 sd')
    >>> format_std_diff(-1.234, digits=2), format_std_diff(float("nan"))
    ('−1.23 sd', 'n/a')
    """
    if not math.isfinite(value):
        return "n/a"
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0.0:
        return f"{text} sd"
    return f"{'+' if value > 0 else _MINUS}{text} sd"


def format_trait(feature: str, std_diff: float) -> str:
    """One defining trait as text: the feature and how many standard deviations it is off.

    Examples
    --------
    >>> format_trait("frequency", 1.8), format_trait("recency_days", -1.2)
    ('frequency +1.8 sd', 'recency_days −1.2 sd')
    """
    return f"{feature} {format_std_diff(std_diff)}"


def defining_traits(profiles: pd.DataFrame, n: int = 3) -> dict[int, list[tuple[str, float]]]:
    """Return each segment's ``n`` features with the largest ``|std_diff|``.

    The standardised difference ``std_diff`` is (segment mean − overall mean) / overall
    standard deviation: how far the segment departs from the average customer, in either
    direction, on one scale for every feature (a rare categorical level or a feature with a
    mean near zero does not swamp the rest, as it would with lift). Features whose
    ``std_diff`` is missing (a constant feature) or infinite are skipped; ties keep the order
    in which features first appear in ``profiles``.

    Parameters
    ----------
    profiles
        Long table with ``segment_id``, ``feature`` and ``std_diff``.
    n
        How many features to keep per segment.

    Returns
    -------
    dict
        ``{segment_id: [(feature, std_diff), ...]}``, ids ascending, strongest trait first.
        A segment whose every ``std_diff`` is missing maps to an empty list.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({
    ...     "segment_id": [0, 0, 0],
    ...     "feature": ["recency", "frequency", "monetary"],
    ...     "std_diff": [-1.2, 0.1, 1.8],
    ... })
    >>> defining_traits(p, n=2)
    {0: [('monetary', 1.8), ('recency', -1.2)]}
    """
    require_columns(profiles, ["segment_id", "feature", "std_diff"], "profiles")
    segment_ids = profiles["segment_id"].astype(int).to_numpy()
    feature_rank = {f: i for i, f in enumerate(pd.unique(profiles["feature"]))}
    frame = pd.DataFrame(
        {
            "segment_id": segment_ids,
            "feature": profiles["feature"].astype(str).to_numpy(),
            "std_diff": pd.to_numeric(profiles["std_diff"], errors="coerce").to_numpy(dtype=float),
            "rank": profiles["feature"].map(feature_rank).to_numpy(),
        }
    )
    frame = frame[np.isfinite(frame["std_diff"].to_numpy())]
    frame = frame.assign(strength=frame["std_diff"].abs())
    frame = frame.sort_values(
        ["segment_id", "strength", "rank"], ascending=[True, False, True], kind="mergesort"
    )
    result: dict[int, list[tuple[str, float]]] = {int(s): [] for s in np.unique(segment_ids)}
    for seg_id, group in frame.groupby("segment_id", sort=True):
        top = group.head(n)
        result[int(seg_id)] = [
            (str(f), float(v)) for f, v in zip(top["feature"], top["std_diff"], strict=True)
        ]
    return result
