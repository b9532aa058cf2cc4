"""Fit on rows in a canonical order, then map labels back.

Fitting on ``X[row_order(X)]`` rather than on ``X`` makes every method give the same segments
and ids whatever the row order of the input (k-means++ seeding and mini-batches pick rows by
position, so the raw order would otherwise leak into the result).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from user_segmentation.cluster.canonical import canonical_labels, within_ss
from user_segmentation.cluster.checks import check_k, row_order, validate_matrix
from user_segmentation.cluster.confidence import centroid_confidence
from user_segmentation.cluster.result import Clustering
from user_segmentation.errors import ModelError


@dataclass(frozen=True, eq=False)
class SortedRows:
    """A validated matrix with its rows in canonical order.

    Attributes
    ----------
    X : numpy.ndarray
        ``X[order]``, float64.
    order : numpy.ndarray
        Position in the input of each sorted row.
    n_distinct : int
        Number of distinct rows.
    """

    X: np.ndarray
    order: np.ndarray
    n_distinct: int

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])


def sort_rows(X: ArrayLike) -> SortedRows:
    """Validate ``X`` (finite, 2-D) and sort its rows canonically.

    Examples
    --------
    >>> sort_rows([[2.0], [1.0], [2.0]]).X.ravel().tolist()
    [1.0, 2.0, 2.0]
    """
    arr = validate_matrix(X)
    order, n_distinct = row_order(arr)
    return SortedRows(X=arr[order], order=order, n_distinct=n_distinct)


def prepare(X: ArrayLike, k: int) -> SortedRows:
    """Validate ``X``, check that ``k`` segments are possible, and sort the rows.

    Examples
    --------
    >>> prepare([[0.0], [1.0], [2.0]], 2).n_distinct
    3
    """
    rows = sort_rows(X)
    check_k(k, rows.n, rows.n_distinct)
    return rows


def unsort(rows: SortedRows, values: np.ndarray) -> np.ndarray:
    """Put per-row ``values`` computed on the sorted rows back in the input row order.

    Examples
    --------
    >>> import numpy as np
    >>> rows = sort_rows([[9.0], [0.0], [1.0]])
    >>> unsort(rows, np.array([10, 11, 19])).tolist()
    [19, 10, 11]
    """
    out = np.empty_like(values)
    out[rows.order] = values
    return out


def same_for_duplicates(rows: SortedRows, values: np.ndarray) -> np.ndarray:
    """Give every copy of a repeated row the value of its first copy in the sorted order.

    Methods that treat rows individually (a sample, a row-by-row update) can give two
    identical customers different results; which input row is which copy depends on the
    input order, so without this the result would too.

    Examples
    --------
    >>> import numpy as np
    >>> rows = sort_rows([[1.0], [0.0], [1.0]])
    >>> same_for_duplicates(rows, np.array([5, 6, 7])).tolist()
    [5, 6, 6]
    """
    if rows.n == 0:
        return values.copy()
    starts = np.r_[True, np.any(rows.X[1:] != rows.X[:-1], axis=1)]
    first = np.maximum.accumulate(np.where(starts, np.arange(rows.n), 0))
    return values[first]


def finish(
    rows: SortedRows,
    raw_labels: np.ndarray,
    method: str,
    k: int,
    *,
    with_confidence: bool = True,
) -> Clustering:
    """Turn labels of the sorted rows into a canonical :class:`Clustering` in input order.

    The confidence is the relative centroid margin of :func:`centroid_confidence`. It costs
    one more pass over an ``n × k`` distance matrix (0.5 s at 1M × 32, k = 12), so callers
    that fit many times and never read it (a k sweep) may pass ``with_confidence=False``
    and get ``confidence=None``.

    Examples
    --------
    >>> import numpy as np
    >>> rows = sort_rows([[9.0], [0.0], [1.0]])
    >>> finish(rows, np.array([4, 4, 2]), "kmeans", 2).labels.tolist()
    [1, 0, 0]
    """
    sorted_labels, centroids = canonical_labels(rows.X, raw_labels)
    if centroids.shape[0] != k:
        raise ModelError(
            f"{method} produced {centroids.shape[0]} non-empty segments instead of k={k}"
        )
    inertia = within_ss(rows.X, sorted_labels, centroids)
    confidence = None
    if with_confidence:
        confidence = unsort(rows, centroid_confidence(rows.X, sorted_labels, centroids))
    return Clustering(
        labels=unsort(rows, sorted_labels),
        centroids=centroids,
        method=method,
        inertia=inertia,
        confidence=confidence,
    )
