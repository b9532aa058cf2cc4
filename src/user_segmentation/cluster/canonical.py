"""Canonical segment ids within a run, and matching ids between two labelings."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from user_segmentation.errors import ModelError

#: Rows per block when summing squared distances, to bound temporary memory.
_CHUNK_ROWS = 65_536


def segment_means(X: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Return the ``k × d`` mean of the rows of ``X`` in each code ``0..k-1``.

    Parameters
    ----------
    X : numpy.ndarray of shape (n, d)
        Data.
    codes : numpy.ndarray of shape (n,)
        Integer codes in ``0..k-1``; every code must occur.
    k : int
        Number of codes.

    Returns
    -------
    numpy.ndarray
        Means, row ``i`` for code ``i``.

    Examples
    --------
    >>> import numpy as np
    >>> segment_means(np.array([[0.0], [2.0], [5.0]]), np.array([0, 0, 1]), 2).ravel().tolist()
    [1.0, 5.0]
    """
    counts = np.bincount(codes, minlength=k).astype(np.float64)
    sums = np.empty((k, X.shape[1]), dtype=np.float64)
    for col in range(X.shape[1]):
        sums[:, col] = np.bincount(codes, weights=X[:, col], minlength=k)
    return sums / counts[:, None]


def within_ss(X: np.ndarray, codes: np.ndarray, centroids: np.ndarray) -> float:
    """Return the sum of squared distances of each row to its centroid (the inertia).

    Examples
    --------
    >>> import numpy as np
    >>> within_ss(np.array([[0.0], [2.0]]), np.array([0, 0]), np.array([[1.0]]))
    2.0
    """
    total = 0.0
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        block = X[start : start + _CHUNK_ROWS] - centroids[codes[start : start + _CHUNK_ROWS]]
        total += float(np.einsum("ij,ij->", block, block))
    return total


def canonical_labels(X: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Renumber segments canonically and return their centroids.

    Segment ``0`` is the largest; segments of equal size are ordered by their centroid
    coordinates (lexicographic, first coordinate first). The ids therefore depend only on
    which rows are grouped together, not on how an algorithm happened to number its clusters.

    Parameters
    ----------
    X : array-like of shape (n, d)
        The matrix the segments were found in.
    labels : array-like of shape (n,)
        Any integer segment labels (need not be contiguous).

    Returns
    -------
    labels : numpy.ndarray
        ``int64`` canonical ids ``0..k-1``.
    centroids : numpy.ndarray
        ``k × d`` segment means, row ``i`` for id ``i``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[5.0], [0.0], [0.0], [1.0]])
    >>> new, centroids = canonical_labels(X, np.array([7, 3, 3, 3]))
    >>> new.tolist(), centroids.ravel().tolist()
    ([1, 0, 0, 0], [0.3333333333333333, 5.0])
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ModelError(f"labels have shape {labels.shape}, expected ({X.shape[0]},)")
    segments, codes = np.unique(labels, return_inverse=True)
    k = segments.size
    sizes = np.bincount(codes, minlength=k)
    centroids = segment_means(X, codes, k)
    # np.lexsort uses its last key as the primary one: size (descending), then coordinates.
    order = np.lexsort([*centroids.T[::-1], -sizes])
    new_id = np.empty(k, dtype=np.int64)
    new_id[order] = np.arange(k, dtype=np.int64)
    return new_id[codes], centroids[order]


def align_to(reference: ArrayLike, labels: ArrayLike) -> np.ndarray:
    """Relabel ``labels`` so that its segments take the ids of the best-matching reference ones.

    The match maximises the number of rows on which both labelings agree (Hungarian algorithm
    on the contingency table). Segments of ``labels`` left unmatched (when it has more segments
    than ``reference``) get new ids after the largest reference id, in order of their original
    label.

    Parameters
    ----------
    reference : array-like of shape (n,)
        Integer labels whose ids are kept.
    labels : array-like of shape (n,)
        Integer labels of the same rows to renumber.

    Returns
    -------
    numpy.ndarray
        ``int64`` labels in the id space of ``reference``.

    Examples
    --------
    >>> align_to([0, 0, 1, 1, 2], [5, 5, 3, 3, 3]).tolist()
    [0, 0, 1, 1, 1]
    """
    reference = np.asarray(reference)
    labels = np.asarray(labels)
    if reference.shape != labels.shape or reference.ndim != 1:
        raise ModelError(
            f"cannot align labelings of shapes {labels.shape} and {reference.shape}: "
            "they must label the same rows"
        )
    if labels.size == 0:
        return np.empty(0, dtype=np.int64)
    ref_ids, ref_codes = np.unique(reference, return_inverse=True)
    own_ids, own_codes = np.unique(labels, return_inverse=True)
    pair = own_codes * ref_ids.size + ref_codes
    table = np.bincount(pair, minlength=own_ids.size * ref_ids.size).reshape(
        own_ids.size, ref_ids.size
    )
    rows, cols = linear_sum_assignment(table, maximize=True)
    mapping = np.empty(own_ids.size, dtype=np.int64)
    mapping[rows] = ref_ids[cols].astype(np.int64)
    unmatched = np.setdiff1d(np.arange(own_ids.size), rows)
    next_id = int(ref_ids.max()) + 1
    mapping[unmatched] = np.arange(next_id, next_id + unmatched.size, dtype=np.int64)
    return mapping[own_codes]
