"""Canonical ids and matching ids between labelings."""

from __future__ import annotations

import numpy as np
import pytest

from user_segmentation.cluster import align_to, canonical_labels
from user_segmentation.errors import ModelError


def test_ids_follow_size_descending() -> None:
    X = np.array([[0.0], [10.0], [10.0], [20.0], [20.0], [20.0]])
    labels, centroids = canonical_labels(X, np.array([5, 1, 1, 9, 9, 9]))
    assert labels.tolist() == [2, 1, 1, 0, 0, 0]
    assert centroids.ravel().tolist() == [20.0, 10.0, 0.0]
    assert labels.dtype == np.int64


def test_equal_sizes_are_ordered_by_centroid_coordinates() -> None:
    # Two segments of 2 rows: centroids (1, 5) and (1, 2) tie on the first coordinate,
    # so the second decides.
    X = np.array([[1.0, 5.0], [1.0, 5.0], [0.0, 2.0], [2.0, 2.0]])
    labels, centroids = canonical_labels(X, np.array([0, 0, 1, 1]))
    assert labels.tolist() == [1, 1, 0, 0]
    assert centroids.tolist() == [[1.0, 2.0], [1.0, 5.0]]


def test_ids_do_not_depend_on_the_algorithm_numbering() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 3))
    raw = rng.integers(0, 4, size=50)
    renamed = np.array([40, 7, -3, 12])[raw]
    a, ca = canonical_labels(X, raw)
    b, cb = canonical_labels(X, renamed)
    assert np.array_equal(a, b)
    assert np.array_equal(ca, cb)


def test_canonical_labels_refuses_mismatched_lengths() -> None:
    with pytest.raises(ModelError, match="shape"):
        canonical_labels(np.zeros((3, 2)), np.array([0, 1]))


def test_align_to_maps_to_best_overlap() -> None:
    reference = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    labels = np.array([7, 7, 7, 3, 3, 3, 5, 5])
    # 7↔0 (3 rows), 5↔2 (2 rows), 3↔1 (2 rows): total agreement 7 of 8.
    assert align_to(reference, labels).tolist() == [0, 0, 0, 1, 1, 1, 2, 2]


def test_align_to_gives_new_ids_to_extra_segments() -> None:
    reference = np.array([0, 0, 1, 1, 1, 1])
    labels = np.array([4, 4, 2, 2, 2, 9])
    out = align_to(reference, labels)
    # 4↔0 (2 rows), 2↔1 (3 rows); 9 is left over and takes the next free id.
    assert out.tolist() == [0, 0, 1, 1, 1, 2]


def test_align_to_with_fewer_segments_uses_reference_ids() -> None:
    reference = np.array([0, 0, 1, 1, 2, 2])
    labels = np.array([1, 1, 1, 1, 0, 0])
    assert align_to(reference, labels).tolist() == [0, 0, 0, 0, 2, 2]


def test_align_to_is_identity_on_a_relabelled_copy() -> None:
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 5, size=200)
    permuted = np.array([3, 0, 4, 1, 2])[reference]
    assert np.array_equal(align_to(reference, permuted), reference)


def test_align_to_refuses_different_rows() -> None:
    with pytest.raises(ModelError, match="same rows"):
        align_to(np.array([0, 1, 1]), np.array([0, 1]))
