"""Ward hierarchical clustering: exact for moderate n, two-step above a size threshold."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike
from scipy.cluster.hierarchy import ward
from sklearn.cluster import MiniBatchKMeans

from user_segmentation.cluster.canonical import segment_means
from user_segmentation.cluster.result import Clustering
from user_segmentation.cluster.sorted_rows import SortedRows, finish, prepare
from user_segmentation.cluster.weighted_ward import cut_linkage, weighted_ward_linkage
from user_segmentation.errors import ModelError

logger = logging.getLogger(__name__)


def fit_ward(
    X: ArrayLike,
    k: int,
    *,
    random_state: int = 0,
    exact_max: int = 10_000,
    n_micro: int = 1_000,
) -> Clustering:
    """Segment customers with Ward's minimum-variance hierarchical clustering.

    Up to ``exact_max`` customers, exact Ward (``scipy.cluster.hierarchy.ward``),
    whose time and memory grow as n². Above, a two-step method: mini-batch k-means groups the
    customers into ``n_micro`` micro-clusters, Ward's method merges the micro-cluster
    centroids weighted by their sizes (:func:`weighted_ward_linkage`), and each customer takes
    its micro-cluster's segment. On well-separated data the two agree almost exactly.

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Preprocessed numeric matrix.
    k : int
        Number of segments.
    random_state : int, default 0
        Seed of the micro-clustering (exact Ward is deterministic).
    exact_max : int, default 10_000
        Largest number of customers clustered exactly.
    n_micro : int, default 1_000
        Number of micro-clusters of the two-step method (capped at the number of distinct
        rows).

    Returns
    -------
    Clustering
        ``method`` is ``"ward-exact"`` or ``"ward-two-step"``.

    Raises
    ------
    ModelError
        If ``k`` exceeds the number of customers, or ``n_micro < k``.
    DataQualityError
        If ``X`` holds NaN/inf or fewer than ``k`` distinct rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [8.0, 8.0], [8.0, 9.0], [9.0, 8.0]])
    >>> result = fit_ward(X, 2)
    >>> result.labels.tolist(), result.method
    ([1, 1, 0, 0, 0], 'ward-exact')
    """
    rows = prepare(X, k)
    if rows.n <= exact_max:
        if rows.n == 1:
            return finish(rows, np.zeros(1, dtype=np.int64), "ward-exact", k)
        # scipy's Ward (what scikit-learn's AgglomerativeClustering runs too), kept whole so
        # that the report can draw the dendrogram.
        tree = ward(rows.X)
        result = finish(rows, cut_linkage(tree, k), "ward-exact", k)
        sizes = np.ones(rows.n, dtype=np.int64)
    else:
        raw, tree, sizes = _two_step(rows, k, random_state, n_micro)
        result = finish(rows, raw, "ward-two-step", k)
    return replace(result, linkage=tree, leaf_sizes=sizes)


def _two_step(
    rows: SortedRows, k: int, random_state: int, n_micro: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels of the sorted rows from micro-clustering followed by weighted Ward, the tree over
    the micro-clusters and their sizes."""
    if n_micro < k:
        raise ModelError(f"n_micro={n_micro} micro-clusters cannot form k={k} segments")
    n_micro = min(n_micro, rows.n_distinct)
    micro = MiniBatchKMeans(
        n_clusters=n_micro,
        random_state=random_state,
        n_init=1,
    ).fit_predict(rows.X)
    # Keep only non-empty micro-clusters and use their exact means, so that merging them is
    # exactly Ward's criterion on the rows they hold.
    used, micro = np.unique(micro, return_inverse=True)
    if used.size < k:
        raise ModelError(
            f"micro-clustering produced only {used.size} non-empty groups, fewer than k={k}"
        )
    counts = np.bincount(micro, minlength=used.size)
    centres = segment_means(rows.X, micro, used.size)
    logger.debug("two-step Ward: %d rows in %d micro-clusters", rows.n, used.size)
    tree = weighted_ward_linkage(centres, counts)
    return cut_linkage(tree, k)[micro], tree, counts
