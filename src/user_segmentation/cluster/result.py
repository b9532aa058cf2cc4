"""The result every clustering method returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# eq=False: comparing arrays element-wise inside a generated ``__eq__`` is ambiguous, and a
# frozen dataclass with ``eq=True`` would also try to hash the arrays.
@dataclass(frozen=True, eq=False)
class Clustering:
    """Segments found in a customer matrix, with canonical ids.

    Attributes
    ----------
    labels : numpy.ndarray
        ``int64`` segment id of each row, canonical ids ``0..k-1`` (largest segment first,
        ties broken by centroid coordinates), in the row order of the input.
    centroids : numpy.ndarray
        ``k × d`` mean of each segment's members in the input space; row ``i`` is segment ``i``.
    method : str
        ``"kmeans"``, ``"ward-exact"`` or ``"ward-two-step"``.
    inertia : float
        Within-segment sum of squared distances to the centroids.

    Examples
    --------
    >>> import numpy as np
    >>> from user_segmentation.cluster import fit_kmeans
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0]])
    >>> result = fit_kmeans(X, 2)
    >>> result.labels.tolist(), result.method
    ([0, 0, 1], 'kmeans')
    """

    labels: np.ndarray
    centroids: np.ndarray
    method: str
    inertia: float

    @property
    def k(self) -> int:
        """Number of segments."""
        return int(self.centroids.shape[0])
