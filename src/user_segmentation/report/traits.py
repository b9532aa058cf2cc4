"""The features that set each segment apart from the whole customer base."""

from __future__ import annotations

import numpy as np
import pandas as pd

from user_segmentation.report.validation import require_columns


def defining_traits(profiles: pd.DataFrame, n: int = 3) -> dict[int, list[tuple[str, float]]]:
    """Return each segment's ``n`` features with the largest ``|lift - 1|``.

    Lift is the segment mean divided by the overall mean, so ``|lift - 1|`` is how far the
    segment departs from the average customer, in either direction. Features whose lift is
    missing or infinite (e.g. an overall mean of zero) are skipped; ties keep the order in
    which features first appear in ``profiles``.

    Parameters
    ----------
    profiles
        Long table with ``segment_id``, ``feature`` and ``lift``.
    n
        How many features to keep per segment.

    Returns
    -------
    dict
        ``{segment_id: [(feature, lift), ...]}``, ids ascending, strongest trait first.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({
    ...     "segment_id": [0, 0, 0],
    ...     "feature": ["recency", "frequency", "monetary"],
    ...     "lift": [0.5, 1.1, 2.0],
    ... })
    >>> defining_traits(p, n=2)
    {0: [('monetary', 2.0), ('recency', 0.5)]}
    """
    require_columns(profiles, ["segment_id", "feature", "lift"], "profiles")
    feature_rank = {f: i for i, f in enumerate(pd.unique(profiles["feature"]))}
    frame = pd.DataFrame(
        {
            "segment_id": profiles["segment_id"].astype(int).to_numpy(),
            "feature": profiles["feature"].astype(str).to_numpy(),
            "lift": pd.to_numeric(profiles["lift"], errors="coerce").to_numpy(dtype=float),
            "rank": profiles["feature"].map(feature_rank).to_numpy(),
        }
    )
    frame = frame[np.isfinite(frame["lift"].to_numpy())]
    frame = frame.assign(strength=(frame["lift"] - 1.0).abs())
    frame = frame.sort_values(
        ["segment_id", "strength", "rank"], ascending=[True, False, True], kind="mergesort"
    )
    result: dict[int, list[tuple[str, float]]] = {
        int(s): [] for s in sorted(profiles["segment_id"].astype(int).unique())
    }
    for seg_id, group in frame.groupby("segment_id", sort=True):
        top = group.head(n)
        result[int(seg_id)] = [
            (str(f), float(v)) for f, v in zip(top["feature"], top["lift"], strict=True)
        ]
    return result
