"""Mini-batch k-means."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from user_segmentation.cluster import fit_kmeans, fit_minibatch_kmeans
from user_segmentation.errors import DataQualityError, ModelError


def test_hand_checkable_example() -> None:
    X = np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 10.0], [10.0, 12.0], [12.0, 11.0]])
    result = fit_minibatch_kmeans(X, 2)
    assert result.method == "minibatch-kmeans"
    assert result.labels.tolist() == [1, 1, 0, 0, 0]
    np.testing.assert_allclose(result.centroids, [[32 / 3, 11.0], [0.0, 1.0]])
    assert result.inertia == pytest.approx(42 / 9 + 2)


def test_agrees_with_kmeans_on_planted_blobs() -> None:
    X, truth = make_blobs(n_samples=20_000, centers=6, n_features=5, random_state=11)
    mini = fit_minibatch_kmeans(X, 6)
    full = fit_kmeans(X, 6)
    assert adjusted_rand_score(full.labels, mini.labels) >= 0.95
    assert adjusted_rand_score(truth, mini.labels) >= 0.95
    # It optimises the same objective, a little less well at most.
    assert mini.inertia >= full.inertia * (1 - 1e-9)
    assert mini.inertia <= full.inertia * 1.02


@pytest.mark.parametrize("seed", [0, 1])
def test_same_segments_and_ids_whatever_the_row_order(seed: int) -> None:
    X, _ = make_blobs(n_samples=3000, centers=4, n_features=3, random_state=2, cluster_std=2.5)
    perm = np.random.default_rng(seed).permutation(len(X))
    a = fit_minibatch_kmeans(X, 4, random_state=3, batch_size=256)
    b = fit_minibatch_kmeans(X[perm], 4, random_state=3, batch_size=256)
    assert np.array_equal(b.labels, a.labels[perm])
    assert np.array_equal(b.centroids, a.centroids)
    assert b.confidence is not None and a.confidence is not None
    assert np.array_equal(b.confidence, a.confidence[perm])


def test_bad_inputs_and_settings() -> None:
    X = np.arange(10, dtype=float).reshape(5, 2)
    with pytest.raises(ModelError, match="cannot make k=8 segments from 5 customers"):
        fit_minibatch_kmeans(X, 8)
    with pytest.raises(ModelError, match="batch_size"):
        fit_minibatch_kmeans(X, 2, batch_size=0)
    X[2, 1] = np.nan
    with pytest.raises(DataQualityError, match="column 1: 1 bad values"):
        fit_minibatch_kmeans(X, 2)
