"""Nearest and second-nearest centroid of each customer."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial.distance import cdist

from user_segmentation.cluster.checks import validate_matrix
from user_segmentation.errors import ModelError

#: Rows per block, so temporaries stay near ``_CHUNK_ROWS × k`` floats whatever n is.
_CHUNK_ROWS = 65_536


def nearest_two(X: ArrayLike, centroids: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign each row to its nearest centroid, with the distance and the margin to the next.

    Distances are Euclidean and computed from the coordinate differences (scipy's ``cdist``,
    not the ``‖x‖² − 2x·c + ‖c‖²`` expansion), so a row equal to a centroid gets exactly 0.
    Ties go to the lower segment id.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Rows to assign.
    centroids : array-like of shape (k, d)
        Segment centroids, row ``i`` for segment ``i``.

    Returns
    -------
    label : numpy.ndarray
        ``int64`` id of the nearest centroid.
    distance : numpy.ndarray
        Distance to it.
    margin : numpy.ndarray
        Second-nearest minus nearest distance (``>= 0``); ``inf`` when there is one centroid.

    Raises
    ------
    DataQualityError
        If ``X`` holds NaN/inf.
    ModelError
        If the centroids are empty, non-finite or of another dimension than ``X``.

    Examples
    --------
    >>> label, distance, margin = nearest_two([[0.0, 0.0], [4.0, 0.0]], [[0.0, 0.0], [3.0, 0.0]])
    >>> label.tolist(), distance.tolist(), margin.tolist()
    ([0, 1], [0.0, 1.0], [3.0, 3.0])
    """
    arr = validate_matrix(X)
    C = np.asarray(centroids, dtype=np.float64)
    if C.ndim != 2 or C.shape[0] == 0 or not np.isfinite(C).all():
        raise ModelError(f"centroids must be a finite non-empty k × d array, got {C.shape}")
    if C.shape[1] != arr.shape[1]:
        raise ModelError(f"X has {arr.shape[1]} columns but the centroids have {C.shape[1]}")
    n, k = arr.shape[0], C.shape[0]
    label = np.empty(n, dtype=np.int64)
    distance = np.empty(n, dtype=np.float64)
    margin = np.full(n, np.inf, dtype=np.float64)
    for start in range(0, n, _CHUNK_ROWS):
        part = slice(start, start + _CHUNK_ROWS)
        sq = cdist(arr[part], C, "sqeuclidean")
        best = np.argmin(sq, axis=1)
        label[part] = best
        nearest = np.sqrt(sq[np.arange(sq.shape[0]), best])
        distance[part] = nearest
        if k > 1:
            second = np.sqrt(np.partition(sq, 1, axis=1)[:, 1])
            margin[part] = second - nearest
    return label, distance, margin
