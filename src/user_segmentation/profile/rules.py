"""Plain-language rules that describe each segment, read off a shallow surrogate tree.

For each segment a small decision tree learns "in this segment or not" from the
interpretable features (not the principal components the clustering saw). Every
root-to-leaf path is a conjunction such as ``recency_days ≤ 30 and frequency ≥ 12``; its
thresholds are rounded to numbers people read, redundant conditions are dropped, and its
precision and recall are measured again on the rounded rule, so the numbers shown are the
numbers of the rule as written. One path per segment is kept: a single conjunction reads
far better than a union of leaves.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from user_segmentation.errors import SchemaError
from user_segmentation.profile.stats import MISSING_LEVEL

logger = logging.getLogger(__name__)

#: Readable comparison words. "=" and "≠" are for a level of a categorical column.
OPERATORS = ("≤", "<", ">", "≥", "=", "≠")

# A simplification may cost at most this much precision: a shorter rule that is 0.5
# percentage points less precise is the better description.
_DROP_TOLERANCE = 0.005
# Rounding to 2 significant digits is kept unless it costs more than this in precision or
# recall, in which case 3 digits are used.
_ROUNDING_TOLERANCE = 0.01


class Condition(NamedTuple):
    """One comparison of a rule: ``feature op threshold`` (a level name for ``=``/``≠``)."""

    feature: str
    op: str
    threshold: float | str


@dataclass(frozen=True)
class SegmentRule:
    """A one-line description of a segment and how well it picks the segment out.

    Attributes
    ----------
    segment
        Segment id.
    conditions
        The conjunction, in the order the tree found them (broadest split first).
    text
        The conditions as text, e.g. ``"recency_days ≤ 30 and frequency ≥ 12"``; ``"all
        customers"`` when no condition helps.
    precision
        Share of the customers matching the rule who are in the segment.
    recall
        Share of the segment's customers matching the rule.
    support
        Customers matching the rule (whole base).
    size
        Customers in the segment.
    reliable
        Whether the rule reached the ``min_precision`` and ``min_recall`` asked for; when
        not, the text is the closest simple description found, not a definition.
    """

    segment: int
    conditions: list[Condition]
    text: str
    precision: float
    recall: float
    support: int
    size: int
    reliable: bool


def round_significant(value: float, digits: int = 2) -> float:
    """Round to ``digits`` significant digits.

    Examples
    --------
    >>> round_significant(29.37), round_significant(0.2345), round_significant(4199.0)
    (29.0, 0.23, 4200.0)
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(round(value, digits - 1 - math.floor(math.log10(abs(value)))))


def format_number(value: float) -> str:
    """A threshold as text: whole numbers without decimals, others as rounded.

    Examples
    --------
    >>> format_number(30.0), format_number(0.23), format_number(1200000.0)
    ('30', '0.23', '1200000')
    """
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def rule_text(conditions: Sequence[Condition]) -> str:
    """Join conditions into one readable line; a two-sided range reads ``a < x ≤ b``.

    Examples
    --------
    >>> rule_text([Condition("recency_days", "≤", 30.0), Condition("frequency", "≥", 12.0)])
    'recency_days ≤ 30 and frequency ≥ 12'
    >>> rule_text([Condition("age", ">", 30.0), Condition("country", "=", "DE"),
    ...            Condition("age", "≤", 45.0)])
    '30 < age ≤ 45 and country = DE'
    """
    if not conditions:
        return "all customers"
    parts: list[str] = []
    done: set[int] = set()
    for i, c in enumerate(conditions):
        if i in done:
            continue
        if c.op in (">", "≥"):
            upper = next(
                (
                    j
                    for j, u in enumerate(conditions)
                    if j not in done and j != i and u.feature == c.feature and u.op in ("≤", "<")
                ),
                None,
            )
            if upper is not None:
                u = conditions[upper]
                low_op = "<" if c.op == ">" else "≤"
                parts.append(
                    f"{format_number(float(c.threshold))} {low_op} {c.feature} "
                    f"{u.op} {format_number(float(u.threshold))}"
                )
                done.update({i, upper})
                continue
        value = c.threshold if isinstance(c.threshold, str) else format_number(c.threshold)
        parts.append(f"{c.feature} {c.op} {value}")
        done.add(i)
    return " and ".join(parts)


class _Design:
    """The interpretable features as a numeric matrix, and how to test conditions on them."""

    def __init__(self, features: pd.DataFrame, columns: Sequence[str], max_levels: int) -> None:
        missing = [c for c in columns if c not in features.columns]
        if missing:
            raise SchemaError(
                f"profile: rule column(s) {missing} not found; "
                f"the customer table has {[str(c) for c in features.columns]}"
            )
        self.numeric: dict[str, np.ndarray] = {}
        self.integer: set[str] = set()
        self.text: dict[str, np.ndarray] = {}
        blocks: list[np.ndarray] = []
        self.origin: list[tuple[str, str | None]] = []  # (column, level) of each matrix column
        for col in columns:
            s = features[col]
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
                finite = x[np.isfinite(x)]
                if finite.size == 0:
                    continue
                self.numeric[col] = x
                if np.all(finite == np.round(finite)):
                    self.integer.add(col)
                # The tree needs values everywhere; the rule is then measured on the raw
                # column, where a missing value satisfies no numeric condition.
                blocks.append(np.where(np.isfinite(x), x, np.median(finite))[:, None])
                self.origin.append((col, None))
            else:
                text = s.astype("string").fillna(MISSING_LEVEL).to_numpy(dtype=object)
                self.text[col] = text
                counts = pd.Series(text).value_counts(sort=True)
                levels = sorted(counts.index[:max_levels], key=lambda v: (-counts[v], str(v)))
                for level in levels:
                    blocks.append((text == level).astype(float)[:, None])
                    self.origin.append((col, str(level)))
        if not blocks:
            raise SchemaError(f"profile: none of the rule columns {list(columns)} has values")
        self.matrix = np.hstack(blocks)

    def readable(self, j: int, left: bool, threshold: float, digits: int) -> Condition:
        """The tree's split ``x_j ≤ threshold`` (left) or ``>`` (right) in readable form."""
        col, level = self.origin[j]
        if level is not None:
            return Condition(col, "≠" if left else "=", level)
        if col in self.integer and abs(threshold) < 100:
            # Exact for small whole numbers (counts): x ≤ 11.5 is x ≤ 11, x > 11.5 is x ≥ 12.
            # Large ones (whole-euro amounts) are rounded like any other value.
            cut = float(math.floor(threshold))
            return Condition(col, "≤", cut) if left else Condition(col, "≥", cut + 1)
        return Condition(col, "≤" if left else ">", round_significant(threshold, digits))

    def mask(self, conditions: Sequence[Condition]) -> np.ndarray:
        n = self.matrix.shape[0]
        out = np.ones(n, dtype=bool)
        for c in conditions:
            if c.op in ("=", "≠"):
                hit = self.text[c.feature] == c.threshold
                out &= hit if c.op == "=" else ~hit
                continue
            x = self.numeric[c.feature]
            t = float(c.threshold)
            with np.errstate(invalid="ignore"):
                if c.op == "≤":
                    out &= x <= t
                elif c.op == "<":
                    out &= x < t
                elif c.op == ">":
                    out &= x > t
                else:
                    out &= x >= t
        return out


def _tighten(conditions: list[Condition]) -> list[Condition]:
    """Keep one bound per feature and side (the tightest), and drop "≠" made moot by "="."""
    out: list[Condition] = []
    for c in conditions:
        if c.op == "≠" and any(o.feature == c.feature and o.op == "=" for o in conditions):
            continue
        same = [
            i
            for i, o in enumerate(out)
            if o.feature == c.feature
            and c.op not in ("=", "≠")
            and (o.op in ("≤", "<")) == (c.op in ("≤", "<"))
            and o.op not in ("=", "≠")
        ]
        if same:
            i = same[0]
            old = float(out[i].threshold)
            new = float(c.threshold)
            upper = c.op in ("≤", "<")
            if (upper and new < old) or (not upper and new > old):
                out[i] = c
            continue
        if c not in out:
            out.append(c)
    return out


def _score(mask: np.ndarray, target: np.ndarray) -> tuple[float, float, int]:
    support = int(mask.sum())
    hits = int((mask & target).sum())
    precision = hits / support if support else 0.0
    recall = hits / int(target.sum()) if target.any() else 0.0
    return precision, recall, support


def _simplify(conditions: list[Condition], design: _Design, target: np.ndarray) -> list[Condition]:
    """Drop conditions, one at a time, while precision stays within the tolerance."""
    current = list(conditions)
    # Measured against the starting precision, so that small losses cannot add up.
    precision, _, _ = _score(design.mask(current), target)
    improved = True
    while improved and current:
        improved = False
        best: tuple[float, float, int] | None = None
        for i in range(len(current)):
            trial = current[:i] + current[i + 1 :]
            p, r, _ = _score(design.mask(trial), target)
            if p >= precision - _DROP_TOLERANCE and (best is None or (p, r) > best[:2]):
                best = (p, r, i)
        if best is not None:
            current.pop(best[2])
            improved = True
    return current


def _leaf_paths(tree: DecisionTreeClassifier) -> list[list[tuple[int, bool, float]]]:
    """Every root-to-leaf path as (feature index, went left, threshold) steps."""
    t = tree.tree_
    paths: list[list[tuple[int, bool, float]]] = []
    stack: list[tuple[int, list[tuple[int, bool, float]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if left == right:  # a leaf
            paths.append(path)
            continue
        j, thr = int(t.feature[node]), float(t.threshold[node])
        stack.append((right, [*path, (j, False, thr)]))
        stack.append((left, [*path, (j, True, thr)]))
    return paths


def _candidate(
    path: list[tuple[int, bool, float]], design: _Design, target: np.ndarray
) -> tuple[list[Condition], tuple[float, float, int]]:
    exact = [design.readable(j, left, thr, digits=17) for j, left, thr in path]
    exact_score = _score(design.mask(_tighten(exact)), target)
    conditions: list[Condition] = []
    for digits in (2, 3):
        conditions = _tighten([design.readable(j, left, thr, digits) for j, left, thr in path])
        p, r, _ = _score(design.mask(conditions), target)
        if p >= exact_score[0] - _ROUNDING_TOLERANCE and r >= exact_score[1] - _ROUNDING_TOLERANCE:
            break
    conditions = _simplify(conditions, design, target)
    return conditions, _score(design.mask(conditions), target)


def segment_rules(
    features: pd.DataFrame,
    segment_ids: np.ndarray,
    *,
    columns: Sequence[str],
    max_depth: int = 3,
    random_state: int = 0,
    min_precision: float = 0.8,
    min_recall: float = 0.25,
    min_leaf_share: float = 0.005,
    max_levels: int = 20,
    max_fit_rows: int = 50_000,
) -> list[SegmentRule]:
    """Describe each segment with one readable rule from a one-vs-rest surrogate tree.

    For each segment a :class:`~sklearn.tree.DecisionTreeClassifier` (``class_weight=
    "balanced"``, so that a small segment is worth splitting for) learns membership from
    ``columns``. Each root-to-leaf path becomes a candidate rule: thresholds are rounded to
    2 significant digits (3 when 2 would cost more than a point of precision or recall;
    whole numbers below 100 in integer columns — counts — where ``≤ 11.5`` is exactly
    ``≤ 11`` and ``> 11.5`` is ``≥ 12``), conditions
    on the same feature merged, and conditions dropped while precision holds. Precision and
    recall are then measured on the rule as written. The rule kept has the best precision
    at a reasonable recall — the highest F0.5 score (precision weighted twice as much as
    recall) among the rules with precision ≥ ``min_precision`` and recall ≥
    ``min_recall``, or among all of them, marked ``reliable=False``, when none reaches both.

    Parameters
    ----------
    features
        One row per customer; not modified.
    segment_ids
        Segment id of each row.
    columns
        Interpretable columns to describe segments with. Numeric columns give ``≤``/``>``
        conditions (``≤``/``≥`` for small whole numbers); other columns are categorical,
        one 0/1 indicator per level (the ``max_levels`` most frequent), giving ``=``/``≠``.
        A customer with a missing numeric value satisfies no condition on that column.
    max_depth
        Depth of the trees: the longest a rule can be (2-3 keeps it readable).
    random_state
        Seed of the trees (ties between equally good splits).
    min_precision
        Precision a rule should reach.
    min_recall
        Share of the segment a rule should cover: a rule for 1% of the segment is precise
        but describes almost none of it.
    min_leaf_share
        Smallest leaf, as a share of the customers, so that no rule describes a handful.
    max_levels
        Most levels of one categorical column turned into indicators.
    max_fit_rows
        Above this many customers the trees are fitted on a random sample of this size
        (drawn with ``random_state``); precision and recall are still measured on every
        customer. Split points found on 50,000 rows barely move, and fitting dominates
        the cost.

    Returns
    -------
    list of SegmentRule
        One per segment, ascending.

    Raises
    ------
    SchemaError
        If a column is missing or ``segment_ids`` does not have one id per row.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [5, 8, 12, 20, 200, 250, 300, 40, 60, 90],
    ...                   "frequency": [20, 15, 30, 14, 1, 2, 1, 3, 4, 2]})
    >>> rules = segment_rules(f, np.array([1, 1, 1, 1, 2, 2, 2, 3, 3, 3]),
    ...                       columns=["recency_days", "frequency"])
    >>> [(r.segment, r.text, r.precision, r.recall) for r in rules]
    [(1, 'frequency ≥ 10', 1.0, 1.0), (2, 'recency_days > 140', 1.0, 1.0), (3, '31 ≤ recency_days ≤ 140', 1.0, 1.0)]
    """  # noqa: E501
    ids = np.asarray(segment_ids)
    if ids.ndim != 1 or len(ids) != len(features):
        raise SchemaError(
            f"profile: {ids.size} segment ids for {len(features)} customers; "
            "expected one id per customer row"
        )
    if not 0 < min_leaf_share < 0.5:
        raise ValueError(f"min_leaf_share must be in (0, 0.5), got {min_leaf_share}")
    design = _Design(features, columns, max_levels)
    fit_rows = np.arange(len(features))
    if len(features) > max_fit_rows:
        rng = np.random.default_rng(random_state)
        fit_rows = np.sort(rng.choice(len(features), size=max_fit_rows, replace=False))
    min_leaf = max(1, math.ceil(min_leaf_share * len(fit_rows)))
    rules: list[SegmentRule] = []
    for seg in np.unique(ids):
        target = ids == seg
        candidates: list[tuple[list[Condition], tuple[float, float, int]]] = []
        if target.all():
            candidates.append(([], _score(target, target)))
        else:
            tree = DecisionTreeClassifier(
                max_depth=max_depth,
                class_weight="balanced",
                min_samples_leaf=min_leaf,
                random_state=random_state,
            ).fit(design.matrix[fit_rows], target[fit_rows])
            candidates = [_candidate(p, design, target) for p in _leaf_paths(tree)]
        rules.append(_choose(int(seg), candidates, int(target.sum()), min_precision, min_recall))
    return rules


def _f_half(precision: float, recall: float) -> float:
    """F-score with beta = 0.5: precision weighs twice as much as recall."""
    denom = 0.25 * precision + recall
    return 1.25 * precision * recall / denom if denom else 0.0


def _choose(
    seg: int,
    candidates: list[tuple[list[Condition], tuple[float, float, int]]],
    size: int,
    min_precision: float,
    min_recall: float,
) -> SegmentRule:
    good = [c for c in candidates if c[1][0] >= min_precision and c[1][1] >= min_recall]
    pool = good or candidates
    # Best precision at a reasonable recall (F0.5), then the shorter rule.
    conds, (p, r, support) = max(pool, key=lambda c: (_f_half(*c[1][:2]), -len(c[0])))
    if not good:
        logger.info(
            "segment %s: no rule reaches precision %.2f at recall %.2f; best: %.2f at %.2f",
            seg,
            min_precision,
            min_recall,
            p,
            r,
        )
    return SegmentRule(
        segment=seg,
        conditions=conds,
        text=rule_text(conds),
        precision=p,
        recall=r,
        support=support,
        size=size,
        reliable=bool(good),
    )
