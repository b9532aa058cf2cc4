"""A small hand-made run: 30 customers in 3 segments, k scores for k = 2..6.

Numbers are chosen so that every expectation in the report tests can be checked on paper:

- segment 0 "Loyal big spenders" 12 customers (40.0 %), segment 1 "<b>Bargain</b> & hunters"
  10 (33.3 %), segment 2 "Dormant" 8 (26.7 %);
- recommended k = 3 (silhouette peak), elbow k = 4;
- profile lifts (segment mean / overall mean), overall means 60, 5, 300, 24:

  ========  ============  =========  ========  ============
  segment   recency_days  frequency  monetary  <i>tenure</i>
  ========  ============  =========  ========  ============
  0         20 (0.333)    10 (2.0)   600 (2.0) 30 (1.25)
  1         50 (0.833)    4 (0.8)    150 (0.5) 12 (0.5)
  2         130 (2.167)   0.5 (0.1)  90 (0.3)  30 (1.25)
  ========  ============  =========  ========  ============

- standardised differences (segment mean − overall mean) / overall standard deviation, overall
  standard deviations 50, 2.5, 150, 6:

  ========  ============  =========  ========  ============
  segment   recency_days  frequency  monetary  <i>tenure</i>
  ========  ============  =========  ========  ============
  0         −0.8          +2.0       +2.0      +1.0
  1         −0.2          −0.4       −1.0      −2.0
  2         +1.4          −1.8       −1.4      +1.0
  ========  ============  =========  ========  ============

  so the defining traits (largest |std_diff|, ties in feature order) are: segment 0
  frequency, monetary, tenure; segment 1 tenure, monetary, frequency; segment 2 frequency,
  recency_days, monetary — a different order from lift's, so the tests can tell them apart;
- one customer id is ``<script>alert('x')</script>`` (segment 2) to check escaping.
"""

from __future__ import annotations

import pandas as pd
import pytest

from user_segmentation.records import (
    ASSIGNMENT_COLUMNS,
    K_SCORE_COLUMNS,
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    RunRecord,
)

EVIL_ID = "<script>alert('x')</script>"
SEGMENT_NAMES = {0: "Loyal big spenders", 1: "<b>Bargain</b> & hunters", 2: "Dormant"}
SEGMENT_SIZES = {0: 12, 1: 10, 2: 8}
FEATURES = ["recency_days", "frequency", "monetary", "<i>tenure</i>"]
OVERALL_MEANS = [60.0, 5.0, 300.0, 24.0]
OVERALL_STDS = [50.0, 2.5, 150.0, 6.0]
SEGMENT_MEANS = {
    0: [20.0, 10.0, 600.0, 30.0],
    1: [50.0, 4.0, 150.0, 12.0],
    2: [130.0, 0.5, 90.0, 30.0],
}
CENTRES = {0: (-2.0, 0.0), 1: (0.0, 2.0), 2: (2.0, -1.0)}
K_SCORES = {
    "k": [2, 3, 4, 5, 6],
    "inertia": [120.0, 70.0, 40.0, 36.0, 33.0],
    "silhouette": [0.45, 0.62, 0.51, 0.44, 0.40],
    "davies_bouldin": [0.90, 0.55, 0.70, 0.80, 0.85],
    "calinski_harabasz": [40.0, 95.0, 80.0, 70.0, 60.0],
}


def _assignments() -> pd.DataFrame:
    rows = []
    number = 1
    for seg_id, size in SEGMENT_SIZES.items():
        cx, cy = CENTRES[seg_id]
        for j in range(size):
            customer = f"C{number:03d}"
            if seg_id == 2 and j == size - 1:
                customer = EVIL_ID
            offset = (j - size / 2) / 20
            rows.append(
                {
                    "customer_id": customer,
                    "segment_id": seg_id,
                    "secondary_segment_id": seg_id,
                    "distance": abs(offset),
                    "margin": 1.0 - abs(offset),
                    "confidence": 0.5 - abs(offset) / 2,
                    "pc1": cx + offset,
                    "pc2": cy - offset,
                    "pc3": 0.0,
                }
            )
            number += 1
    return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)


def _profiles() -> pd.DataFrame:
    rows = []
    for seg_id, means in SEGMENT_MEANS.items():
        for feature, mean, overall, std in zip(
            FEATURES, means, OVERALL_MEANS, OVERALL_STDS, strict=True
        ):
            rows.append(
                {
                    "segment_id": seg_id,
                    "feature": feature,
                    "mean": mean,
                    "median": mean,
                    "overall_mean": overall,
                    "lift": mean / overall,
                    "std_diff": (mean - overall) / std,
                }
            )
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


def make_record() -> RunRecord:
    """A fresh copy of the hand-made run."""
    total = sum(SEGMENT_SIZES.values())
    segments = pd.DataFrame(
        {
            "segment_id": list(SEGMENT_NAMES),
            "name": list(SEGMENT_NAMES.values()),
            "size": list(SEGMENT_SIZES.values()),
            "share": [s / total for s in SEGMENT_SIZES.values()],
            "stability": [0.95 - 0.05 * i for i in range(len(SEGMENT_SIZES))],
            "rule": [f"recency_days ≤ {10 * (i + 1)}" for i in range(len(SEGMENT_SIZES))],
            "rule_precision": [0.9] * len(SEGMENT_SIZES),
            "rule_recall": [0.8] * len(SEGMENT_SIZES),
            "action": ["Win-back offer <now>"] * len(SEGMENT_SIZES),
        },
        columns=SEGMENT_COLUMNS,
    )
    return RunRecord(
        meta={
            "created_at": "2024-05-01T10:00:00Z",
            "config_hash": "abc123",
            "input_fingerprint": "f00d",
            "package_version": "0.1.0",
            "seed": 42,
            "engine": "local",
            "n_customers": total,
            "k": 3,
            "primary_method": "kmeans",
            "secondary_method": "ward",
            "agreement_ari": 0.9123,
            "silhouette_method": "sampled",
            "silhouette_sample_size": 25,
            "hierarchical_method": "two-step",
            "n_components": 2,
            "explained_variance": [0.55, 0.25],
            "project": "Acme <Retail>",
        },
        quality={
            "sources": {
                "transactions": {
                    "rows_read": 1200,
                    "rows_dropped": {"missing_customer_id": 35, "negative_price": 3},
                    "coverage": 1.0,
                },
                "attributes": {
                    "rows_read": 31,
                    "rows_dropped": {"duplicate_id": 1},
                    "coverage": 0.9667,
                },
            },
            "warnings": ["column 'age <years>' had 2 missing values, filled with the median"],
        },
        selection={
            "recommended_k": 3,
            "elbow_k": 4,
            "rationale": "Silhouette peaks at k = 3 & Davies-Bouldin is lowest there.",
            "candidates": [2, 3, 4, 5, 6],
        },
        model={"feature_names": FEATURES},
        timings={"read": 1.25, "features": 0.5, "cluster": 2.0},
        k_scores=pd.DataFrame(K_SCORES).reindex(columns=K_SCORE_COLUMNS),
        assignments=_assignments(),
        segments=segments,
        profiles=_profiles(),
        run_id=7,
    )


@pytest.fixture
def record() -> RunRecord:
    """The hand-made run of this module's docstring."""
    return make_record()


@pytest.fixture
def large_record() -> RunRecord:
    """The hand-made run with its assignments blown up to 20,000 customers (for size checks)."""
    base = make_record()
    n = 20_000
    sizes = {0: 8_000, 1: 7_000, 2: 5_000}
    seg = [s for s, size in sizes.items() for _ in range(size)]
    offsets = [((i * 7919) % 1000) / 500 - 1 for i in range(n)]
    base.assignments = pd.DataFrame(
        {
            "customer_id": [f"CUST-{i:06d}" for i in range(n)],
            "segment_id": seg,
            "secondary_segment_id": seg,
            "distance": [abs(o) for o in offsets],
            "margin": [1 - abs(o) for o in offsets],
            "confidence": [(1 - abs(o)) / 2 for o in offsets],
            "pc1": [CENTRES[s][0] + o for s, o in zip(seg, offsets, strict=True)],
            "pc2": [CENTRES[s][1] - o / 2 for s, o in zip(seg, offsets, strict=True)],
            "pc3": [0.0] * n,
        },
        columns=ASSIGNMENT_COLUMNS,
    )
    base.segments = base.segments.assign(
        size=list(sizes.values()), share=[s / n for s in sizes.values()]
    )
    base.meta["n_customers"] = n
    return base


#: A categorical level that is markup, to check escaping in cards, tables and figures.
EVIL_LEVEL = "<img src=x onerror=alert(1)>"
PLANS = {0: ["gold"] * 9 + ["basic"] * 3, 1: ["basic"] * 8 + [EVIL_LEVEL] * 2}
PLANS[2] = ["basic"] * 6 + [EVIL_LEVEL] * 2
REVENUE_SHARES = {0: 0.7, 1: 0.2, 2: 0.1}


def _customers(assignments: pd.DataFrame) -> pd.DataFrame:
    """Values whose segment means are :data:`SEGMENT_MEANS` (symmetric offsets around them)."""
    rows = []
    position = dict.fromkeys(SEGMENT_SIZES, 0)
    for customer, seg_id in zip(assignments["customer_id"], assignments["segment_id"], strict=True):
        j = position[seg_id]
        position[seg_id] += 1
        offset = j - (SEGMENT_SIZES[seg_id] - 1) / 2  # sums to 0 within the segment
        row: dict[str, object] = {"customer_id": customer}
        for feature, mean, std in zip(FEATURES, SEGMENT_MEANS[seg_id], OVERALL_STDS, strict=True):
            row[feature] = mean + offset * std / 10
        row["plan"] = PLANS[seg_id][j]
        rows.append(row)
    return pd.DataFrame(rows)


def make_full_record() -> RunRecord:
    """The hand-made run with everything a current pipeline stores.

    Customers (means as in the module docstring, plus a categorical ``plan``), segment-vs-rest
    statistics computed from them, and the newer segment columns: traits, revenue shares
    0.7 / 0.2 / 0.1 (value indices 1.75 / 0.6 / 0.375) and segment 2 marked small.
    """
    from user_segmentation.profile.stats import segment_statistics
    from user_segmentation.records import STATISTICS_COLUMNS

    record = make_record()
    record.customers = _customers(record.assignments)
    stats = segment_statistics(
        record.customers,
        record.assignments["segment_id"].to_numpy(),
        numeric=FEATURES,
        categorical=["plan"],
    )
    record.statistics = stats.rename(columns={"segment": "segment_id"}).assign(
        significant=lambda t: t["significant"].astype(int)
    )[STATISTICS_COLUMNS]
    shares = record.segments["share"].to_numpy()
    revenue = list(REVENUE_SHARES.values())
    record.segments = record.segments.assign(
        traits=["High frequency · <Recent>", "Low tenure", ""],
        revenue=[r * 10_000 for r in revenue],
        revenue_share=revenue,
        value_index=[r / s for r, s in zip(revenue, shares, strict=True)],
        small=[0, 0, 1],
    )
    return record


@pytest.fixture
def full_record() -> RunRecord:
    """The hand-made run with customers, statistics and the newer segment columns."""
    return make_full_record()
