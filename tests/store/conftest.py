"""A small hand-made run for the store tests: 4 customers in 2 segments, k scores for k = 2, 3.

Rows are deliberately not in key order (customers c10, c2, c7, c1; segment 1 before 0) so the
tests see that a loaded frame keeps the order it was saved in. Missing values (NaN) sit in
``k_scores.silhouette``, ``assignments.pc3``, ``profiles.median`` and ``profiles.std_diff``
(of a constant feature).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.records import K_SCORE_COLUMNS, RunRecord

NAN = math.nan


def make_record(project: str = "demo", n_extra: int = 0) -> RunRecord:
    """Build the hand-made run; ``n_extra`` adds customers c100, c101, ... to segment 0."""
    extra_ids = [f"c{100 + i}" for i in range(n_extra)]
    customer_ids = ["c10", "c2", "c7", "c1", *extra_ids]
    segment_ids = [1, 0, 1, 0, *([0] * n_extra)]
    n = len(customer_ids)
    size0 = segment_ids.count(0)
    assignments = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "segment_id": segment_ids,
            "secondary_segment_id": [1, 0, 0, 0, *([0] * n_extra)],
            "distance": [0.5, 0.25, 1.0, 0.125, *([0.5] * n_extra)],
            "margin": [1.5, 2.0, 0.0, 3.25, *([1.0] * n_extra)],
            "confidence": [0.6, 0.8, 0.0, 0.9, *([0.5] * n_extra)],
            "pc1": [1.0, -1.0, 2.0, -2.0, *([-1.5] * n_extra)],
            "pc2": [0.1, 0.2, -0.3, -0.4, *([0.0] * n_extra)],
            "pc3": [NAN, 0.5, NAN, -0.5, *([0.0] * n_extra)],
        }
    )
    segments = pd.DataFrame(
        {
            "segment_id": [1, 0],
            "name": ["Bargain hunters", "Loyal big spenders"],
            "size": [n - size0, size0],
            "share": [(n - size0) / n, size0 / n],
            "stability": [0.91, NAN],
            "rule": ["monetary ≤ 200", ""],
            "rule_precision": [0.95, NAN],
            "rule_recall": [0.9, NAN],
            "action": ["Cross-sell", ""],
            "traits": ["Low monetary", ""],
            "revenue": [300.0, NAN],
            "revenue_share": [0.25, NAN],
            "value_index": [0.5, NAN],
            "small": [1, 0],
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "monetary": [150.0, 600.0, NAN, 600.0, *([600.0] * n_extra)],
            "country": ["UK", None, "UK", "FR", *(["UK"] * n_extra)],
        }
    )
    statistics = pd.DataFrame(
        {
            "segment_id": [1, 0],
            "variable": ["monetary", "country"],
            "level": [None, "UK"],
            "feature": ["monetary", "country=UK"],
            "kind": ["numeric", "categorical"],
            "n_segment": [1, 2],
            "n_rest": [2, 2],
            "mean": [150.0, 0.5],
            "median": [150.0, NAN],
            "q1": [150.0, NAN],
            "q3": [150.0, NAN],
            "rest_mean": [600.0, 1.0],
            "overall_mean": [450.0, 0.75],
            "lift": [0.25, 0.5],
            "std_diff": [-1.5, -1.0],
            "cohens_d": [-1.5, -1.0],
            "test": ["mann-whitney", "fisher"],
            "p_value": [0.3, 1.0],
            "p_adjusted": [0.6, 1.0],
            "omnibus_test": ["kruskal", "chi2"],
            "omnibus_statistic": [2.0, 0.5],
            "omnibus_p_value": [0.15, 0.48],
            "omnibus_p_adjusted": [0.3, 0.48],
            "omnibus_effect": [0.5, 0.2],
            "significant": [0, 0],
        }
    )
    # Overall standard deviations 15 (recency_days) and 225 (monetary); everyone is in the UK,
    # so that level is constant and has no standardised difference.
    profiles = pd.DataFrame(
        {
            "segment_id": [0, 0, 1, 1, 0, 1],
            "feature": [
                "recency_days",
                "monetary",
                "recency_days",
                "monetary",
                "country=UK",
                "country=UK",
            ],
            "mean": [20.0, 600.0, 50.0, 150.0, 1.0, 1.0],
            "median": [18.0, NAN, 45.0, 140.0, 1.0, 1.0],
            "overall_mean": [35.0, 375.0, 35.0, 375.0, 1.0, 1.0],
            "lift": [20 / 35, 600 / 375, 50 / 35, 150 / 375, 1.0, 1.0],
            "std_diff": [-1.0, 1.0, 1.0, -1.0, NAN, NAN],
        }
    )
    k_scores = pd.DataFrame(
        {
            "k": [2, 3],
            "inertia": [12.5, 8.0],
            "silhouette": [0.61, NAN],
            "davies_bouldin": [0.7, 0.9],
            "calinski_harabasz": [40.0, 31.5],
        }
    ).reindex(columns=K_SCORE_COLUMNS)
    meta = {
        "created_at": "2025-01-31T12:00:00+00:00",
        "config_hash": "abc123",
        "input_fingerprint": "f00d",
        "package_version": "0.1.0",
        "seed": 42,
        "engine": "local",
        "n_customers": n,
        "k": 2,
        "primary_method": "kmeans",
        "secondary_method": "ward",
        "agreement_ari": 1.0,
        "silhouette_method": "exact",
        "silhouette_sample_size": None,
        "hierarchical_method": "exact",
        "n_components": 3,
        "explained_variance": [0.5, 0.3, 0.2],
        "project": project,
    }
    return RunRecord(
        meta=meta,
        quality={"n_rows": 5, "excluded": {"missing_customer_id": 1}, "warnings": ["one"]},
        selection={"recommended_k": 2, "elbow_k": 2, "rationale": "silhouette peaks at k=2"},
        model={
            "feature_names": ["recency_days", "monetary"],
            "scaler": {"mean": [35.0, 375.0], "scale": [15.0, 225.0]},
            "pca": {"components": [[0.6, 0.8], [-0.8, 0.6]], "mean": [0.0, 0.0]},
            "centroids": [[-1.0, 1.2], [1.0, -1.2]],
        },
        timings={"read": 0.12, "features": 0.5, "cluster": 1.25},
        k_scores=k_scores,
        assignments=assignments,
        segments=segments,
        profiles=profiles,
        statistics=statistics,
        customers=customers,
    )


@pytest.fixture
def record() -> RunRecord:
    return make_record()


@pytest.fixture
def new_record() -> Callable[..., RunRecord]:
    """The builder itself, for tests that need several runs."""
    return make_record


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "runs.db"


@pytest.fixture
def count_rows() -> Callable[[Path, str], int]:
    """Count the rows of a table with a plain sqlite3 connection, outside the code under test."""

    def count(path: Path, table: str) -> int:
        with closing(sqlite3.connect(path)) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    return count
