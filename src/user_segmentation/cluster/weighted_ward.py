"""Ward's hierarchical clustering of weighted points (each point stands for a group of rows).

Written here because no well-kept Python library offers it: scipy's ``linkage``,
scikit-learn's ``AgglomerativeClustering`` and fastcluster's Python interface take no
weights, and replicating each point by its count would need the memory the two-step method
exists to avoid.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial.distance import cdist

from user_segmentation.errors import ModelError


def weighted_ward_linkage(points: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Ward linkage of points carrying positive weights, in scipy's linkage-matrix format.

    A point of weight ``w`` behaves as ``w`` coincident rows: the cost of merging groups
    ``i`` and ``j`` is the increase in within-group sum of squares,
    ``w_i w_j / (w_i + w_j) · ‖c_i − c_j‖²``. Merge heights follow scipy's convention,
    ``sqrt(2 · increase)``, so with unit weights the result equals
    ``scipy.cluster.hierarchy.linkage(points, method="ward")``.

    Distances are updated with the Lance–Williams formula for Ward on squared distances::

        d²(k, i∪j) = ((w_i + w_k) d²(k, i) + (w_j + w_k) d²(k, j) − w_k d²(i, j))
                     / (w_i + w_j + w_k)

    and the closest pair is found from a cache of each row's nearest neighbour, so a merge
    costs O(m) except for the rows whose nearest neighbour was merged. Memory is O(m²); meant
    for m up to a few thousand points.

    Parameters
    ----------
    points : array-like of shape (m, d)
        Group centroids.
    weights : array-like of shape (m,)
        Positive group sizes.

    Returns
    -------
    numpy.ndarray of shape (m - 1, 4)
        Row ``s`` merges clusters ``Z[s, 0] < Z[s, 1]`` (leaves ``0..m-1``, merged clusters
        ``m + s``) at height ``Z[s, 2]``; ``Z[s, 3]`` is the total weight of the new cluster.

    Examples
    --------
    >>> Z = weighted_ward_linkage([[0.0], [1.0], [10.0]], [1, 3, 1])
    >>> Z[:, :2].tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    >>> Z[:, 3].tolist()
    [4.0, 5.0]
    """
    P = np.asarray(points, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64).copy()
    if P.ndim != 2 or w.shape != (P.shape[0],):
        raise ModelError(f"points {P.shape} and weights {w.shape} do not match")
    if not (np.isfinite(P).all() and np.isfinite(w).all() and (w > 0).all()):
        raise ModelError("weighted Ward needs finite points and positive finite weights")
    m = P.shape[0]
    Z = np.empty((max(m - 1, 0), 4), dtype=np.float64)
    if m < 2:
        return Z

    D = cdist(P, P, "sqeuclidean")
    D *= 2.0 * np.outer(w, w) / np.add.outer(w, w)
    np.fill_diagonal(D, np.inf)
    active = np.ones(m, dtype=bool)
    node = np.arange(m, dtype=np.int64)  # cluster id currently held in each slot
    nearest = np.argmin(D, axis=1)
    nearest_d = D[np.arange(m), nearest]

    for step in range(m - 1):
        i = int(np.argmin(nearest_d))
        j = int(nearest[i])
        a, b = min(i, j), max(i, j)  # the merged cluster lives on in slot a
        d_ab = D[a, b]
        wa, wb = w[a], w[b]
        new = ((wa + w) * D[a] + (wb + w) * D[b] - w * d_ab) / (wa + wb + w)
        new[~active] = np.inf
        new[a] = new[b] = np.inf
        D[a, :] = new
        D[:, a] = new
        D[b, :] = np.inf
        D[:, b] = np.inf
        active[b] = False
        w[a] = wa + wb
        id_a, id_b = sorted((int(node[a]), int(node[b])))
        Z[step] = (id_a, id_b, np.sqrt(max(d_ab, 0.0)), w[a])
        node[a] = m + step

        nearest_d[b] = np.inf
        # Rows whose nearest neighbour was a or b must look again; the others can only have
        # gained a closer neighbour in slot a.
        stale = active & ((nearest == a) | (nearest == b))
        stale[a] = True
        if stale.any():
            rows = np.flatnonzero(stale)
            sub = D[rows]
            nearest[rows] = np.argmin(sub, axis=1)
            nearest_d[rows] = sub[np.arange(rows.size), nearest[rows]]
        closer = active & ~stale & (new < nearest_d)
        nearest[closer] = a
        nearest_d[closer] = new[closer]
    return Z


def cut_linkage(Z: np.ndarray, k: int) -> np.ndarray:
    """Labels ``0..k-1`` of the leaves after applying the first ``m - k`` merges of ``Z``.

    Labels are numbered in the order of the clusters' ids in ``Z`` (callers canonicalise them).

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 9.0, 3.0]])
    >>> cut_linkage(Z, 2).tolist()
    [1, 1, 0]
    """
    m = Z.shape[0] + 1
    if not 1 <= k <= m:
        raise ModelError(f"cannot cut a tree of {m} leaves into k={k} clusters")
    n_merges = m - k
    parent = np.arange(m + n_merges, dtype=np.int64)
    for step in range(n_merges):
        parent[int(Z[step, 0])] = m + step
        parent[int(Z[step, 1])] = m + step
    # A parent always has a larger id than its children, so walking ids downwards resolves
    # every node's root in one pass.
    root = parent.copy()
    for node_id in range(m + n_merges - 1, -1, -1):
        root[node_id] = root[parent[node_id]]
    _, labels = np.unique(root[:m], return_inverse=True)
    return labels.astype(np.int64)
