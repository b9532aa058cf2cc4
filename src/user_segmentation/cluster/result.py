"""The result every clustering method returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Label of a customer that a density method (HDBSCAN) left out of every segment.
NOISE = -1


# eq=False: comparing arrays element-wise inside a generated ``__eq__`` is ambiguous, and a
# frozen dataclass with ``eq=True`` would also try to hash the arrays.
@dataclass(frozen=True, eq=False)
class Clustering:
    """Segments found in a customer matrix, with canonical ids.

    Attributes
    ----------
    labels : numpy.ndarray
        ``int64`` segment id of each row, canonical ids ``0..k-1`` (largest segment first,
        ties broken by centroid coordinates), in the row order of the input. Only density
        methods (``"hdbscan"``) also use :data:`NOISE` (``-1``) for customers in no segment:
        code that indexes arrays by label (``centroids[labels]``, ``np.bincount(labels)``)
        must drop those rows first, see :attr:`members`.
    centroids : numpy.ndarray
        ``k × d`` mean of each segment's members in the input space; row ``i`` is segment ``i``.
        For ``"kprototypes"`` only the numeric columns, in input units.
    method : str
        What ran: ``"kmeans"``, ``"minibatch-kmeans"``, ``"bisecting-kmeans"``,
        ``"ward-exact"``, ``"ward-two-step"``, ``"gmm"``, ``"hdbscan"``,
        ``"hdbscan-sampled"``, ``"kprototypes"`` or ``"kprototypes-sampled"``.
    inertia : float
        Within-segment sum of squared distances to the centroids (members only).
    confidence : numpy.ndarray or None
        Per customer, how clearly it belongs to its segment, in ``[0, 1]``: the relative
        centroid margin for centroid methods (see
        :func:`~user_segmentation.cluster.confidence.centroid_confidence`), the posterior
        probability of the assigned segment for ``"gmm"``, HDBSCAN's membership strength for
        ``"hdbscan"`` (0 for noise). ``None`` when built by hand or when a caller that fits
        many times skipped it (``with_confidence=False``, e.g. the k sweep).
    linkage : numpy.ndarray or None
        For Ward: the merge tree in scipy's linkage format (over the customers when exact,
        over the micro-clusters, weighted by size, when two-step); ``None`` otherwise.
    leaf_sizes : numpy.ndarray or None
        Customers in each leaf of ``linkage`` (all 1 when exact).
    membership : numpy.ndarray or None
        ``n × k`` soft membership (posterior probabilities, rows sum to 1), column ``i`` for
        segment ``i``; only ``"gmm"`` fills it.

    Examples
    --------
    >>> import numpy as np
    >>> from user_segmentation.cluster import fit_kmeans
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [9.0, 9.0]])
    >>> result = fit_kmeans(X, 2)
    >>> result.labels.tolist(), result.method, result.n_noise
    ([0, 0, 1], 'kmeans', 0)
    >>> result.confidence.tolist()
    [0.92..., 0.92..., 1.0]
    """

    labels: np.ndarray
    centroids: np.ndarray
    method: str
    inertia: float
    confidence: np.ndarray | None = None
    membership: np.ndarray | None = None
    linkage: np.ndarray | None = None
    leaf_sizes: np.ndarray | None = None

    @property
    def k(self) -> int:
        """Number of segments (noise is not a segment)."""
        return int(self.centroids.shape[0])

    @property
    def members(self) -> np.ndarray:
        """Boolean mask of the rows that belong to a segment (all rows except noise)."""
        return np.asarray(self.labels != NOISE)

    @property
    def n_noise(self) -> int:
        """Number of customers in no segment (label :data:`NOISE`); 0 except for HDBSCAN."""
        return int(np.count_nonzero(self.labels == NOISE))
