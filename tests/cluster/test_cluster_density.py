"""HDBSCAN: noise stays noise, ids are canonical over the members."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import HDBSCAN
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from user_segmentation.cluster import NOISE, fit_hdbscan
from user_segmentation.errors import DataQualityError, ModelError


def _blobs_with_outliers(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three tight blobs plus 30 customers far from all of them (truth label -1)."""
    X, truth = make_blobs(
        n_samples=n, centers=[[0, 0], [10, 0], [0, 10]], cluster_std=0.8, random_state=seed
    )
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, 30)
    outliers = np.c_[25 + 8 * np.cos(angle), 25 + 8 * np.sin(angle)] * rng.uniform(1, 2, (30, 1))
    return np.vstack([X, outliers]), np.r_[truth, np.full(30, -1)]


def test_hand_checkable_example() -> None:
    X = np.array([[0.0], [0.1], [0.2], [0.3], [5.0], [5.1], [5.2], [20.0]])
    result = fit_hdbscan(X, min_cluster_size=3, min_samples=2)
    assert result.method == "hdbscan"
    assert result.labels.tolist() == [0, 0, 0, 0, 1, 1, 1, -1]
    assert result.k == 2 and result.n_noise == 1
    # Centroids and inertia over members only: the noise point at 20 is not in them.
    np.testing.assert_allclose(result.centroids, [[0.15], [5.1]])
    assert result.inertia == pytest.approx(0.05 + 0.02)
    assert result.confidence is not None and result.confidence[-1] == 0.0
    assert result.members.tolist() == [True] * 7 + [False]


def test_noise_stays_noise_and_is_not_forced_into_segments() -> None:
    X, truth = _blobs_with_outliers()
    result = fit_hdbscan(X, min_cluster_size=50)
    assert result.k == 3
    assert set(np.unique(result.labels)) == {NOISE, 0, 1, 2}
    # Every planted outlier is noise; label -1 is never renumbered into 0..k-1.
    assert (result.labels[truth == -1] == NOISE).all()
    assert result.n_noise == int((result.labels == NOISE).sum()) >= 30
    members = result.members
    assert adjusted_rand_score(truth[members], result.labels[members]) >= 0.99
    # Centroids are the members' means; the far outliers would have dragged them.
    for seg in range(result.k):
        np.testing.assert_allclose(result.centroids[seg], X[result.labels == seg].mean(axis=0))
    assert result.confidence is not None
    assert (result.confidence[~members] == 0).all()
    assert (result.confidence[members] > 0).all()


def test_agrees_with_scikit_learn_up_to_renumbering() -> None:
    X, _ = _blobs_with_outliers(n=600, seed=3)
    result = fit_hdbscan(X, min_cluster_size=20, min_samples=5)
    sk = HDBSCAN(min_cluster_size=20, min_samples=5, copy=True).fit(X)
    assert np.array_equal(result.labels == NOISE, sk.labels_ == -1)
    assert adjusted_rand_score(sk.labels_, result.labels) == pytest.approx(1.0)
    np.testing.assert_allclose(np.sort(result.confidence), np.sort(sk.probabilities_))


def test_label_indexed_code_must_drop_noise() -> None:
    # The trap the docs warn about: centroids[labels] silently takes the last centroid for
    # noise; members() is the mask to use.
    X, _ = _blobs_with_outliers(n=600, seed=1)
    result = fit_hdbscan(X, min_cluster_size=30)
    noise = ~result.members
    assert noise.any()
    assert np.array_equal(result.centroids[result.labels][noise][0], result.centroids[-1])
    sizes = np.bincount(result.labels[result.members], minlength=result.k)
    assert sizes.sum() == len(X) - result.n_noise
    assert list(sizes) == sorted(sizes, reverse=True)


def test_sampled_fit_above_exact_max_matches_the_exact_one() -> None:
    X, truth = _blobs_with_outliers(n=4000, seed=2)
    exact = fit_hdbscan(X, min_cluster_size=100, min_samples=20)
    sampled = fit_hdbscan(X, min_cluster_size=100, min_samples=20, exact_max=1000)
    assert exact.method == "hdbscan" and sampled.method == "hdbscan-sampled"
    assert sampled.k == exact.k == 3
    both = exact.members & sampled.members
    assert adjusted_rand_score(exact.labels[both], sampled.labels[both]) == pytest.approx(1.0)
    # The planted outliers stay noise; customers inside the blobs are mostly kept.
    assert (sampled.labels[truth == -1] == NOISE).all()
    assert sampled.members[truth != -1].mean() >= 0.9


@pytest.mark.parametrize("exact_max", [20_000, 300])
def test_same_segments_and_ids_whatever_the_row_order(exact_max: int) -> None:
    X, _ = _blobs_with_outliers(n=900, seed=4)
    X = np.vstack([X, X[:25]])  # duplicates too
    perm = np.random.default_rng(7).permutation(len(X))
    a = fit_hdbscan(X, min_cluster_size=25, exact_max=exact_max)
    b = fit_hdbscan(X[perm], min_cluster_size=25, exact_max=exact_max)
    assert a.method == b.method == ("hdbscan" if exact_max > len(X) else "hdbscan-sampled")
    assert np.array_equal(b.labels, a.labels[perm])
    assert np.array_equal(b.centroids, a.centroids)
    assert a.confidence is not None and b.confidence is not None
    assert np.array_equal(b.confidence, a.confidence[perm])


def test_all_noise_is_refused() -> None:
    X = np.random.default_rng(0).uniform(size=(40, 2))
    with pytest.raises(ModelError, match="all 40 customers are noise"):
        fit_hdbscan(X, min_cluster_size=10)


def test_bad_inputs_and_settings() -> None:
    with pytest.raises(ModelError, match="needs at least 50 customers, got 10"):
        fit_hdbscan(np.arange(20, dtype=float).reshape(10, 2))
    with pytest.raises(ModelError, match="min_cluster_size"):
        fit_hdbscan(np.zeros((10, 2)), min_cluster_size=1)
    with pytest.raises(ModelError, match="min_samples"):
        fit_hdbscan(np.zeros((10, 2)), min_cluster_size=2, min_samples=0)
    X = np.arange(20, dtype=float).reshape(10, 2)
    X[3, 1] = np.nan
    with pytest.raises(DataQualityError, match="column 1: 1 bad values"):
        fit_hdbscan(X, min_cluster_size=2)
