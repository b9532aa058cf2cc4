"""Folding too-small segments into their nearest large neighbour."""

from __future__ import annotations

import numpy as np
import pytest

from user_segmentation.cluster import Clustering, fit_kmeans, merge_small_segments
from user_segmentation.errors import ModelError


def _blobs() -> np.ndarray:
    rng = np.random.default_rng(0)
    big_a = rng.normal([0.0, 0.0], 0.3, size=(60, 2))
    big_b = rng.normal([10.0, 0.0], 0.3, size=(50, 2))
    tiny = rng.normal([8.0, 2.0], 0.1, size=(5, 2))  # nearer to big_b than to big_a
    return np.vstack([big_a, big_b, tiny])


def test_small_segment_members_join_the_nearest_large_segment() -> None:
    X = _blobs()
    fitted = fit_kmeans(X, 3)
    assert sorted(np.bincount(fitted.labels).tolist()) == [5, 50, 60]
    merged = merge_small_segments(X, fitted, min_size=10)
    assert merged.k == 2
    assert np.bincount(merged.labels).tolist() == [60, 55]  # canonical: largest first
    # The tiny blob went to the segment of big_b, and nobody else moved.
    assert len(set(merged.labels[110:])) == 1
    assert merged.labels[110] == merged.labels[60]
    np.testing.assert_allclose(merged.centroids[1], X[60:].mean(axis=0))
    assert merged.confidence is not None and merged.confidence.shape == (115,)
    assert merged.linkage is None


def test_nothing_small_returns_the_same_result() -> None:
    X = _blobs()
    fitted = fit_kmeans(X, 3)
    assert merge_small_segments(X, fitted, min_size=5) is fitted


def test_every_segment_small_is_a_model_error() -> None:
    X = _blobs()
    with pytest.raises(ModelError, match="every segment has fewer than 500 customers"):
        merge_small_segments(X, fit_kmeans(X, 3), min_size=500)


def test_hand_made_clustering_is_renumbered() -> None:
    X = np.array([[0.0], [0.2], [0.4], [10.0], [10.2], [3.0]])
    clustering = Clustering(
        labels=np.array([1, 1, 1, 0, 0, 2]),
        centroids=np.array([[10.1], [0.2], [3.0]]),
        method="kmeans",
        inertia=0.0,
    )
    merged = merge_small_segments(X, clustering, min_size=2)
    assert merged.labels.tolist() == [0, 0, 0, 1, 1, 0]
    assert merged.inertia == pytest.approx(float(((X[[0, 1, 2, 5], 0] - 0.9) ** 2).sum() + 0.02))
