"""Two segments side by side: where they differ, by how much, and whether it is more than noise.

:func:`compare_segments` puts segment ``a`` next to segment ``b`` on every variable. A numeric
variable gets each segment's mean and median, the difference of means, Cohen's d (pooled
standard deviation) and a Mann-Whitney U test; each level of a categorical variable gets its
share in each segment, the difference of shares, Cohen's h and Fisher's exact test of the 2 × 2
table (segment a or b × at the level or not), with Cramér's V of the variable's whole
2 × L table alongside. The p-values of all rows form one family, corrected for multiple testing,
and rows come strongest effect first.

Cohen's h (``2 asin √p_a − 2 asin √p_b``) is the effect size of two proportions on the scale
of Cohen's d (0.2 small, 0.5 medium, 0.8 large), so numeric variables and levels rank together;
unlike d on a 0/1 indicator it stays defined when a level is all or nothing in both segments.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

from user_segmentation.errors import SchemaError
from user_segmentation.profile.stats import (
    MISSING_LEVEL,
    Correction,
    _check_columns,
    _check_ids,
    _effects,
    adjust_p_values,
    cramers_v,
)

logger = logging.getLogger(__name__)


def _shown(value: object) -> str:
    """A value as a message shows it: text quoted, numbers plain (``inf``, not ``np.float64``)."""
    return repr(value) if isinstance(value, str) else str(value)


#: Columns of :func:`compare_segments`, in order.
COMPARE_COLUMNS = [
    "variable",  # str, source column
    "level",  # str for a categorical level, None for a numeric variable
    "feature",  # str, "variable" or "variable=level" (as in the profile table)
    "kind",  # "numeric" or "categorical"
    "n_a",  # int, customers of segment a with a value
    "n_b",  # int, customers of segment b with a value
    "mean_a",  # float, segment a's mean (level: its share at the level)
    "mean_b",  # float, segment b's mean (level: its share at the level)
    "median_a",  # float, NaN for a level
    "median_b",  # float, NaN for a level
    "difference",  # float, mean_a - mean_b (level: difference of shares)
    "effect",  # float, Cohen's d (numeric) or Cohen's h (level), positive when a is higher
    "effect_measure",  # "cohens_d" or "cohens_h"
    "cramers_v",  # float, Cramér's V of the variable's 2 × L table (NaN for numeric)
    "test",  # "mann-whitney" or "fisher"
    "p_value",  # float
    "p_adjusted",  # float, corrected over all rows of the table
    "significant",  # bool, p_adjusted below alpha
]


def _rows_of(ids: np.ndarray, segment: int, present: np.ndarray) -> np.ndarray:
    mask: np.ndarray = ids == segment
    if not mask.any():
        raise SchemaError(
            f"profile: segment {segment!r} has no customers; "
            f"segments present: {[int(s) for s in present]}"
        )
    return mask


def _numeric_row(variable: str, values: pd.Series, in_a: np.ndarray) -> dict[str, object]:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = values.notna().to_numpy() & ~np.isfinite(x)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"profile: numeric column '{variable}' row {values.index[row]}: "
            f"{_shown(values.iloc[row])} is not a finite number"
        )
    has = np.isfinite(x)
    xa, xb = x[has & in_a], x[has & ~in_a]
    mean_a, mean_b, _, d = _effects(xa, xb, binary=False)
    p = math.nan
    # scipy warns on data without spread; there is nothing to test then.
    if xa.size and xb.size and np.unique(x[has]).size > 1:
        p = float(st.mannwhitneyu(xa, xb, alternative="two-sided").pvalue)
    return {
        "variable": variable,
        "level": None,
        "feature": variable,
        "kind": "numeric",
        "n_a": int(xa.size),
        "n_b": int(xb.size),
        "mean_a": mean_a,
        "mean_b": mean_b,
        "median_a": float(np.median(xa)) if xa.size else math.nan,
        "median_b": float(np.median(xb)) if xb.size else math.nan,
        "difference": mean_a - mean_b,
        "effect": d,
        "effect_measure": "cohens_d",
        "cramers_v": math.nan,
        "test": "mann-whitney",
        "p_value": p,
    }


def _categorical_rows(
    variable: str, values: pd.Series, in_a: np.ndarray
) -> list[dict[str, object]]:
    text = values.astype("string").fillna(MISSING_LEVEL).to_numpy(dtype=object)
    levels = sorted(set(text))
    at_level = np.array([text == level for level in levels]).reshape(len(levels), len(text))
    # Rows: segment a, segment b; columns: levels.
    counts = np.vstack([at_level[:, in_a].sum(axis=1), at_level[:, ~in_a].sum(axis=1)])
    n_a, n_b = int(in_a.sum()), int((~in_a).sum())
    v = cramers_v(counts)[2]
    rows: list[dict[str, object]] = []
    for j, level in enumerate(levels):
        ca, cb = int(counts[0, j]), int(counts[1, j])
        pa, pb = ca / n_a, cb / n_b
        p = math.nan
        if len(levels) > 1:
            p = float(st.fisher_exact([[ca, n_a - ca], [cb, n_b - cb]]).pvalue)
        rows.append(
            {
                "variable": variable,
                "level": str(level),
                "feature": f"{variable}={level}",
                "kind": "categorical",
                "n_a": n_a,
                "n_b": n_b,
                "mean_a": pa,
                "mean_b": pb,
                "median_a": math.nan,
                "median_b": math.nan,
                "difference": pa - pb,
                "effect": 2 * math.asin(math.sqrt(pa)) - 2 * math.asin(math.sqrt(pb)),
                "effect_measure": "cohens_h",
                "cramers_v": v,
                "test": "fisher",
                "p_value": p,
            }
        )
    return rows


def compare_segments(
    features: pd.DataFrame,
    segment_ids: np.ndarray,
    a: int,
    b: int,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    correction: Correction = "fdr_bh",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare segment ``a`` with segment ``b`` on every variable, strongest difference first.

    Parameters
    ----------
    features
        One row per customer; not modified. Only the rows of ``a`` and ``b`` are used.
    segment_ids
        Segment id of each row of ``features``, in the same order.
    a, b
        The two segments. Effects and differences are signed ``a − b``: positive when ``a``
        is higher.
    numeric
        Numeric columns. Missing values are left out (``n_a`` / ``n_b`` count the values used).
    categorical
        Categorical columns; each level found in ``a`` or ``b`` becomes one row. A missing
        value is its own level, ``(missing)``.
    correction
        Multiple-testing correction over all rows' p-values (see
        :func:`~user_segmentation.profile.stats.adjust_p_values`); Benjamini-Hochberg by
        default.
    alpha
        Level below which an adjusted p-value makes a row ``significant``.

    Returns
    -------
    pandas.DataFrame
        :data:`COMPARE_COLUMNS`, one row per numeric variable and per categorical level,
        sorted by ``|effect|`` descending (ties and missing effects keep the input order:
        numeric variables as given, then each categorical's levels sorted; missing effects
        last). ``effect`` is Cohen's d for a numeric variable, ``(mean_a − mean_b) /
        sqrt(((n_a − 1) s_a² + (n_b − 1) s_b²) / (n_a + n_b − 2))``, NaN without spread;
        for a level it is Cohen's h. ``cramers_v`` measures the whole categorical variable
        (the same on each of its levels). Tests: Mann-Whitney U (two-sided) for a numeric
        variable, Fisher's exact test of the level's 2 × 2 table for a level; NaN where
        there is nothing to test (no spread, one level).

    Raises
    ------
    SchemaError
        If ``a`` or ``b`` has no customers (naming the segment and those present), a column
        is missing, a numeric column holds a non-finite value, or ``segment_ids`` does not
        have one id per row.

    Examples
    --------
    >>> f = pd.DataFrame({"spend": [10.0, 12, 14, 40, 42, 44, 99],
    ...                   "plan": ["a", "a", "b", "b", "b", "b", "a"]})
    >>> c = compare_segments(f, np.array([1, 1, 1, 2, 2, 2, 3]), 1, 2, numeric=["spend"],
    ...                      categorical=["plan"])
    >>> c[["feature", "mean_a", "mean_b", "difference", "effect", "cramers_v"]].round(2)
      feature  mean_a  mean_b  difference  effect  cramers_v
    0   spend   12.00    42.0      -30.00  -15.00        NaN
    1  plan=a    0.67     0.0        0.67    1.91       0.71
    2  plan=b    0.33     1.0       -0.67   -1.91       0.71
    """
    ids = _check_ids(features, segment_ids)
    _check_columns(features, [*numeric, *categorical])
    present = np.unique(ids)
    in_pair = _rows_of(ids, a, present) | _rows_of(ids, b, present)
    pair = features.loc[in_pair]
    in_a = ids[in_pair] == a
    if a == b:
        logger.warning("comparing segment %s with itself: every difference is 0", a)
        in_a = np.ones(len(pair), dtype=bool)
        pair = pd.concat([pair, pair])
        in_a = np.concatenate([in_a, ~in_a])
    rows = [_numeric_row(col, pair[col], in_a) for col in numeric]
    for col in categorical:
        rows.extend(_categorical_rows(col, pair[col], in_a))
    if not rows:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    table = pd.DataFrame(rows)
    table["p_adjusted"] = adjust_p_values(table["p_value"].to_numpy(dtype=float), correction)
    table["significant"] = table["p_adjusted"] < alpha
    strength = table["effect"].abs().fillna(-1.0)
    order = np.argsort(-strength.to_numpy(dtype=float), kind="stable")
    return table.iloc[order].reset_index(drop=True)[COMPARE_COLUMNS]
