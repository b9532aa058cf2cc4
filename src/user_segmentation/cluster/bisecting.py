"""Bisecting k-means: segments found by repeatedly splitting one in two."""

from __future__ import annotations

import logging
from typing import Literal

from numpy.typing import ArrayLike
from sklearn.cluster import BisectingKMeans

from user_segmentation.cluster.result import Clustering
from user_segmentation.cluster.sorted_rows import finish, prepare
from user_segmentation.errors import ModelError

logger = logging.getLogger(__name__)


def fit_bisecting_kmeans(
    X: ArrayLike,
    k: int,
    *,
    random_state: int = 0,
    n_init: int = 1,
    bisecting_strategy: Literal["biggest_inertia", "largest_cluster"] = "biggest_inertia",
) -> Clustering:
    """Segment customers with bisecting k-means (scikit-learn's ``BisectingKMeans``).

    Starting from one segment, the segment chosen by ``bisecting_strategy`` is split in two
    by 2-means until there are ``k``. The segments form a hierarchy and each split only
    looks at one segment's rows, so it is faster than k-means for large ``k`` and less
    prone to very uneven segments; the result is usually a little less compact than
    k-means'. Customers stay in the segment of their split even when another segment's
    centroid ends up nearer (their confidence is then 0).

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Preprocessed numeric matrix.
    k : int
        Number of segments.
    random_state : int, default 0
        Seed of the 2-means initialisations.
    n_init : int, default 1
        Initialisations per split; the best is kept.
    bisecting_strategy : {"biggest_inertia", "largest_cluster"}, default "biggest_inertia"
        Which segment to split next: the one with the largest within-segment sum of squares,
        or the one with the most customers.

    Returns
    -------
    Clustering
        Canonical labels and centroids, ``method="bisecting-kmeans"``.

    Raises
    ------
    ModelError
        If ``k`` exceeds the number of customers or a setting is invalid.
    DataQualityError
        If ``X`` holds NaN/inf or fewer than ``k`` distinct rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.2, 0.1], [5.0, 5.0], [5.1, 4.9], [9.0, 0.0]])
    >>> result = fit_bisecting_kmeans(X, 3)
    >>> result.labels.tolist(), result.method
    ([0, 0, 1, 1, 2], 'bisecting-kmeans')
    """
    if n_init < 1:
        raise ModelError(f"n_init must be ≥ 1, got {n_init}")
    if bisecting_strategy not in ("biggest_inertia", "largest_cluster"):
        raise ModelError(
            "bisecting_strategy must be 'biggest_inertia' or 'largest_cluster', "
            f"got {bisecting_strategy!r}"
        )
    rows = prepare(X, k)
    model = BisectingKMeans(
        n_clusters=k,
        n_init=n_init,
        random_state=random_state,
        bisecting_strategy=bisecting_strategy,
    )
    raw = model.fit_predict(rows.X)
    logger.debug("bisecting k-means k=%d (%s)", k, bisecting_strategy)
    return finish(rows, raw, "bisecting-kmeans", k)
