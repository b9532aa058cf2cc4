"""Per-customer confidence of centroid methods: the relative centroid margin."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from user_segmentation.cluster import (
    centroid_confidence,
    fit_bisecting_kmeans,
    fit_kmeans,
    fit_minibatch_kmeans,
    fit_ward,
    relative_margin,
)
from user_segmentation.errors import ModelError


def test_hand_checkable_margins() -> None:
    centroids = np.array([[0.0], [4.0]])
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    labels = np.array([0, 0, 0, 1, 1])
    # Distances to own / other centroid: 0/4, 1/3, 2/2, 1/3, 0/4.
    got = centroid_confidence(X, labels, centroids)
    assert got.tolist() == [1.0, 0.5, 0.0, 0.5, 1.0]


def test_a_row_placed_away_from_its_nearest_centroid_gets_zero() -> None:
    # Row 1.0 is labelled 1 although centroid 0 is nearer (as Ward may do near a boundary).
    got = centroid_confidence([[1.0], [3.5]], [1, 1], [[0.0], [4.0]])
    assert got.tolist() == [0.0, pytest.approx(3 / 4)]


def test_one_segment_and_noise() -> None:
    assert centroid_confidence([[5.0], [7.0]], [0, 0], [[6.0]]).tolist() == [1.0, 1.0]
    assert centroid_confidence([[0.0], [9.0]], [0, -1], [[0.0], [4.0]]).tolist() == [1.0, 0.0]


def test_relative_margin_edge_cases() -> None:
    got = relative_margin(np.array([0.0, 2.0, 1.0]), np.array([0.0, np.inf, 3.0]))
    assert got.tolist() == [0.0, 1.0, 0.5]


def test_labels_must_match() -> None:
    with pytest.raises(ModelError, match="shape"):
        centroid_confidence([[0.0], [1.0]], [0], [[0.0]])
    with pytest.raises(ModelError, match=r"-1\.\.1"):
        centroid_confidence([[0.0], [1.0]], [0, 2], [[0.0], [1.0]])


@pytest.mark.parametrize("fit", [fit_kmeans, fit_minibatch_kmeans, fit_bisecting_kmeans, fit_ward])
def test_every_centroid_fit_fills_confidence(fit) -> None:  # type: ignore[no-untyped-def]
    X, _ = make_blobs(n_samples=300, centers=3, n_features=2, random_state=3, cluster_std=1.5)
    result = fit(X, 3)
    assert result.confidence is not None
    assert result.confidence.shape == (300,)
    assert ((result.confidence >= 0) & (result.confidence <= 1)).all()
    np.testing.assert_allclose(
        result.confidence, centroid_confidence(X, result.labels, result.centroids)
    )
    # Rows nearest a centroid are more confident than rows far between two.
    assert result.confidence.max() > 0.9
    assert result.membership is None


def test_confidence_can_be_skipped_by_repeated_fits() -> None:
    from user_segmentation.cluster.kmeans import kmeans_on_sorted
    from user_segmentation.cluster.sorted_rows import prepare

    rows = prepare(np.array([[0.0], [0.5], [9.0]]), 2)
    with_it = kmeans_on_sorted(rows, 2, random_state=0, n_init=1)
    without = kmeans_on_sorted(rows, 2, random_state=0, n_init=1, with_confidence=False)
    assert without.confidence is None and with_it.confidence is not None
    assert np.array_equal(with_it.labels, without.labels)
