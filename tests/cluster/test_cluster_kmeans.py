"""k-means: correctness on hand-checkable data, planted blobs, and row-order invariance."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from user_segmentation.cluster import Clustering, fit_kmeans


def test_hand_checkable_example() -> None:
    X = np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 10.0], [10.0, 12.0], [12.0, 11.0]])
    result = fit_kmeans(X, 2)
    assert isinstance(result, Clustering)
    assert result.method == "kmeans"
    assert result.labels.tolist() == [1, 1, 0, 0, 0]
    assert result.labels.dtype == np.int64
    np.testing.assert_allclose(result.centroids, [[32 / 3, 11.0], [0.0, 1.0]])
    # Segment 0 around (32/3, 11): (4/9 + 1) + (4/9 + 1) + 16/9 = 42/9; segment 1 around
    # (0, 1): 1 + 1 = 2.
    assert result.inertia == pytest.approx(42 / 9 + 2)
    assert result.k == 2


def test_recovers_planted_blobs() -> None:
    X, truth = make_blobs(n_samples=600, centers=5, n_features=4, random_state=7)
    result = fit_kmeans(X, 5)
    assert adjusted_rand_score(truth, result.labels) == pytest.approx(1.0)
    sizes = np.bincount(result.labels)
    assert list(sizes) == sorted(sizes, reverse=True)


def test_inertia_and_centroids_are_those_of_the_labels() -> None:
    X, _ = make_blobs(n_samples=300, centers=3, n_features=2, random_state=1, cluster_std=3.0)
    result = fit_kmeans(X, 3)
    for seg in range(3):
        np.testing.assert_allclose(result.centroids[seg], X[result.labels == seg].mean(axis=0))
    expected = float(((X - result.centroids[result.labels]) ** 2).sum())
    assert result.inertia == pytest.approx(expected, rel=1e-12)
    # It is the same local optimum scikit-learn reaches on the same data.
    sk = KMeans(n_clusters=3, n_init=10, random_state=0).fit(X)
    assert result.inertia == pytest.approx(sk.inertia_, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_segments_and_ids_whatever_the_row_order(seed: int) -> None:
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, random_state=2, cluster_std=2.5)
    X = np.vstack([X, X[:20]])  # duplicates too
    perm = np.random.default_rng(seed).permutation(len(X))
    a = fit_kmeans(X, 4, random_state=5)
    b = fit_kmeans(X[perm], 4, random_state=5)
    assert np.array_equal(b.labels, a.labels[perm])
    assert np.array_equal(b.centroids, a.centroids)
    assert b.inertia == a.inertia


def test_does_not_modify_input() -> None:
    X, _ = make_blobs(n_samples=100, centers=2, random_state=0)
    before = X.copy()
    fit_kmeans(X, 2)
    assert np.array_equal(X, before)


def test_accepts_a_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"pc1": [0.0, 0.1, 5.0, 5.1], "pc2": [0.0, 0.0, 1.0, 1.0]})
    # Equal sizes: the segment with the smaller first centroid coordinate comes first.
    assert fit_kmeans(frame, 2).labels.tolist() == [0, 0, 1, 1]


def test_row_order_invariance_holds_without_structure() -> None:
    # Uniform data and one initialisation: k-means++ on the raw row order lands in different
    # local optima for different orders, so this checks the canonical row order, not luck.
    X = np.random.default_rng(0).uniform(size=(300, 2))
    perm = np.random.default_rng(1).permutation(300)
    a = fit_kmeans(X, 6, n_init=1)
    b = fit_kmeans(X[perm], 6, n_init=1)
    assert np.array_equal(b.labels, a.labels[perm])
