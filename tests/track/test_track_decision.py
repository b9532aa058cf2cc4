"""Keep or refit: decisions on seeded data and on hand-made reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from user_segmentation.cluster import nearest_two
from user_segmentation.errors import ModelError
from user_segmentation.track import (
    DriftReport,
    DriftThresholds,
    decide,
    drift_report,
    share_shift,
)

CENTROIDS = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])


def _blobs(rng: np.random.Generator, n: int, centres: np.ndarray) -> np.ndarray:
    which = rng.integers(0, len(centres), size=n)
    return centres[which] + rng.normal(size=(n, centres.shape[1]))


def _scored(X: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and nearest-centroid assignments of ``X`` under the fitted centroids."""
    label, distance, margin = nearest_two(X, CENTROIDS)
    features = pd.DataFrame(X, columns=["recency", "monetary"])
    assignments = pd.DataFrame({"segment_id": label + 1, "distance": distance, "margin": margin})
    return features, assignments


def _report(new: np.ndarray, reference: np.ndarray) -> DriftReport:
    ref_features, ref_assignments = _scored(reference)
    new_features, new_assignments = _scored(new)
    return drift_report(
        ref_features,
        new_features,
        numeric=["recency", "monetary"],
        reference_assignments=ref_assignments,
        new_assignments=new_assignments,
    )


def test_keep_when_data_grows_with_the_same_distribution() -> None:
    rng = np.random.default_rng(11)
    reference = _blobs(rng, 900, CENTROIDS)
    grown = np.r_[reference, _blobs(rng, 1800, CENTROIDS)]  # three times as many customers
    decision = decide(_report(grown, reference))
    assert decision.action == "keep"
    assert decision.notes == []
    assert any(r.startswith("largest PSI") for r in decision.reasons)


def test_refit_when_a_new_cluster_appears_far_from_every_centroid() -> None:
    rng = np.random.default_rng(11)
    reference = _blobs(rng, 900, CENTROIDS)
    newcomers = np.array([[14.0, 14.0]]) + rng.normal(size=(300, 2))
    new = np.r_[_blobs(rng, 1200, CENTROIDS), newcomers]
    report = _report(new, reference)
    decision = decide(report)
    assert decision.action == "refit"
    # 300 of 1,500 new customers (20%) are far, plus about 1% of the others.
    assert report.far_share is not None and 0.19 <= report.far_share <= 0.23
    assert decision.reasons[0].startswith(f"{report.far_share:.1%} of new customers lie farther")
    assert decision.reasons[0].endswith(f"far share {report.far_share:.3g} ≥ 0.05")


def _psi_table(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "feature": list(values),
            "kind": "numeric",
            "psi": list(values.values()),
            "n_bins": 10,
        }
    )


def test_reasons_name_the_feature_and_the_value() -> None:
    report = DriftReport(psi=_psi_table({"recency": 0.12, "monetary": 0.31, "frequency": 0.02}))
    decision = decide(report)
    assert decision.action == "refit"
    assert decision.reasons == ["PSI of monetary 0.31 ≥ 0.25"]
    assert decision.notes == [
        "PSI of recency 0.12 ≥ 0.1 (moderate shift, below the 0.25 refit level)"
    ]


def test_a_moderate_shift_alone_keeps_the_model_with_a_note() -> None:
    decision = decide(DriftReport(psi=_psi_table({"recency": 0.12})))
    assert decision.action == "keep"
    assert decision.reasons == ["largest PSI 0.12 (on recency) < 0.25"]
    assert len(decision.notes) == 1


def test_a_threshold_reached_exactly_calls_for_a_refit() -> None:
    assert decide(DriftReport(psi=_psi_table({"recency": 0.25}))).action == "refit"
    assert decide(DriftReport(far_share=0.05)).action == "refit"
    assert decide(DriftReport(far_share=0.0499)).action == "keep"


def test_share_shift_names_the_segment_that_moved_most() -> None:
    shares = share_shift({1: 0.5, 2: 0.3, 3: 0.2}, {1: 0.35, 2: 0.45, 3: 0.2})
    decision = decide(DriftReport(shares=shares))
    assert decision.action == "refit"
    assert decision.reasons == [
        "segment shares moved by a total variation of 0.15 (largest: segment 1 from 50.0% to "
        "35.0%) ≥ 0.1"
    ]


def test_margin_decay_calls_for_a_refit() -> None:
    decision = decide(DriftReport(margin_decay=0.4))
    assert decision.action == "refit"
    assert decision.reasons == [
        "median margin to the next segment fell by 40.0%: margin decay 0.4 ≥ 0.25"
    ]
    assert decide(DriftReport(margin_decay=-0.2)).action == "keep"


def test_thresholds_can_be_tightened() -> None:
    report = DriftReport(psi=_psi_table({"recency": 0.12}))
    strict = DriftThresholds(psi_moderate=0.05, psi_major=0.1)
    assert decide(report, strict).reasons == ["PSI of recency 0.12 ≥ 0.1"]


def test_an_empty_report_and_bad_thresholds_are_refused() -> None:
    with pytest.raises(ModelError, match="no measure"):
        decide(DriftReport())
    with pytest.raises(ModelError, match="psi_moderate"):
        DriftThresholds(psi_moderate=0.3, psi_major=0.25)
    with pytest.raises(ModelError, match="far_share"):
        DriftThresholds(far_share=0.0)
