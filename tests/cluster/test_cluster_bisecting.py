"""Bisecting k-means."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from user_segmentation.cluster import fit_bisecting_kmeans
from user_segmentation.errors import DataQualityError, ModelError


def test_hand_checkable_example() -> None:
    # Two tight pairs and a lone point: the first split separates {pairs} from the lone
    # point or one pair from the rest; either way three splits-worth of groups come out.
    X = np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 10.0], [10.0, 12.0], [30.0, 0.0]])
    result = fit_bisecting_kmeans(X, 3)
    assert result.method == "bisecting-kmeans"
    assert result.labels.tolist() == [0, 0, 1, 1, 2]
    np.testing.assert_allclose(result.centroids, [[0.0, 1.0], [10.0, 11.0], [30.0, 0.0]])
    assert result.inertia == pytest.approx(4.0)


def test_recovers_planted_blobs() -> None:
    X, truth = make_blobs(n_samples=2000, centers=5, n_features=4, random_state=7)
    for strategy in ("biggest_inertia", "largest_cluster"):
        result = fit_bisecting_kmeans(X, 5, bisecting_strategy=strategy)
        assert adjusted_rand_score(truth, result.labels) >= 0.95


@pytest.mark.parametrize("seed", [0, 1])
def test_same_segments_and_ids_whatever_the_row_order(seed: int) -> None:
    X, _ = make_blobs(n_samples=800, centers=4, n_features=3, random_state=2, cluster_std=2.5)
    perm = np.random.default_rng(seed).permutation(len(X))
    a = fit_bisecting_kmeans(X, 4, random_state=5)
    b = fit_bisecting_kmeans(X[perm], 4, random_state=5)
    assert np.array_equal(b.labels, a.labels[perm])
    assert np.array_equal(b.centroids, a.centroids)


def test_bad_inputs_and_settings() -> None:
    X = np.arange(10, dtype=float).reshape(5, 2)
    with pytest.raises(ModelError, match="cannot make k=8 segments from 5 customers"):
        fit_bisecting_kmeans(X, 8)
    with pytest.raises(ModelError, match="bisecting_strategy"):
        fit_bisecting_kmeans(X, 2, bisecting_strategy="random")  # type: ignore[arg-type]
    with pytest.raises(DataQualityError, match="only 1 distinct"):
        fit_bisecting_kmeans(np.ones((4, 2)), 2)
