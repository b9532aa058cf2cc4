"""How clearly each customer belongs to its segment, for methods that have centroids."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from user_segmentation.cluster.assign import nearest_two
from user_segmentation.errors import ModelError


def relative_margin(nearest: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Return ``(second - nearest) / (second + nearest)`` clipped to ``[0, 1]``.

    It is 0 where both distances are 0 and 1 where ``second`` is infinite (one centroid).

    Examples
    --------
    >>> import numpy as np
    >>> relative_margin(np.array([1.0, 0.0, 2.0, 0.0]), np.array([3.0, 5.0, np.inf, 0.0])).tolist()
    [0.5, 1.0, 1.0, 0.0]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (second - nearest) / (second + nearest)
    out[np.isinf(second)] = 1.0
    out[(second + nearest) == 0] = 0.0
    return np.clip(out, 0.0, 1.0)


def centroid_confidence(X: ArrayLike, labels: ArrayLike, centroids: ArrayLike) -> np.ndarray:
    """Per-customer confidence of a centroid segmentation: the relative centroid margin.

    With ``d1`` the distance of a customer to its own segment's centroid and ``d2`` the
    distance to the nearest *other* centroid (Euclidean, from :func:`nearest_two`)::

        confidence = max(0, (d2 - d1) / (d2 + d1))

    It is 1 on the centroid itself (or when there is one segment), falls to 0 on the boundary
    where two centroids are equally near, and is 0 for a customer its method placed in a
    segment whose centroid is not the nearest (Ward and bisecting k-means do this near
    boundaries). The relative form is used rather than the raw margin ``d2 - d1`` because it
    has no unit: it reads the same whatever the feature scaling, the number of dimensions or
    the run, and lies in ``[0, 1]`` like the posterior probabilities of a mixture and
    HDBSCAN's membership strengths. The raw margin stays available from :func:`nearest_two`.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Rows the segments were found in.
    labels : array-like of shape (n,)
        Segment id of each row, ``0..k-1``; rows labelled ``-1`` (noise) get 0.
    centroids : array-like of shape (k, d)
        Segment centroids, row ``i`` for segment ``i``.

    Returns
    -------
    numpy.ndarray
        ``float64`` confidence in ``[0, 1]`` of each row.

    Raises
    ------
    ModelError
        If ``labels`` does not match ``X`` or names a segment without a centroid.

    Examples
    --------
    >>> # Distances 1 and 3 to the two centroids: (3 - 1) / (3 + 1) = 0.5.
    >>> centroid_confidence([[1.0], [2.0]], [0, 0], [[0.0], [4.0]]).tolist()
    [0.5, 0.0]
    """
    nearest, d1, margin = nearest_two(X, centroids)
    own = np.asarray(labels)
    k = np.asarray(centroids).shape[0]
    if own.shape != nearest.shape:
        raise ModelError(f"labels have shape {own.shape}, expected {nearest.shape}")
    if own.size and (own.max() >= k or own.min() < -1):
        raise ModelError(f"labels must lie in -1..{k - 1} for {k} centroids")
    confidence = relative_margin(d1, d1 + margin)
    # A row whose own centroid is not the nearest sits at or beyond a boundary.
    confidence[own != nearest] = 0.0
    return confidence
