"""Names a marketer recognises: RFM grid names for segments, or names built from their traits.

With recency, frequency and monetary columns, each customer gets quintile scores 1-5
(:func:`rfm_scores`), and each segment is placed on the standard RFM grid by its members'
mean recency score (R) and mean frequency-monetary score (FM, the mean of F and M)
(:func:`rfm_segment_names`). Without them, :func:`trait_names` builds a name from the
segment's strongest significant differences ("High spend · Frequent · Recent"). Either way
the names are unique, and :func:`apply_user_names` lets people replace any of them.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from user_segmentation.errors import ConfigError, SchemaError
from user_segmentation.profile.stats import Trait, top_distinguishing

logger = logging.getLogger(__name__)

#: Joins the parts of a name ("At risk · High spend").
SEPARATOR = " · "

#: RFM segment names, from the grid below.
RFM_NAMES = (
    "Champions",
    "Loyal",
    "Potential loyalist",
    "New",
    "Promising",
    "Need attention",
    "About to sleep",
    "At risk",
    "Can't lose them",
    "Hibernating",
    "Lost",
)

# The R (rows, recency score 5 = most recent) × FM (columns, frequency-monetary score) grid
# widely published for RFM segmentation (Putler, "RFM Analysis For Successful Customer
# Segmentation", and the many tutorials that reproduce its regex map: 5[4-5] Champions,
# [3-4][4-5] Loyal, [4-5][2-3] Potential loyalist, 51 New, 41 Promising, 33 Need attention,
# 3[1-2] About to sleep, [1-2][3-4] At risk, [1-2]5 Can't lose them, [1-2][1-2] Hibernating),
# with the cell R 1 / FM 1 split off as Lost, as in Putler's eleven-segment version.
_GRID_ROWS = {
    5: ("New", "Potential loyalist", "Potential loyalist", "Champions", "Champions"),
    4: ("Promising", "Potential loyalist", "Potential loyalist", "Loyal", "Loyal"),
    3: ("About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"),
    2: ("Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"),
    1: ("Lost", "Hibernating", "At risk", "At risk", "Can't lose them"),
}

#: The grid as a table: rows are the R score 5..1, columns the FM score 1..5.
RFM_GRID = pd.DataFrame.from_dict(_GRID_ROWS, orient="index", columns=[1, 2, 3, 4, 5])
RFM_GRID.index.name = "R"
RFM_GRID.columns.name = "FM"

# Adjectives for "high" and "low" values of the standard features. Anything else falls back
# to "High <feature>" / "Low <feature>".
TRAIT_WORDS: dict[str, tuple[str, str]] = {
    "recency_days": ("Lapsed", "Recent"),
    "frequency": ("Frequent", "Infrequent"),
    "monetary": ("High spend", "Low spend"),
    "avg_order_value": ("Big baskets", "Small baskets"),
    "return_rate": ("Frequent returners", "Rarely return"),
    "tenure_days": ("Long-standing", "Newcomers"),
    "days_since_signup_date": ("Long-standing", "Newly signed up"),
    "mean_days_between_orders": ("Long gaps between orders", "Short gaps between orders"),
    "sessions": ("Active online", "Rarely online"),
    "page_views": ("Heavy browsers", "Light browsers"),
    "cart_adds": ("Cart fillers", "Few cart adds"),
    "email_opens": ("Email readers", "Ignore email"),
    "email_clicks": ("Email clickers", "Rarely click email"),
    "active_months": ("Regularly active", "Seldom active"),
    "support_tickets": ("Support-heavy", "Rarely need support"),
    "mean_satisfaction": ("Satisfied", "Dissatisfied"),
    "points_balance": ("Points-rich", "Few points"),
    "age": ("Older", "Younger"),
}


def trait_word(feature: str, effect: float) -> str:
    """Short words for a feature that is high (``effect > 0``) or low in a segment.

    A categorical level ``column=level`` reads "level column" when over-represented and
    "Few level column" when under-represented.

    Examples
    --------
    >>> trait_word("recency_days", -1.2), trait_word("monetary", 2.0)
    ('Recent', 'High spend')
    >>> trait_word("tier=Platinum", 3.0), trait_word("basket_size", -0.5)
    ('Platinum tier', 'Low basket size')
    """
    high = effect > 0
    if "=" in feature:
        column, level = feature.split("=", 1)
        text = f"{level} {column.replace('_', ' ')}"
        return text if high else f"Few {text}"
    if feature in TRAIT_WORDS:
        return TRAIT_WORDS[feature][0 if high else 1]
    return f"{'High' if high else 'Low'} {feature.replace('_', ' ')}"


def _quintile(values: pd.Series) -> pd.Series:
    """Score 1-5 from the mid-rank percentile; missing values stay missing."""
    pct = values.rank(method="average", pct=True)
    return pct.mul(5).apply(np.ceil).clip(1, 5)


def rfm_scores(
    features: pd.DataFrame,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
    *,
    buyers_only: bool = True,
) -> pd.DataFrame:
    """Quintile scores 1-5 of recency, frequency and monetary value for every customer.

    5 is best: the fewest days since the last order, the most orders, the most spend. The
    quintiles are taken over the base: a customer's score is ``ceil(5 × p)`` where ``p`` is
    the percentile of their mid-rank (``rank(method="average", pct=True)``). Tied values
    therefore always share a score — unlike ``rank(method="first")``, which breaks ties by
    row order and would make scores depend on how the input happens to be sorted — at the
    price of uneven quintiles when many customers tie: a block of tied values gets the
    score of its middle, so one-order customers score F 1 only while they are under 40% of
    the (buying) base.

    Parameters
    ----------
    features
        One row per customer; not modified.
    recency, frequency, monetary
        Columns of days since the last order, number of orders and total spend.
    buyers_only
        Cut the quintiles among customers with at least one order (``frequency > 0``) and
        score everyone else 1, 1, 1. Without this, a base with many non-buyers pushes the
        one-order customers into the middle quintiles.

    Returns
    -------
    pandas.DataFrame
        Columns ``R``, ``F``, ``M`` (floats 1-5; NaN where the input is missing) and ``FM``
        (the mean of F and M), indexed like ``features``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [5, 50, 500, 5, 30],
    ...                   "frequency": [10, 3, 1, 8, 0],
    ...                   "monetary": [900.0, 100.0, 20.0, 500.0, 0.0]})
    >>> rfm_scores(f)
         R    F    M   FM
    0  5.0  5.0  5.0  5.0
    1  3.0  3.0  3.0  3.0
    2  2.0  2.0  2.0  2.0
    3  5.0  4.0  4.0  4.0
    4  1.0  1.0  1.0  1.0
    """
    missing = [c for c in (recency, frequency, monetary) if c not in features.columns]
    if missing:
        raise SchemaError(
            f"profile: RFM column(s) {missing} not found; "
            f"the customer table has {[str(c) for c in features.columns]}"
        )
    r = pd.to_numeric(features[recency], errors="coerce").astype(float)
    f = pd.to_numeric(features[frequency], errors="coerce").astype(float)
    m = pd.to_numeric(features[monetary], errors="coerce").astype(float)
    buyer = (f > 0) if buyers_only else pd.Series(True, index=features.index)
    scores = pd.DataFrame(index=features.index, columns=["R", "F", "M"], dtype=float)
    scores.loc[buyer, "R"] = _quintile(-r[buyer])
    scores.loc[buyer, "F"] = _quintile(f[buyer])
    scores.loc[buyer, "M"] = _quintile(m[buyer])
    scores.loc[~buyer & f.notna(), ["R", "F", "M"]] = 1.0
    scores["FM"] = scores[["F", "M"]].mean(axis=1, skipna=False)
    return scores


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


def rfm_grid_name(r: float, fm: float) -> str:
    """The grid name of an R score and an FM score (rounded half up, clipped to 1-5).

    Examples
    --------
    >>> rfm_grid_name(4.6, 4.8), rfm_grid_name(1.4, 2.5), rfm_grid_name(4.9, 1.2)
    ('Champions', 'At risk', 'New')
    """
    row = min(max(_half_up(r), 1), 5)
    col = min(max(_half_up(fm), 1), 5)
    return str(RFM_GRID.loc[row, col])


def _descriptive_columns(features: pd.DataFrame) -> list[str]:
    """Numeric columns, without identifiers (whole numbers, all distinct), which describe
    no one."""
    out = []
    for c in features.columns:
        s = features[c]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        values = pd.to_numeric(s, errors="coerce").dropna()
        if len(values) > 1 and values.is_unique and (values == values.round()).all():
            continue
        out.append(str(c))
    return out


def _disambiguate(
    names: dict[int, str], features: pd.DataFrame, ids: np.ndarray, columns: Sequence[str]
) -> dict[int, str]:
    """Make names unique by adding, to each clashing segment, the trait that sets it apart.

    Within a group of segments sharing a name, each is compared with the *other members of
    the group* (not the whole base): the question a reader asks is "which of the two
    'Loyal' segments is which?". The feature with the largest standardised gap (in base
    standard deviations) supplies the suffix; the segment id is the last resort.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for seg, name in names.items():
        groups[name].append(seg)
    out = dict(names)
    x = features[list(columns)].apply(pd.to_numeric, errors="coerce").astype(float)
    spread = x.std(ddof=0)
    usable = [c for c in columns if np.isfinite(spread[c]) and spread[c] > 0]
    for name, members in groups.items():
        if len(members) < 2:
            continue
        taken: set[str] = set()
        for seg in sorted(members):
            own = x.loc[ids == seg, usable].mean()
            others = x.loc[np.isin(ids, [m for m in members if m != seg]), usable].mean()
            gap = ((own - others) / spread[usable]).dropna()
            # A gap under a tenth of a standard deviation tells no one apart.
            gap = gap[gap.abs() >= 0.1]
            order = gap.abs().sort_values(ascending=False, kind="mergesort").index
            words = (trait_word(str(c), float(gap[c])) for c in order)
            suffix = next((w for w in words if w.casefold() not in taken), None)
            if suffix is not None:
                taken.add(suffix.casefold())
                out[seg] = f"{name}{SEPARATOR}{suffix}"
    return _unique_or_id(out)


def _unique_or_id(names: dict[int, str]) -> dict[int, str]:
    """Last guard: any name still shared gets the segment id appended."""
    counts = pd.Series(list(names.values())).str.casefold().value_counts()
    return {
        seg: f"{name} #{seg}" if counts[name.casefold()] > 1 else name
        for seg, name in names.items()
    }


def rfm_segment_names(
    features: pd.DataFrame,
    segment_ids: np.ndarray,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
    *,
    buyers_only: bool = True,
    describe_with: Sequence[str] | None = None,
) -> dict[int, str]:
    """Name each segment by where its members sit, on average, on the standard RFM grid.

    Each customer is scored with :func:`rfm_scores`; a segment's R is its members' mean R
    score and its FM the mean FM score, both rounded half up; the name is the cell of
    :data:`RFM_GRID` (rows R 5..1, columns FM 1..5) — the R-versus-FM grid popularised by
    Putler's "RFM Analysis For Successful Customer Segmentation" and widely reproduced,
    with Lost as its R 1 / FM 1 corner. Means rather than medians: scores are small
    integers, and a median snaps to one of them, hiding a segment that straddles two cells.

    When several segments land on the same name, each gets the trait that best separates
    it from the others sharing that name ("Loyal · Big baskets" versus
    "Loyal · Small baskets"), taken from the numeric columns ``describe_with``.

    Parameters
    ----------
    features
        One row per customer; not modified.
    segment_ids
        Segment id of each row.
    recency, frequency, monetary
        RFM columns (see :func:`rfm_scores`).
    buyers_only
        Passed to :func:`rfm_scores`.
    describe_with
        Numeric columns that may tell same-named segments apart; by default every numeric
        column except identifiers (whole numbers that are all distinct).

    Returns
    -------
    dict
        ``{segment: name}``, segments ascending, names unique.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [2, 4, 600, 650, 5, 6, 30, 40, 300, 350],
    ...                   "frequency": [40, 35, 1, 1, 1, 1, 20, 15, 10, 12],
    ...                   "monetary": [5000.0, 4000, 15, 10, 20, 25, 900, 1000, 600, 700]})
    >>> rfm_segment_names(f, np.array([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]))
    {1: 'Champions', 2: 'Hibernating', 3: 'Potential loyalist', 4: 'Loyal', 5: 'At risk'}
    """
    ids = np.asarray(segment_ids)
    if ids.ndim != 1 or len(ids) != len(features):
        raise SchemaError(
            f"profile: {ids.size} segment ids for {len(features)} customers; "
            "expected one id per customer row"
        )
    scores = rfm_scores(features, recency, frequency, monetary, buyers_only=buyers_only)
    means = scores[["R", "FM"]].groupby(ids, sort=True).mean()
    names: dict[int, str] = {}
    for seg, r, fm in zip(
        means.index.to_numpy(dtype=int),
        means["R"].to_numpy(float),
        means["FM"].to_numpy(float),
        strict=True,
    ):
        if not (math.isfinite(r) and math.isfinite(fm)):
            names[int(seg)] = f"Segment {seg}"  # no member has RFM values
            continue
        names[int(seg)] = rfm_grid_name(r, fm)
        logger.debug("segment %s: mean R %.2f, FM %.2f → %s", seg, r, fm, names[int(seg)])
    if describe_with is None:
        describe_with = _descriptive_columns(features)
    else:
        missing = [c for c in describe_with if c not in features.columns]
        if missing:
            raise SchemaError(f"profile: column(s) {missing} not found in the customer table")
    return _disambiguate(names, features, ids, describe_with)


def _trait_words(traits: list[Trait], count: int) -> list[str]:
    """The first ``count`` distinct words of ``traits`` (strongest first)."""
    seen: list[str] = []
    for t in traits:
        w = trait_word(t.feature, t.effect)
        if w not in seen:
            seen.append(w)
        if len(seen) == count:
            break
    return seen


def segment_traits(stats: pd.DataFrame, n: int = 3) -> dict[int, str]:
    """Each segment's strongest significant traits in words, e.g. "Recent · High spend".

    Unlike :func:`trait_names` these are not made unique: they describe, they do not name.
    A segment with no significant trait gets ``""``.

    Examples
    --------
    >>> stats = pd.DataFrame({
    ...     "segment": [1, 1, 2], "feature": ["monetary", "recency_days", "monetary"],
    ...     "cohens_d": [2.1, -1.0, -0.1], "significant": [True, True, False]})
    >>> segment_traits(stats)
    {1: 'High spend · Recent', 2: ''}
    """
    ranked = top_distinguishing(stats, n=max(n, 1) + 5)
    return {seg: SEPARATOR.join(_trait_words(t, n)) for seg, t in ranked.items()}


def trait_names(stats: pd.DataFrame, n: int = 3) -> dict[int, str]:
    """Name each segment from its strongest significant traits, for data without RFM columns.

    The traits are :func:`~user_segmentation.profile.stats.top_distinguishing` of
    ``stats``; each becomes words through :data:`TRAIT_WORDS` (e.g. low ``recency_days`` →
    "Recent", high ``monetary`` → "High spend"), or "High <feature>"/"Low <feature>" for
    features without an entry. Repeated words are skipped. A segment with no significant
    trait is called "Typical customers"; any name still shared gets more traits, and the
    segment id as the last resort.

    Parameters
    ----------
    stats
        The table of :func:`~user_segmentation.profile.stats.segment_statistics`.
    n
        Traits per name.

    Returns
    -------
    dict
        ``{segment: name}``, segments ascending, names unique.

    Examples
    --------
    >>> stats = pd.DataFrame({
    ...     "segment": [1, 1, 1, 2, 2, 2],
    ...     "feature": ["monetary", "frequency", "recency_days"] * 2,
    ...     "cohens_d": [2.1, 1.5, -1.0, -2.1, -1.5, 1.0],
    ...     "significant": [True] * 6})
    >>> trait_names(stats, n=2)
    {1: 'High spend · Frequent', 2: 'Low spend · Infrequent'}
    """
    ranked = top_distinguishing(stats, n=max(n, 1) + 5)
    words = _trait_words
    names = {seg: SEPARATOR.join(words(t, n)) or "Typical customers" for seg, t in ranked.items()}
    # Lengthen clashing names by one more trait (only among those that clash).
    counts = pd.Series(list(names.values())).value_counts()
    for seg, name in list(names.items()):
        if counts[name] > 1:
            longer = words(ranked[seg], n + 1)
            if longer and SEPARATOR.join(longer) != name:
                names[seg] = SEPARATOR.join(longer)
    return _unique_or_id(names)


def base_name(name: str) -> str:
    """The grid or trait name without the disambiguating suffix or id.

    Examples
    --------
    >>> base_name("At risk · High spend"), base_name("Loyal #3"), base_name("Champions")
    ('At risk', 'Loyal', 'Champions')
    """
    return re.sub(r"\s+#\d+$", "", name.split(SEPARATOR, 1)[0]).strip()


def apply_user_names(names: Mapping[int, str], overrides: Mapping[int, str]) -> dict[int, str]:
    """Replace generated names with the ones people chose, keeping names unique.

    Parameters
    ----------
    names
        Generated names, ``{segment: name}``; not modified.
    overrides
        ``{segment: name}`` from the user (e.g. the project file).

    Returns
    -------
    dict
        A new mapping with the overrides applied.

    Raises
    ------
    ConfigError
        If an override names a segment that does not exist, is blank, or makes two
        segments share a name (the message names the segments and the name).

    Examples
    --------
    >>> apply_user_names({1: "Champions", 2: "Lost"}, {2: "Dormant"})
    {1: 'Champions', 2: 'Dormant'}
    """
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise ConfigError(
            f"segment names: segment(s) {unknown} do not exist; the segments are {sorted(names)}"
        )
    out = dict(names)
    for seg, name in overrides.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"segment names: segment {seg}: name {name!r} is empty")
        out[seg] = name.strip()
    by_name: dict[str, list[int]] = defaultdict(list)
    for seg, name in out.items():
        by_name[name.casefold()].append(seg)
    clashes = {name: segs for name, segs in by_name.items() if len(segs) > 1}
    if clashes:
        name, segs = next(iter(clashes.items()))
        raise ConfigError(
            f"segment names: segments {sorted(segs)} would all be called {out[segs[0]]!r}; "
            "names must be unique"
        )
    return dict(sorted(out.items()))
