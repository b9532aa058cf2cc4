"""The top of a Ward tree as plain data, small enough to store with a run and draw later."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.cluster.hierarchy import dendrogram

from user_segmentation.errors import ModelError


def dendrogram_data(
    linkage: np.ndarray, k: int, *, leaf_sizes: ArrayLike | None = None, leaves: int = 30
) -> dict[str, Any]:
    """Coordinates of the dendrogram's top ``leaves`` clusters and the height cutting it into k.

    scipy's ``dendrogram`` (``truncate_mode="lastp"``, no plotting) lays the tree out; each
    leaf of the drawing is a cluster of the last ``leaves`` merges, labelled with the number
    of customers it holds (the linkage's fourth column counts customers also when the tree
    joins weighted micro-clusters).

    Parameters
    ----------
    linkage : numpy.ndarray of shape (m - 1, 4)
        A scipy linkage matrix (Ward merge heights increasing).
    k : int
        Number of segments the tree is cut into.
    leaf_sizes : array-like of shape (m,), optional
        Customers in each leaf of the tree (micro-cluster sizes); default 1 each.
    leaves : int, default 30
        Number of clusters drawn at the bottom (at least ``k``).

    Returns
    -------
    dict
        ``icoord``, ``dcoord`` (one 4-point polyline per merge, as scipy gives them),
        ``leaf_labels`` (customers in each drawn leaf, left to right), ``cut_height`` (midway
        between the merges that leave k and k - 1 clusters) and ``k``. Plain lists and floats.

    Raises
    ------
    ModelError
        If ``k`` is not between 1 and the number of leaves of the tree.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import ward
    >>> Z = ward(np.array([[0.0], [0.2], [5.0], [5.3], [9.0]]))
    >>> data = dendrogram_data(Z, 2)
    >>> data["leaf_labels"], round(data["cut_height"], 2)
    ([1, 1, 1, 1, 1], 7.13)
    """
    m = linkage.shape[0] + 1
    if not 1 <= k <= m:
        raise ModelError(f"cannot cut a tree of {m} leaves into k={k} segments")
    p = max(min(leaves, m), k)
    # scipy checks that the fourth column counts leaves; a weighted tree's counts customers.
    layout = linkage.copy()
    counts = np.ones(2 * m - 1)
    for step, (a, b) in enumerate(linkage[:, :2].astype(np.int64)):
        counts[m + step] = counts[a] + counts[b]
    layout[:, 3] = counts[m:]
    tree = dendrogram(layout, truncate_mode="lastp", p=p, no_plot=True, count_sort=True)
    heights = linkage[:, 2]
    below = float(heights[m - k - 1]) if k < m else 0.0
    above = float(heights[m - k]) if k > 1 else below * 1.1 + 1.0
    weights = np.ones(m) if leaf_sizes is None else np.asarray(leaf_sizes, dtype=np.float64)
    if weights.shape != (m,):
        raise ModelError(f"leaf_sizes has shape {weights.shape}, the tree has {m} leaves")
    sizes = [
        round(float(weights[node] if node < m else linkage[node - m, 3])) for node in tree["leaves"]
    ]
    return {
        "icoord": [[float(v) for v in row] for row in tree["icoord"]],
        "dcoord": [[float(v) for v in row] for row in tree["dcoord"]],
        "leaf_labels": sizes,
        "cut_height": (below + above) / 2,
        "k": int(k),
    }
