"""Segment profiles: size, share, and how far each feature's segment mean is from the base.

Each (segment, feature) gets its mean and median, the overall mean, the lift (segment mean ÷
overall mean) and the standardised difference (segment mean − overall mean, in overall
standard deviations). The standardised difference is what ranks a segment's defining traits:
unlike lift it does not explode for features whose mean is near zero, and it puts a rare
categorical level and a numeric feature on one scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from user_segmentation.errors import SchemaError
from user_segmentation.profile.stats import MIN_EXPORT_SIZE
from user_segmentation.records import PROFILE_COLUMNS, SEGMENT_COLUMNS, STATISTICS_COLUMNS


def segment_table(
    segment_ids: np.ndarray,
    descriptions: pd.DataFrame | None = None,
    stability: Sequence[float] = (),
    values: pd.DataFrame | None = None,
    min_size: int = MIN_EXPORT_SIZE,
) -> pd.DataFrame:
    """One row per segment: id, name, size, share, stability, rule, action, traits, value.

    ``descriptions`` is :func:`~user_segmentation.profile.describe.describe_segments`'s table
    (without it: "Segment <id>", no rule, no action); ``stability`` holds each segment's
    bootstrap mean Jaccard in segment-id order (NaN when empty, i.e. not computed);
    ``values`` is :func:`~user_segmentation.profile.stats.value_shares`'s table (revenue
    columns NaN without it). Segments under ``min_size`` customers are marked ``small``.

    Examples
    --------
    >>> segment_table(np.array([1, 1, 2]), stability=[0.9, 0.7])[["name", "size", "stability"]]
            name  size  stability
    0  Segment 1     2        0.9
    1  Segment 2     1        0.7
    """
    ids, sizes = np.unique(segment_ids, return_counts=True)
    table = pd.DataFrame(
        {
            "segment_id": ids.astype("int64"),
            "name": [f"Segment {int(i)}" for i in ids],
            "size": sizes.astype("int64"),
            "share": sizes / sizes.sum(),
            "stability": np.asarray(stability, dtype=np.float64) if len(stability) else np.nan,
            "rule": "",
            "rule_precision": np.nan,
            "rule_recall": np.nan,
            "action": "",
            "traits": "",
            "revenue": np.nan,
            "revenue_share": np.nan,
            "value_index": np.nan,
            "small": (sizes < min_size).astype("int64"),
        }
    )
    if descriptions is not None:
        described = descriptions.set_index("segment_id").reindex(table["segment_id"])
        for column in ("name", "traits", "rule", "rule_precision", "rule_recall", "action"):
            if column in described:
                table[column] = described[column].to_numpy()
    if values is not None:
        money = values.set_index("segment").reindex(table["segment_id"])
        for column in ("revenue", "revenue_share", "value_index"):
            table[column] = money[column].to_numpy(dtype=float)
    return table[SEGMENT_COLUMNS]


def statistics_record(stats: pd.DataFrame) -> pd.DataFrame:
    """:func:`~user_segmentation.profile.stats.segment_statistics`'s table as a run stores it.

    ``segment`` becomes ``segment_id`` and ``significant`` 0/1, in
    :data:`~user_segmentation.records.STATISTICS_COLUMNS` order.

    Examples
    --------
    >>> from user_segmentation.profile.stats import segment_statistics
    >>> f = pd.DataFrame({"spend": [1.0, 2.0, 9.0, 8.0]})
    >>> s = statistics_record(segment_statistics(f, np.array([1, 1, 2, 2]), numeric=["spend"]))
    >>> s[["segment_id", "feature", "mean", "significant"]]
       segment_id feature  mean  significant
    0           1   spend   1.5            0
    1           2   spend   8.5            0
    """
    out = stats.rename(columns={"segment": "segment_id"})
    out["significant"] = out["significant"].astype("int64")
    return out[STATISTICS_COLUMNS].reset_index(drop=True)


def _wide_features(
    features: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str]
) -> pd.DataFrame:
    """Numeric features as floats plus one 0/1 indicator column per categorical level."""
    missing = [c for c in [*numeric, *categorical] if c not in features.columns]
    if missing:
        raise SchemaError(
            f"profile: feature column(s) {missing} not found; "
            f"the customer table has {[str(c) for c in features.columns]}"
        )
    columns: dict[str, pd.Series] = {}
    for col in numeric:
        try:
            columns[col] = features[col].astype("float64")
        except (TypeError, ValueError) as exc:
            raise SchemaError(
                f"profile: numeric feature column '{col}' holds non-numbers ({exc})"
            ) from exc
    for col in categorical:
        text = features[col].astype("string").fillna("(missing)")
        for level in sorted(text.unique()):
            columns[f"{col}={level}"] = (text == level).astype("float64")
    return pd.DataFrame(columns, index=features.index)


def profile_table(
    features: pd.DataFrame,
    segment_ids: np.ndarray,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Long table of per-segment statistics, one row per (segment, feature).

    Numeric features give their mean and median; each level of a categorical feature becomes a
    feature ``column=level``, a 0/1 indicator whose mean is the share of the segment's
    customers at that level. Missing numeric values are left out of every statistic.

    Parameters
    ----------
    features
        One row per customer; not modified.
    segment_ids
        Segment id of each row of ``features``, in the same order.
    numeric
        Numeric feature columns.
    categorical
        Categorical feature columns (a missing value is its own level, ``(missing)``).

    Returns
    -------
    pandas.DataFrame
        :data:`~user_segmentation.records.PROFILE_COLUMNS`, segments ascending, features
        in the order given (numeric first, then each categorical's levels sorted). ``lift`` is
        the segment mean divided by the overall mean (NaN when the overall mean is 0).
        ``std_diff`` is (segment mean − overall mean) / overall standard deviation, the
        population standard deviation (ddof=0) over all customers; for a level, whose
        indicator has share ``p`` overall, that deviation is ``sqrt(p * (1 - p))``. It is NaN
        when the feature is constant (fewer than two distinct values), where no spread
        exists to measure a difference against.

    Raises
    ------
    SchemaError
        If a feature column is missing, a numeric column holds non-numbers, or
        ``segment_ids`` does not have one id per row.

    Examples
    --------
    >>> f = pd.DataFrame({"spend": [10.0, 30.0, 50.0], "plan": ["a", "b", "b"]})
    >>> p = profile_table(f, np.array([1, 1, 2]), numeric=["spend"], categorical=["plan"])
    >>> p[p.segment_id == 2][["feature", "mean", "lift"]].values.tolist()
    [['spend', 50.0, 1.6666666666666667], ['plan=a', 0.0, 0.0], ['plan=b', 1.0, 1.5]]
    >>> p[p.segment_id == 2]["std_diff"].round(4).tolist()
    [1.2247, -0.7071, 0.7071]
    """
    ids = np.asarray(segment_ids)
    if ids.ndim != 1 or len(ids) != len(features):
        raise SchemaError(
            f"profile: {ids.size} segment ids for {len(features)} customers; "
            "expected one id per customer row"
        )
    wide = _wide_features(features, numeric, categorical)
    overall = wide.mean().to_numpy(dtype=float)
    spread = wide.std(ddof=0).to_numpy(dtype=float)
    # Exact test for "constant" rather than a tolerance on the std: a constant column can get
    # a std of 1e-17 from rounding, which would turn noise into a huge difference.
    constant = (wide.nunique(dropna=True) < 2).to_numpy()
    grouped = wide.groupby(ids, sort=True)
    means = grouped.mean()
    medians = grouped.median().to_numpy(dtype=float)
    segs = means.index.to_numpy()
    mean_values = means.to_numpy(dtype=float)
    k, n_features = mean_values.shape
    base = np.broadcast_to(overall, (k, n_features))
    usable = ~constant & (spread > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(base != 0, mean_values / base, np.nan)
    std_diff = np.where(usable, (mean_values - base) / np.where(usable, spread, 1.0), np.nan)
    return pd.DataFrame(
        {
            "segment_id": np.repeat(segs, n_features).astype("int64"),
            "feature": np.tile(np.asarray(wide.columns, dtype=object), k),
            "mean": mean_values.ravel(),
            "median": medians.ravel(),
            "overall_mean": base.ravel(),
            "lift": lift.ravel(),
            "std_diff": std_diff.ravel(),
        }
    )[PROFILE_COLUMNS]
