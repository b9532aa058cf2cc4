"""Nearest and second-nearest centroid."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.datasets import make_blobs

from user_segmentation.cluster import fit_kmeans, nearest_two
from user_segmentation.errors import DataQualityError, ModelError


def test_hand_checkable_example() -> None:
    centroids = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 10.0]])
    X = np.array([[0.0, 0.0], [4.0, 0.0], [1.0, 0.0], [0.0, 7.0]])
    label, distance, margin = nearest_two(X, centroids)
    assert label.tolist() == [0, 1, 0, 2]
    assert distance.tolist() == [0.0, 1.0, 1.0, 3.0]
    assert margin.tolist() == [3.0, 3.0, 1.0, 4.0]  # (0, 7): 3 to (0, 10), 7 to (0, 0)
    assert label.dtype == np.int64


def test_tie_goes_to_the_lower_id() -> None:
    label, distance, margin = nearest_two([[1.5, 0.0]], [[0.0, 0.0], [3.0, 0.0]])
    assert label.tolist() == [0]
    assert distance.tolist() == [1.5]
    assert margin.tolist() == [0.0]


def test_single_centroid_has_infinite_margin() -> None:
    label, distance, margin = nearest_two([[1.0, 1.0]], [[1.0, 0.0]])
    assert label.tolist() == [0] and distance.tolist() == [1.0]
    assert np.isinf(margin).all()


def test_chunked_result_equals_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("user_segmentation.cluster.assign._CHUNK_ROWS", 7)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(103, 5))
    centroids = rng.normal(size=(6, 5))
    label, distance, margin = nearest_two(X, centroids)
    full = cdist(X, centroids)
    ordered = np.sort(full, axis=1)
    assert np.array_equal(label, full.argmin(axis=1))
    np.testing.assert_allclose(distance, ordered[:, 0], rtol=1e-12)
    np.testing.assert_allclose(margin, ordered[:, 1] - ordered[:, 0], rtol=1e-9, atol=1e-12)


def test_agrees_with_converged_kmeans() -> None:
    X, _ = make_blobs(n_samples=500, centers=4, n_features=3, random_state=5)
    result = fit_kmeans(X, 4)
    label, _, margin = nearest_two(X, result.centroids)
    assert np.array_equal(label, result.labels)
    assert (margin >= 0).all()


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ModelError, match="3 columns but the centroids have 2"):
        nearest_two(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(ModelError, match="centroids"):
        nearest_two(np.zeros((2, 2)), np.zeros((0, 2)))
    with pytest.raises(DataQualityError, match="column 1"):
        nearest_two(np.array([[0.0, np.inf]]), np.zeros((1, 2)))
