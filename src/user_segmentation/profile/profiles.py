"""Segment profiles: size, share, and each feature's mean, median and lift against the base."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from user_segmentation.store.records import PROFILE_COLUMNS, SEGMENT_COLUMNS


def segment_table(segment_ids: np.ndarray, names: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per segment: id, name, size and share of the customer base.

    Examples
    --------
    >>> segment_table(np.array([1, 1, 2]))
       segment_id       name  size     share
    0           1  Segment 1     2  0.666667
    1           2  Segment 2     1  0.333333
    """
    ids, sizes = np.unique(segment_ids, return_counts=True)
    names = names or {}
    return pd.DataFrame(
        {
            "segment_id": ids.astype("int64"),
            "name": [names.get(int(i), f"Segment {int(i)}") for i in ids],
            "size": sizes.astype("int64"),
            "share": sizes / sizes.sum(),
        }
    )[SEGMENT_COLUMNS]


def profile_table(
    features: pd.DataFrame,
    segment_ids: np.ndarray,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Long table of per-segment statistics, one row per (segment, feature).

    Numeric features give their mean and median; each level of a categorical feature becomes a
    feature ``column=level`` whose mean is the share of the segment's customers at that level.
    ``lift`` is the segment mean divided by the overall mean (NaN when the overall mean is 0).

    Examples
    --------
    >>> f = pd.DataFrame({"spend": [10.0, 30.0, 50.0], "plan": ["a", "b", "b"]})
    >>> p = profile_table(f, np.array([1, 1, 2]), numeric=["spend"], categorical=["plan"])
    >>> p[p.segment_id == 2][["feature", "mean", "lift"]].values.tolist()
    [['spend', 50.0, 1.6666666666666667], ['plan=a', 0.0, 0.0], ['plan=b', 1.0, 1.5]]
    """
    columns: dict[str, pd.Series] = {c: features[c].astype("float64") for c in numeric}
    for col in categorical:
        text = features[col].astype("string").fillna("(missing)")
        for level in sorted(text.unique()):
            columns[f"{col}={level}"] = (text == level).astype("float64")
    wide = pd.DataFrame(columns, index=features.index)
    overall = wide.mean()
    grouped = wide.groupby(np.asarray(segment_ids), sort=True)
    means, medians = grouped.mean(), grouped.median()
    rows = []
    for seg in means.index:
        for feat in wide.columns:
            m, o = float(means.at[seg, feat]), float(overall[feat])
            rows.append(
                (int(seg), feat, m, float(medians.at[seg, feat]), o, m / o if o != 0 else np.nan)
            )
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)
