"""What sets each segment apart, with the tests that say whether it is more than noise.

:func:`segment_statistics` compares every segment with the rest of the customer base on
every variable: numeric variables by mean, median, quartiles, lift, standardised difference
and Cohen's d; each level of a categorical variable by its share in the segment and in the
rest. Two families of tests come with it, each corrected for multiple testing:

- an omnibus test per variable, across all segments at once: Kruskal-Wallis for a numeric
  variable (effect size eta²_H) and a chi-square test of the segment × level table for a
  categorical one (effect size Cramér's V);
- a test per (segment, variable) row, segment against the rest: Mann-Whitney U for a numeric
  variable and Fisher's exact test of the 2 × 2 table (in segment? × at level?) for a level.

:func:`top_distinguishing` keeps the significant rows and ranks them by the size of the
effect, so that a large but trivial difference on a huge base does not outrank a real one.
:func:`value_shares` gives each segment's share of customers and of revenue, and
:func:`small_segments` lists segments too small to export member by member.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as st

from user_segmentation.errors import SchemaError

logger = logging.getLogger(__name__)

Correction = Literal["fdr_bh", "fdr_by", "bonferroni", "none"]

#: Columns of :func:`segment_statistics`, in order.
STATS_COLUMNS = [
    "segment",  # int, segment id
    "variable",  # str, source column
    "level",  # str for a categorical level, None for a numeric variable
    "feature",  # str, "variable" or "variable=level" (as in the profile table)
    "kind",  # "numeric" or "categorical"
    "n_segment",  # int, segment customers with a value
    "n_rest",  # int, other customers with a value
    "mean",  # float, segment mean (level: share of the segment at the level)
    "median",  # float, segment median (NaN for a level)
    "q1",  # float, segment first quartile (NaN for a level)
    "q3",  # float, segment third quartile (NaN for a level)
    "rest_mean",  # float, mean over the other customers (level: their share)
    "overall_mean",  # float, mean over all customers with a value
    "lift",  # float, mean / rest_mean; NaN when rest_mean is 0
    "std_diff",  # float, (mean - rest_mean) / sqrt((var_segment + var_rest) / 2)
    "cohens_d",  # float, (mean - rest_mean) / pooled standard deviation
    "test",  # "mann-whitney" or "fisher"
    "p_value",  # float, segment-vs-rest test
    "p_adjusted",  # float, corrected over all rows of the table
    "omnibus_test",  # "kruskal" or "chi2"
    "omnibus_statistic",  # float, H or chi-square
    "omnibus_p_value",  # float
    "omnibus_p_adjusted",  # float, corrected over the variables
    "omnibus_effect",  # float, eta²_H (numeric) or Cramér's V (categorical)
    "significant",  # bool, both adjusted p-values below alpha
]

#: Label of missing values of a categorical variable (the same as the profile table's).
MISSING_LEVEL = "(missing)"

#: Default smallest segment whose member list may be exported (see :func:`small_segments`).
MIN_EXPORT_SIZE = 50


class Trait(NamedTuple):
    """One distinguishing feature of a segment: its name and Cohen's d against the rest."""

    feature: str
    effect: float


def _check_ids(features: pd.DataFrame, segment_ids: np.ndarray) -> np.ndarray:
    ids = np.asarray(segment_ids)
    if ids.ndim != 1 or len(ids) != len(features):
        raise SchemaError(
            f"profile: {ids.size} segment ids for {len(features)} customers; "
            "expected one id per customer row"
        )
    if pd.isna(pd.Series(ids)).any():
        raise SchemaError("profile: segment ids contain missing values")
    return ids


def _check_columns(features: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in features.columns]
    if missing:
        raise SchemaError(
            f"profile: column(s) {missing} not found; "
            f"the customer table has {[str(c) for c in features.columns]}"
        )


def adjust_p_values(p_values: np.ndarray, correction: Correction = "fdr_bh") -> np.ndarray:
    """Correct a family of p-values for multiple testing; NaN entries stay NaN.

    Parameters
    ----------
    p_values
        One family of tests. Missing values (untestable rows) are left out of the family.
    correction
        ``"fdr_bh"`` (Benjamini-Hochberg), ``"fdr_by"`` (Benjamini-Yekutieli),
        ``"bonferroni"`` or ``"none"``.

    Examples
    --------
    >>> adjust_p_values(np.array([0.01, 0.02, np.nan, 0.5])).round(3).tolist()
    [0.03, 0.03, nan, 0.5]
    >>> adjust_p_values(np.array([0.01, 0.4]), "bonferroni").tolist()
    [0.02, 0.8]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if not ok.any():
        return out
    if correction == "none":
        out[ok] = p[ok]
    elif correction == "bonferroni":
        out[ok] = np.minimum(p[ok] * ok.sum(), 1.0)
    elif correction in ("fdr_bh", "fdr_by"):
        out[ok] = st.false_discovery_control(p[ok], method=correction[-2:])
    else:
        raise ValueError(
            f"unknown correction {correction!r}; use 'fdr_bh', 'fdr_by', 'bonferroni' or 'none'"
        )
    return out


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    """Mean and sample variance (ddof=1); NaN where undefined."""
    if x.size == 0:
        return math.nan, math.nan
    return float(x.mean()), float(x.var(ddof=1)) if x.size > 1 else math.nan


def _effects(
    seg: np.ndarray, rest: np.ndarray, *, binary: bool
) -> tuple[float, float, float, float]:
    """Segment mean, rest mean, standardised difference and Cohen's d.

    The standardised difference is Austin's (2009) standardised mean difference: the gap over
    the root mean of the two variances (for a 0/1 indicator, ``p (1 - p)``), which does not
    weigh the groups by size. Cohen's d uses the pooled standard deviation weighted by
    degrees of freedom.
    """
    m1, v1 = _mean_var(seg)
    m0, v0 = _mean_var(rest)
    n1, n0 = seg.size, rest.size
    binary_var = (m1 * (1 - m1) + m0 * (1 - m0)) / 2 if n1 and n0 else math.nan
    smd_var = binary_var if binary else (v1 + v0) / 2
    std_diff = (m1 - m0) / math.sqrt(smd_var) if smd_var > 0 else math.nan
    d = math.nan
    if n1 > 1 and n0 > 1:
        pooled = ((n1 - 1) * v1 + (n0 - 1) * v0) / (n1 + n0 - 2)
        d = (m1 - m0) / math.sqrt(pooled) if pooled > 0 else math.nan
    return m1, m0, std_diff, d


def _numeric_rows(
    variable: str, values: pd.Series, ids: np.ndarray, segments: np.ndarray
) -> list[dict[str, object]]:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = values.notna().to_numpy() & ~np.isfinite(x)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"profile: numeric column '{variable}' row {row}: {values.iloc[row]!r} "
            "is not a finite number"
        )
    has = np.isfinite(x)
    groups = [x[has & (ids == s)] for s in segments]
    testable = [g for g in groups if g.size]
    # Exact check rather than a variance tolerance: scipy warns and returns NaN on constant data.
    constant = np.unique(x[has]).size < 2
    h = p_omni = eta2 = math.nan
    if len(testable) >= 2 and not constant:
        h, p_omni = (float(v) for v in st.kruskal(*testable))
        n, k = int(has.sum()), len(testable)
        eta2 = (h - k + 1) / (n - k) if n > k else math.nan
    overall = float(x[has].mean()) if has.any() else math.nan
    rows = []
    for s, seg in zip(segments, groups, strict=True):
        rest = x[has & (ids != s)]
        m1, m0, std_diff, d = _effects(seg, rest, binary=False)
        p = math.nan
        if seg.size and rest.size and not constant:
            p = float(st.mannwhitneyu(seg, rest, alternative="two-sided").pvalue)
        q1, med, q3 = np.quantile(seg, [0.25, 0.5, 0.75]) if seg.size else (math.nan,) * 3
        rows.append(
            {
                "segment": int(s),
                "variable": variable,
                "level": None,
                "feature": variable,
                "kind": "numeric",
                "n_segment": int(seg.size),
                "n_rest": int(rest.size),
                "mean": m1,
                "median": float(med),
                "q1": float(q1),
                "q3": float(q3),
                "rest_mean": m0,
                "overall_mean": overall,
                "std_diff": std_diff,
                "cohens_d": d,
                "test": "mann-whitney",
                "p_value": p,
                "omnibus_test": "kruskal",
                "omnibus_statistic": h,
                "omnibus_p_value": p_omni,
                "omnibus_effect": eta2,
            }
        )
    return rows


def cramers_v(table: np.ndarray) -> tuple[float, float, float]:
    """Chi-square statistic, p-value and Cramér's V of a contingency table.

    Empty rows and columns are dropped first (they carry no information and make expected
    counts zero). No continuity correction, so V is the textbook
    ``sqrt(chi2 / (n * (min(r, c) - 1)))``.

    Examples
    --------
    >>> chi2, p, v = cramers_v(np.array([[10, 0], [0, 10]]))
    >>> round(chi2, 6), round(v, 6)
    (20.0, 1.0)
    """
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return math.nan, math.nan, math.nan
    res = st.chi2_contingency(t, correction=False)
    chi2, p = float(res.statistic), float(res.pvalue)
    return chi2, p, math.sqrt(chi2 / (t.sum() * (min(t.shape) - 1)))


def _categorical_rows(
    variable: str, values: pd.Series, ids: np.ndarray, segments: np.ndarray
) -> list[dict[str, object]]:
    text = values.astype("string").fillna(MISSING_LEVEL).to_numpy(dtype=object)
    levels = sorted(set(text))
    table = pd.crosstab(ids, text).reindex(index=segments, columns=levels, fill_value=0)
    counts = table.to_numpy(dtype=np.int64)
    chi2, p_omni, v = cramers_v(counts)
    seg_n = counts.sum(axis=1)
    total_n = int(counts.sum())
    rows = []
    for j, level in enumerate(levels):
        at_level = (text == level).astype(float)
        for i, s in enumerate(segments):
            in_seg = ids == s
            m1, m0, std_diff, d = _effects(at_level[in_seg], at_level[~in_seg], binary=True)
            a = int(counts[i, j])
            b = int(seg_n[i] - a)
            c = int(counts[:, j].sum() - a)
            e = int(total_n - seg_n[i] - c)
            p = math.nan
            if len(levels) > 1 and seg_n[i] and total_n - seg_n[i]:
                p = float(st.fisher_exact([[a, b], [c, e]]).pvalue)
            rows.append(
                {
                    "segment": int(s),
                    "variable": variable,
                    "level": str(level),
                    "feature": f"{variable}={level}",
                    "kind": "categorical",
                    "n_segment": int(seg_n[i]),
                    "n_rest": int(total_n - seg_n[i]),
                    "mean": m1,
                    "median": math.nan,
                    "q1": math.nan,
                    "q3": math.nan,
                    "rest_mean": m0,
                    "overall_mean": counts[:, j].sum() / total_n,
                    "std_diff": std_diff,
                    "cohens_d": d,
                    "test": "fisher",
                    "p_value": p,
                    "omnibus_test": "chi2",
                    "omnibus_statistic": chi2,
                    "omnibus_p_value": p_omni,
                    "omnibus_effect": v,
                }
            )
    return rows


def segment_statistics(
    features: pd.DataFrame,
    segment_ids: np.ndarray,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    correction: Correction = "fdr_bh",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare each segment with the rest of the base on every variable, with corrected tests.

    Parameters
    ----------
    features
        One row per customer; not modified.
    segment_ids
        Segment id of each row of ``features``, in the same order.
    numeric
        Numeric columns. Missing values are left out of every statistic and test of that
        column (``n_segment`` / ``n_rest`` count the values used).
    categorical
        Categorical columns; each level becomes one row per segment. A missing value is its
        own level, ``(missing)``.
    correction
        Multiple-testing correction, applied separately to the two families: the omnibus
        p-values (one per variable) and the segment-vs-rest p-values (one per row).
        ``"fdr_bh"`` is Benjamini-Hochberg (:func:`scipy.stats.false_discovery_control`).
    alpha
        Level below which both adjusted p-values make a row ``significant``.

    Returns
    -------
    pandas.DataFrame
        Long table with :data:`STATS_COLUMNS`, one row per (segment, numeric variable) and
        per (segment, categorical level); numeric variables first, in the order given, then
        each categorical's levels sorted, and segments ascending within each feature. The
        per-variable omnibus results are repeated on every row of the variable.

        ``lift`` and the effect sizes compare the segment with the *rest* of the base (not
        with the overall mean, which includes the segment itself). ``std_diff`` is the
        standardised mean difference (Austin 2009): the difference of means over
        ``sqrt((var_segment + var_rest) / 2)`` (sample variances; for a level
        ``p (1 - p)``). ``cohens_d`` divides the same difference by the pooled standard
        deviation ``sqrt(((n1 - 1) s1² + (n0 - 1) s0²) / (n1 + n0 - 2))``; for a level it
        is computed on the 0/1 indicator, which puts levels and numeric variables on one
        scale. Both are NaN where there is no spread.

    Raises
    ------
    SchemaError
        If a column is missing, a numeric column holds a value that is not a finite number
        (the message names the column, row and value), or ``segment_ids`` does not have one
        id per row.

    Examples
    --------
    >>> f = pd.DataFrame({"spend": [10.0, 12, 14, 40, 42, 44], "plan": list("aabbbb")})
    >>> s = segment_statistics(f, np.array([1, 1, 1, 2, 2, 2]), numeric=["spend"],
    ...                        categorical=["plan"])
    >>> s[["segment", "feature", "mean", "rest_mean", "cohens_d"]].round(2)
       segment feature  mean  rest_mean  cohens_d
    0        1   spend 12.00      42.00    -15.00
    1        2   spend 42.00      12.00     15.00
    2        1  plan=a  0.67       0.00      1.63
    3        2  plan=a  0.00       0.67     -1.63
    4        1  plan=b  0.33       1.00     -1.63
    5        2  plan=b  1.00       0.33      1.63
    >>> s.loc[[0, 2], ["omnibus_test", "omnibus_p_value", "omnibus_effect"]].round(4)
      omnibus_test  omnibus_p_value  omnibus_effect
    0      kruskal           0.0495          0.7143
    2         chi2           0.0833          0.7071
    """
    ids = _check_ids(features, segment_ids)
    _check_columns(features, [*numeric, *categorical])
    segments = np.unique(ids)
    rows: list[dict[str, object]] = []
    for col in numeric:
        rows.extend(_numeric_rows(col, features[col], ids, segments))
    for col in categorical:
        rows.extend(_categorical_rows(col, features[col], ids, segments))
    table = pd.DataFrame(rows, columns=[c for c in STATS_COLUMNS if c not in _DERIVED])
    if table.empty:
        return pd.DataFrame(columns=STATS_COLUMNS)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = table["rest_mean"].to_numpy(dtype=float)
        table["lift"] = np.where(rest != 0, table["mean"].to_numpy(dtype=float) / rest, np.nan)
    table["p_adjusted"] = adjust_p_values(table["p_value"].to_numpy(dtype=float), correction)
    # One omnibus p-value per variable forms the family, not one per row.
    omni = table.drop_duplicates("variable").set_index("variable")["omnibus_p_value"]
    omni_adj = pd.Series(adjust_p_values(omni.to_numpy(dtype=float), correction), omni.index)
    table["omnibus_p_adjusted"] = table["variable"].map(omni_adj).astype(float)
    table["significant"] = (table["p_adjusted"] < alpha) & (table["omnibus_p_adjusted"] < alpha)
    return table[STATS_COLUMNS]


_DERIVED = {"lift", "p_adjusted", "omnibus_p_adjusted", "significant"}


def top_distinguishing(stats: pd.DataFrame, n: int = 5) -> dict[int, list[Trait]]:
    """Each segment's ``n`` strongest significant differences from the rest of the base.

    Rows of :func:`segment_statistics` marked ``significant`` are ranked by ``|cohens_d|``,
    strongest first; rows with a missing d (no spread) are left out. Ties keep the table's order.

    Parameters
    ----------
    stats
        The table of :func:`segment_statistics`.
    n
        How many traits to keep per segment.

    Returns
    -------
    dict
        ``{segment: [Trait(feature, cohens_d), ...]}``, segments ascending; a segment with
        nothing significant maps to an empty list.

    Examples
    --------
    >>> stats = pd.DataFrame({
    ...     "segment": [1, 1, 1, 2], "feature": ["spend", "visits", "age", "spend"],
    ...     "cohens_d": [0.4, -1.5, 3.0, -0.4], "significant": [True, True, False, True]})
    >>> top_distinguishing(stats, n=2)
    {1: [Trait(feature='visits', effect=-1.5), Trait(feature='spend', effect=0.4)], 2: [Trait(feature='spend', effect=-0.4)]}
    """  # noqa: E501
    _check_columns(stats, ["segment", "feature", "cohens_d", "significant"])
    result: dict[int, list[Trait]] = {int(s): [] for s in sorted(stats["segment"].unique())}
    d = pd.to_numeric(stats["cohens_d"], errors="coerce").to_numpy(dtype=float)
    keep = stats["significant"].fillna(False).to_numpy(dtype=bool) & np.isfinite(d)
    frame = pd.DataFrame(
        {
            "segment": stats["segment"].to_numpy()[keep].astype(int),
            "feature": stats["feature"].astype(str).to_numpy()[keep],
            "d": d[keep],
            "strength": np.abs(d[keep]),
        }
    ).sort_values(["segment", "strength"], ascending=[True, False], kind="mergesort")
    for seg in result:
        top = frame[frame["segment"] == seg].head(n)
        result[seg] = [
            Trait(str(f), float(v)) for f, v in zip(top["feature"], top["d"], strict=True)
        ]
    return result


def value_shares(
    features: pd.DataFrame, segment_ids: np.ndarray, monetary: str = "monetary"
) -> pd.DataFrame:
    """Each segment's share of the customers and of the revenue.

    Parameters
    ----------
    features
        One row per customer; not modified.
    segment_ids
        Segment id of each row of ``features``.
    monetary
        Revenue column (missing values count as 0; net negative values, e.g. from returns,
        are kept so that the shares add up to the base's net revenue).

    Returns
    -------
    pandas.DataFrame
        One row per segment, ascending: ``segment``, ``customers``, ``customer_share``,
        ``revenue``, ``revenue_share``, ``revenue_per_customer`` and ``value_index``
        (revenue share ÷ customer share: above 1 means the segment brings more than its
        head count). Shares are NaN when the base's total revenue is not positive.

    Examples
    --------
    >>> f = pd.DataFrame({"monetary": [100.0, 300.0, 50.0, 50.0]})
    >>> v = value_shares(f, np.array([1, 1, 2, 2]))
    >>> v[["segment", "customers", "revenue", "revenue_share", "value_index"]]
       segment  customers  revenue  revenue_share  value_index
    0        1          2    400.0            0.8          1.6
    1        2          2    100.0            0.2          0.4
    """
    ids = _check_ids(features, segment_ids)
    _check_columns(features, [monetary])
    money = pd.to_numeric(features[monetary], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    grouped = pd.DataFrame({"segment": ids, "revenue": money}).groupby("segment", sort=True)
    out = grouped["revenue"].agg(customers="size", revenue="sum").reset_index()
    out["segment"] = out["segment"].astype(int)
    total = float(out["revenue"].sum())
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["revenue_share"] = out["revenue"] / total if total > 0 else np.nan
    out["revenue_per_customer"] = out["revenue"] / out["customers"]
    out["value_index"] = out["revenue_share"] / out["customer_share"]
    return out[
        [
            "segment",
            "customers",
            "customer_share",
            "revenue",
            "revenue_share",
            "revenue_per_customer",
            "value_index",
        ]
    ]


def small_segments(segment_ids: np.ndarray, min_size: int = MIN_EXPORT_SIZE) -> list[int]:
    """Segments with fewer than ``min_size`` customers, whose member lists must not be exported.

    A segment of a handful of people is close to a list of identifiable individuals: its
    profile can be shown (aggregates over several people), but exports and APIs must never
    hand out which customers are in it. Callers that export member lists (customer id →
    segment) drop or refuse these segments; aggregate tables may still include them.

    Parameters
    ----------
    segment_ids
        Segment id of each customer.
    min_size
        Smallest segment whose members may be listed.

    Returns
    -------
    list of int
        The ids of the small segments, ascending.

    Examples
    --------
    >>> small_segments(np.array([1] * 60 + [2] * 10 + [3] * 50))
    [2]
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    ids, sizes = np.unique(np.asarray(segment_ids), return_counts=True)
    return [int(i) for i, size in zip(ids, sizes, strict=True) if size < min_size]
