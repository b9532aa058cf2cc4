"""The in-memory shape of one segmentation run, as written to and read from the store.

The pipeline builds a :class:`RunRecord`; the store saves it in one transaction and loads it
back unchanged; the report and later front ends read nothing but this record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Columns of each table of a run, in order. The store and the report rely on these names.
K_SCORE_COLUMNS = [
    "k",
    "inertia",
    "silhouette",
    "silhouette_low",  # float, sampled silhouette's 95% interval (= the value when exact)
    "silhouette_high",
    "davies_bouldin",
    "calinski_harabasz",
    "gap",  # float, gap statistic (NaN when not computed)
    "gap_se",  # float, its standard error s_k
    "bic",  # float, Gaussian-mixture BIC (NaN when not computed)
    "stability_jaccard",  # float, bootstrap mean Jaccard over segments (NaN when not computed)
    "stability_ari",  # float, mean ARI between resampled fits and the fit on all rows
]
ASSIGNMENT_COLUMNS = [
    "customer_id",  # str, canonical customer key
    "segment_id",  # int, canonical id from the primary method
    "secondary_segment_id",  # int, id from the secondary method (for agreement), same id space
    "distance",  # float, distance to own segment centroid in model space
    "margin",  # float, second-nearest minus nearest centroid distance (>= 0)
    "confidence",  # float in [0, 1]: (d2 - d1) / (d2 + d1) for centroid methods
    "pc1",
    "pc2",
    "pc3",  # float, first principal components (NaN when fewer components exist)
]
SEGMENT_COLUMNS = [
    "segment_id",
    "name",
    "size",
    "share",
    "stability",  # float, bootstrap mean Jaccard of the segment (NaN when not computed)
    "rule",  # str, a short rule that picks the segment out ("" when not described)
    "rule_precision",  # float, share of customers matching the rule who are in the segment
    "rule_recall",  # float, share of the segment matching the rule
    "action",  # str, suggested marketing action from the playbook
    "traits",  # str, top distinguishing traits, e.g. "High monetary · Recent" ("" when none)
    "revenue",  # float, the segment's net revenue (NaN when the run has no monetary measure)
    "revenue_share",  # float, share of the base's net revenue (NaN as above)
    "value_index",  # float, revenue share / customer share (above 1: worth more than its size)
    "small",  # int, 1 when the segment has fewer customers than the minimum size: its
    # members are never exported (aggregates still shown)
]
PROFILE_COLUMNS = [
    "segment_id",  # int, canonical segment id
    "feature",  # str, numeric feature name, or "column=level" for a categorical level
    "mean",  # float, segment mean (for a level: share of the segment at that level)
    "median",  # float, segment median
    "overall_mean",  # float, mean over all customers
    "lift",  # float, segment mean / overall mean; NaN when the overall mean is 0
    "std_diff",  # float, (segment mean − overall mean) / overall standard deviation
    # (population std, ddof=0); NaN when the feature is constant
]
#: The migration ledger of a run: customers whose segment differs from the run it updated
#: (``meta["base_run_id"]``); empty for a run made from scratch.
MOVE_COLUMNS = [
    "customer_id",
    "from_segment",  # int, segment in the base run; missing for a customer new in this run
    "to_segment",  # int, segment in this run; missing for a customer gone since the base run
]
#: Segment-vs-rest statistics, one row per (segment, variable) or (segment, variable=level);
#: the columns of :func:`user_segmentation.profile.stats.segment_statistics` with ``segment``
#: renamed ``segment_id`` and ``significant`` stored as 0/1.
STATISTICS_COLUMNS = [
    "segment_id",
    "variable",  # str, source column
    "level",  # str for a categorical level, missing for a numeric variable
    "feature",  # str, "variable" or "variable=level"
    "kind",  # "numeric" or "categorical"
    "n_segment",  # int, segment customers with a value
    "n_rest",  # int, other customers with a value
    "mean",  # float, segment mean (level: share of the segment at the level)
    "median",  # float, NaN for a level
    "q1",  # float, NaN for a level
    "q3",  # float, NaN for a level
    "rest_mean",  # float, mean over the other customers (level: their share)
    "overall_mean",  # float
    "lift",  # float, mean / rest_mean
    "std_diff",  # float, standardised difference against the rest
    "cohens_d",  # float
    "test",  # "mann-whitney" or "fisher"
    "p_value",  # float
    "p_adjusted",  # float, corrected over all rows
    "omnibus_test",  # "kruskal" or "chi2"
    "omnibus_statistic",  # float
    "omnibus_p_value",  # float
    "omnibus_p_adjusted",  # float, corrected over the variables
    "omnibus_effect",  # float, eta²_H or Cramér's V
    "significant",  # int, 1 when both adjusted p-values are below the level
]


@dataclass
class RunRecord:
    """Everything one run produced.

    Attributes
    ----------
    meta
        Flat facts about the run: ``created_at`` (ISO 8601 UTC), ``config_hash``,
        ``input_fingerprint``, ``package_version``, ``seed``, ``engine``, ``n_customers``,
        ``k``, ``primary_method``, ``secondary_method``, ``agreement_ari``,
        ``silhouette_method`` (``"exact"``/``"sampled"``), ``silhouette_sample_size``,
        ``hierarchical_method`` (``"exact"``/``"two-step"``), ``n_components``,
        ``explained_variance``, ``project`` (the project name). JSON-serialisable values only.
    quality
        The data-quality report of integration (JSON-serialisable dict).
    selection
        k-selection verdict: ``recommended_k``, ``elbow_k``, ``rationale`` and any other
        JSON-serialisable evidence.
    model
        Model state as data (never pickle): preprocessing parameters, PCA components and
        mean, centroids, feature names. JSON-serialisable (lists, not arrays).
    timings
        Seconds per stage, e.g. ``{"read": 1.2, "features": 0.8}``.
    k_scores
        One row per k with :data:`K_SCORE_COLUMNS`.
    assignments
        One row per customer with :data:`ASSIGNMENT_COLUMNS`.
    segments
        One row per segment with :data:`SEGMENT_COLUMNS`.
    profiles
        Long table, one row per (segment, feature), with :data:`PROFILE_COLUMNS`.
    statistics
        Long table with :data:`STATISTICS_COLUMNS` (empty when not computed).
    moves
        The migration ledger with :data:`MOVE_COLUMNS` (empty when the run updated nothing).
    customers
        One row per customer, in the order of ``assignments``: ``customer_id`` then every
        profiled feature on its original scale (numeric as float, categorical as text, missing
        as NaN / None). Empty when not loaded (see ``RunStore.load_run``).
    run_id
        Set by the store when the run is saved or loaded; ``None`` before.
    """

    meta: dict[str, Any]
    quality: dict[str, Any]
    selection: dict[str, Any]
    model: dict[str, Any]
    timings: dict[str, float]
    k_scores: pd.DataFrame
    assignments: pd.DataFrame
    segments: pd.DataFrame
    profiles: pd.DataFrame
    statistics: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=STATISTICS_COLUMNS)
    )
    moves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MOVE_COLUMNS))
    customers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["customer_id"]))
    run_id: int | None = field(default=None)
