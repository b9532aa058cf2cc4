"""k-means with canonical, row-order-independent segment ids."""

from __future__ import annotations

import logging

from numpy.typing import ArrayLike
from sklearn.cluster import KMeans

from user_segmentation.cluster.result import Clustering
from user_segmentation.cluster.sorted_rows import SortedRows, finish, prepare
from user_segmentation.errors import ModelError

logger = logging.getLogger(__name__)


def kmeans_on_sorted(
    rows: SortedRows, k: int, *, random_state: int, n_init: int, with_confidence: bool = True
) -> Clustering:
    """Fit k-means on rows already validated and sorted by :func:`prepare`.

    The k sweep uses this to validate and sort once for all k; ``with_confidence=False``
    skips the per-customer confidence it does not need (see :func:`finish`).

    Examples
    --------
    >>> from user_segmentation.cluster.sorted_rows import prepare
    >>> rows = prepare([[0.0], [0.5], [9.0]], 2)
    >>> kmeans_on_sorted(rows, 2, random_state=0, n_init=1).labels.tolist()
    [0, 0, 1]
    """
    if n_init < 1:
        raise ModelError(f"n_init must be ≥ 1, got {n_init}")
    model = KMeans(n_clusters=k, n_init=n_init, random_state=random_state)
    raw = model.fit_predict(rows.X)
    logger.debug("k-means k=%d: %d iterations", k, model.n_iter_)
    return finish(rows, raw, "kmeans", k, with_confidence=with_confidence)


def fit_kmeans(X: ArrayLike, k: int, *, random_state: int = 0, n_init: int = 10) -> Clustering:
    """Segment customers with k-means (scikit-learn, k-means++ seeding, Lloyd iterations).

    The same data and ``random_state`` give the same segments and ids whatever the row order.

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Preprocessed numeric matrix (PCA scores in practice).
    k : int
        Number of segments.
    random_state : int, default 0
        Seed of the k-means++ initialisations.
    n_init : int, default 10
        Number of initialisations; the best (lowest inertia) is kept.

    Returns
    -------
    Clustering
        Canonical labels and centroids, ``method="kmeans"``.

    Raises
    ------
    ModelError
        If ``k`` exceeds the number of customers.
    DataQualityError
        If ``X`` holds NaN/inf or fewer than ``k`` distinct rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.2, 0.1], [5.0, 5.0], [5.1, 4.9], [5.2, 5.0]])
    >>> result = fit_kmeans(X, 2)
    >>> result.labels.tolist()
    [1, 1, 0, 0, 0]
    >>> round(result.inertia, 3)
    0.052
    """
    rows = prepare(X, k)
    return kmeans_on_sorted(rows, k, random_state=random_state, n_init=n_init)
