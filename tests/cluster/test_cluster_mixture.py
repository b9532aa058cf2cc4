"""Gaussian mixture: soft membership in canonical segment order."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from user_segmentation.cluster import fit_gaussian_mixture, fit_kmeans
from user_segmentation.cluster.mixture import gaussian_mixture_on_sorted
from user_segmentation.cluster.sorted_rows import prepare
from user_segmentation.errors import DataQualityError, ModelError


def _stretched_blobs() -> tuple[np.ndarray, np.ndarray]:
    X, truth = make_blobs(n_samples=900, centers=3, random_state=170)
    return X @ np.array([[0.6, -0.6], [-0.4, 0.8]]), truth


def test_hand_checkable_example() -> None:
    X = np.array([[0.0, 0.0], [0.2, 0.1], [0.1, 0.3], [5.0, 5.0], [5.1, 4.9], [9.0, 9.0]])
    result = fit_gaussian_mixture(X, 2, covariance_type="spherical")
    assert result.method == "gmm"
    assert result.labels.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(result.centroids, [[0.1, 0.4 / 3], [19.1 / 3, 18.9 / 3]])


def test_recovers_stretched_segments_that_kmeans_cuts_wrongly() -> None:
    X, truth = _stretched_blobs()
    gmm = fit_gaussian_mixture(X, 3)
    assert adjusted_rand_score(truth, gmm.labels) >= 0.95
    assert adjusted_rand_score(truth, fit_kmeans(X, 3).labels) < 0.8


def test_membership_columns_follow_segment_ids() -> None:
    X, _ = make_blobs(n_samples=600, centers=4, n_features=3, random_state=1, cluster_std=2.0)
    result = fit_gaussian_mixture(X, 4)
    assert result.membership is not None and result.confidence is not None
    assert result.membership.shape == (600, 4)
    np.testing.assert_allclose(result.membership.sum(axis=1), 1.0)
    assert np.array_equal(result.membership.argmax(axis=1), result.labels)
    np.testing.assert_allclose(result.confidence, result.membership.max(axis=1))
    # Ids are canonical: segment 0 is the largest.
    sizes = np.bincount(result.labels)
    assert list(sizes) == sorted(sizes, reverse=True)
    for seg in range(4):
        np.testing.assert_allclose(result.centroids[seg], X[result.labels == seg].mean(axis=0))


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_returned_mixture_predicts_segment_ids(covariance_type: str) -> None:
    X, _ = make_blobs(n_samples=400, centers=3, n_features=2, random_state=5, cluster_std=1.5)
    result, mixture = gaussian_mixture_on_sorted(
        prepare(X, 3),
        3,
        covariance_type=covariance_type,  # type: ignore[arg-type]
    )
    assert np.array_equal(mixture.predict(X), result.labels)
    np.testing.assert_allclose(mixture.predict_proba(X), result.membership, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_same_segments_and_ids_whatever_the_row_order(seed: int) -> None:
    X, _ = make_blobs(n_samples=500, centers=4, n_features=3, random_state=2, cluster_std=2.5)
    perm = np.random.default_rng(seed).permutation(len(X))
    a = fit_gaussian_mixture(X, 4, random_state=4)
    b = fit_gaussian_mixture(X[perm], 4, random_state=4)
    assert np.array_equal(b.labels, a.labels[perm])
    assert a.membership is not None and b.membership is not None
    assert np.array_equal(b.membership, a.membership[perm])


def test_bad_inputs_and_settings() -> None:
    X = np.arange(20, dtype=float).reshape(10, 2)
    with pytest.raises(ModelError, match="covariance_type"):
        fit_gaussian_mixture(X, 2, covariance_type="round")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="n_init"):
        fit_gaussian_mixture(X, 2, n_init=0)
    with pytest.raises(ModelError, match="cannot make k=11 segments from 10 customers"):
        fit_gaussian_mixture(X, 11)
    X[4, 0] = np.inf
    with pytest.raises(DataQualityError, match=r"column 0: 1 bad values \(1 inf\)"):
        fit_gaussian_mixture(X, 2)


def test_non_convergence_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    X, _ = make_blobs(n_samples=300, centers=3, random_state=0, cluster_std=3.0)
    with caplog.at_level("WARNING", logger="user_segmentation.cluster.mixture"):
        fit_gaussian_mixture(X, 3, max_iter=1)
    assert "did not converge" in caplog.text
