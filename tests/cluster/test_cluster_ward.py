"""Ward clustering: exact, two-step, and the count-weighted Ward it relies on."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import AgglomerativeClustering
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from user_segmentation.cluster import cut_linkage, fit_ward, weighted_ward_linkage
from user_segmentation.errors import ModelError


def test_exact_ward_on_hand_checkable_data() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [8.0, 8.0], [8.0, 9.0], [9.0, 8.0]])
    result = fit_ward(X, 2)
    assert result.method == "ward-exact"
    assert result.labels.tolist() == [1, 1, 0, 0, 0]
    np.testing.assert_allclose(result.centroids, [[25 / 3, 25 / 3], [0.0, 0.5]])


def test_exact_ward_matches_scikit_learn() -> None:
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, random_state=4, cluster_std=2.0)
    result = fit_ward(X, 4)
    sk = AgglomerativeClustering(n_clusters=4, linkage="ward").fit_predict(X)
    assert adjusted_rand_score(sk, result.labels) == pytest.approx(1.0)


def test_two_step_reproduces_exact_ward_on_separated_blobs() -> None:
    X, truth = make_blobs(n_samples=5000, centers=6, n_features=5, random_state=1)
    exact = fit_ward(X, 6)
    two_step = fit_ward(X, 6, exact_max=1_000)
    assert exact.method == "ward-exact"
    assert two_step.method == "ward-two-step"
    assert adjusted_rand_score(exact.labels, two_step.labels) >= 0.9
    assert adjusted_rand_score(truth, two_step.labels) >= 0.9


def test_two_step_on_overlapping_blobs_stays_close_to_exact() -> None:
    X, _ = make_blobs(n_samples=3000, centers=4, n_features=4, random_state=3, cluster_std=2.5)
    exact = fit_ward(X, 4)
    two_step = fit_ward(X, 4, exact_max=500, n_micro=300)
    assert adjusted_rand_score(exact.labels, two_step.labels) >= 0.9


@pytest.mark.parametrize("exact_max", [10_000, 100])
def test_same_segments_and_ids_whatever_the_row_order(exact_max: int) -> None:
    X, _ = make_blobs(n_samples=600, centers=3, n_features=2, random_state=8, cluster_std=2.0)
    perm = np.random.default_rng(1).permutation(len(X))
    a = fit_ward(X, 3, exact_max=exact_max, n_micro=80)
    b = fit_ward(X[perm], 3, exact_max=exact_max, n_micro=80)
    assert a.method == b.method
    assert np.array_equal(b.labels, a.labels[perm])
    assert np.array_equal(b.centroids, a.centroids)


def test_n_micro_below_k_is_refused() -> None:
    X, _ = make_blobs(n_samples=200, centers=3, random_state=0)
    with pytest.raises(ModelError, match="n_micro=2"):
        fit_ward(X, 3, exact_max=10, n_micro=2)


def test_weighted_ward_with_unit_weights_equals_scipy_ward() -> None:
    points = np.random.default_rng(0).normal(size=(120, 4))
    mine = weighted_ward_linkage(points, np.ones(len(points)))
    theirs = linkage(points, method="ward")
    assert np.array_equal(mine[:, :2], theirs[:, :2])
    np.testing.assert_allclose(mine[:, 2:], theirs[:, 2:], rtol=1e-9, atol=1e-12)


def test_weighted_ward_equals_ward_on_replicated_points() -> None:
    rng = np.random.default_rng(2)
    points = rng.normal(size=(25, 3))
    counts = rng.integers(1, 6, size=25)
    replicated = np.repeat(points, counts, axis=0)
    owner = np.repeat(np.arange(25), counts)
    mine = weighted_ward_linkage(points, counts)
    theirs = linkage(replicated, method="ward")
    # Replicas merge first at height 0; the remaining 24 merges are those of the weighted tree.
    np.testing.assert_allclose(mine[:, 2], theirs[-24:, 2], rtol=1e-9)
    np.testing.assert_allclose(mine[:, 3], theirs[-24:, 3])
    for k in (2, 4, 9):
        ours = cut_linkage(mine, k)[owner]
        scipy_labels = fcluster(theirs, k, criterion="maxclust")
        assert adjusted_rand_score(scipy_labels, ours) == pytest.approx(1.0)


def test_weighted_ward_weights_change_the_tree() -> None:
    # Merge cost of groups i, j is w_i·w_j/(w_i + w_j)·‖c_i − c_j‖²: a light group is cheap
    # to absorb even when it is far away.
    points = np.array([[0.0], [1.0], [4.0]])
    light = weighted_ward_linkage(points, [1, 1, 1])
    heavy = weighted_ward_linkage(points, [1, 1, 0.05])
    # Unit weights: cost(0,1) = 0.5 < cost(1,2) = 4.5.
    assert light[0, :2].tolist() == [0.0, 1.0]
    # Weight 0.05 on point 2: cost(1,2) = 0.05/1.05 · 9 ≈ 0.43 < 0.5.
    assert heavy[0, :2].tolist() == [1.0, 2.0]


def test_weighted_ward_refuses_bad_weights() -> None:
    with pytest.raises(ModelError, match="positive"):
        weighted_ward_linkage([[0.0], [1.0]], [1.0, 0.0])
    with pytest.raises(ModelError, match="do not match"):
        weighted_ward_linkage([[0.0], [1.0]], [1.0])


def test_cut_linkage_by_hand() -> None:
    # Leaves 0,1 merge into 4; leaves 2,3 into 5; then 4 and 5 into 6.
    Z = np.array([[0, 1, 1.0, 2], [2, 3, 2.0, 2], [4, 5, 9.0, 4]], dtype=float)
    assert cut_linkage(Z, 4).tolist() == [0, 1, 2, 3]
    assert cut_linkage(Z, 3).tolist() == [2, 2, 0, 1]
    labels = cut_linkage(Z, 2)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    assert cut_linkage(Z, 1).tolist() == [0, 0, 0, 0]
    with pytest.raises(ModelError):
        cut_linkage(Z, 5)
