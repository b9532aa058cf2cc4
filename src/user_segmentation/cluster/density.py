"""HDBSCAN: segments as dense regions, with customers in no dense region left out as noise."""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike
from sklearn.cluster import HDBSCAN
from sklearn.neighbors import NearestNeighbors

from user_segmentation.cluster.canonical import canonical_labels, within_ss
from user_segmentation.cluster.result import NOISE, Clustering
from user_segmentation.cluster.sorted_rows import (
    SortedRows,
    same_for_duplicates,
    sort_rows,
    unsort,
)
from user_segmentation.errors import ModelError

logger = logging.getLogger(__name__)


def fit_hdbscan(
    X: ArrayLike,
    *,
    min_cluster_size: int = 50,
    min_samples: int | None = None,
    cluster_selection_epsilon: float = 0.0,
    exact_max: int = 20_000,
    random_state: int = 0,
) -> Clustering:
    """Segment customers with HDBSCAN (scikit-learn's ``HDBSCAN``); the data choose k.

    Segments are the regions where customers are dense; customers between them are
    **noise**, labelled ``-1`` (:data:`~user_segmentation.cluster.result.NOISE`), and are
    not forced into any segment. ``k`` is the number of segments found (noise excluded),
    ids ``0..k-1`` are canonical over the members, and ``centroids``, ``inertia`` and the
    segment sizes count members only. ``confidence`` is HDBSCAN's membership strength
    (``probabilities_``, 0 for noise). Code that indexes by label (``centroids[labels]``,
    ``np.bincount(labels)``) must drop noise first: use ``result.members``.

    scikit-learn builds HDBSCAN's spanning tree in time growing as n² (measured at 20
    features: 1.4 s at 10,000 rows, 25-40 s at 30,000, 523 s at 100,000). Above ``exact_max``
    customers it is fitted on a seeded sample of ``exact_max`` rows, with
    ``min_cluster_size`` and ``min_samples`` scaled by the sampling fraction so that they
    keep meaning the same density. Every other customer is then placed as HDBSCAN would
    place one more point: among its nearest sampled customers it takes the one at the
    smallest *mutual reachability* distance (the largest of the two core distances and
    their distance apart); it joins that customer's segment if the customer is a member and
    the distance does not exceed the largest such joining distance among the segment's
    sampled members (so the newcomer is at least as well connected as the loosest of them),
    and is noise otherwise. Its confidence is that neighbour's. ``method`` then reads
    ``"hdbscan-sampled"``. On 100,000 × 20 planted blobs (8 segments) it recovered the
    segments (ARI 1.0, 32 customers noise) in 10-17 s, where the exact fit found the same
    8 segments with no noise in 523 s.

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Preprocessed numeric matrix.
    min_cluster_size : int, default 50
        Fewest customers a segment may have; smaller dense groups are noise.
    min_samples : int or None, default None
        Neighbours that make a customer a core point; larger values call more customers
        noise. ``None`` uses ``min_cluster_size``.
    cluster_selection_epsilon : float, default 0.0
        Segments closer than this distance are merged.
    exact_max : int, default 20_000
        Largest number of customers fitted without sampling.
    random_state : int, default 0
        Seed of the sample drawn above ``exact_max`` (HDBSCAN itself is deterministic).

    Returns
    -------
    Clustering
        ``method`` is ``"hdbscan"`` or ``"hdbscan-sampled"``; ``n_noise`` counts the noise.

    Raises
    ------
    ModelError
        If a setting is invalid, there are fewer customers than ``min_cluster_size`` or
        ``min_samples``, or every customer is noise (no segment found).
    DataQualityError
        If ``X`` holds NaN/inf.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [0.2], [0.3], [5.0], [5.1], [5.2], [20.0]])
    >>> result = fit_hdbscan(X, min_cluster_size=3, min_samples=2)
    >>> result.labels.tolist(), result.k, result.n_noise
    ([0, 0, 0, 0, 1, 1, 1, -1], 2, 1)
    """
    _check_settings(min_cluster_size, min_samples, cluster_selection_epsilon, exact_max)
    rows = sort_rows(X)
    neighbours = min_cluster_size if min_samples is None else min_samples
    needed = max(min_cluster_size, neighbours)
    if rows.n < needed:
        raise ModelError(
            f"HDBSCAN with min_cluster_size={min_cluster_size} and min_samples={neighbours} "
            f"needs at least {needed} customers, got {rows.n}"
        )
    if rows.n <= exact_max:
        raw, strength = _hdbscan(rows.X, min_cluster_size, neighbours, cluster_selection_epsilon)
        method = "hdbscan"
    else:
        raw, strength = _sampled(
            rows, min_cluster_size, neighbours, cluster_selection_epsilon, exact_max, random_state
        )
        method = "hdbscan-sampled"
    members = raw != NOISE
    if not members.any():
        raise ModelError(
            f"HDBSCAN found no segment: all {rows.n} customers are noise with "
            f"min_cluster_size={min_cluster_size}, min_samples={neighbours}; lower them"
        )
    sorted_labels = np.full(rows.n, NOISE, dtype=np.int64)
    member_labels, centroids = canonical_labels(rows.X[members], raw[members])
    sorted_labels[members] = member_labels
    logger.debug(
        "%s: %d segments, %d of %d customers noise",
        method,
        centroids.shape[0],
        int((~members).sum()),
        rows.n,
    )
    return Clustering(
        labels=unsort(rows, sorted_labels),
        centroids=centroids,
        method=method,
        inertia=within_ss(rows.X[members], member_labels, centroids),
        confidence=unsort(rows, np.where(members, strength, 0.0)),
    )


def _check_settings(
    min_cluster_size: int, min_samples: int | None, epsilon: float, exact_max: int
) -> None:
    """Refuse settings scikit-learn would refuse later, with the project's error."""
    if isinstance(min_cluster_size, bool) or min_cluster_size < 2:
        raise ModelError(f"min_cluster_size must be an integer ≥ 2, got {min_cluster_size!r}")
    if min_samples is not None and (isinstance(min_samples, bool) or min_samples < 1):
        raise ModelError(f"min_samples must be None or an integer ≥ 1, got {min_samples!r}")
    if not epsilon >= 0:
        raise ModelError(f"cluster_selection_epsilon must be ≥ 0, got {epsilon!r}")
    if exact_max < 2:
        raise ModelError(f"exact_max must be ≥ 2, got {exact_max!r}")


def _hdbscan(
    X: np.ndarray, min_cluster_size: int, min_samples: int, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Raw HDBSCAN labels (``-1`` for noise) and membership strengths of the rows of ``X``."""
    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=epsilon,
        # X is a private sorted copy, so HDBSCAN may work in it rather than copy it again.
        copy=False,
    )
    model.fit(X)
    return model.labels_.astype(np.int64), model.probabilities_.astype(np.float64)


def _sampled(
    rows: SortedRows,
    min_cluster_size: int,
    min_samples: int,
    epsilon: float,
    sample_size: int,
    random_state: int,
) -> tuple[np.ndarray, np.ndarray]:
    """HDBSCAN on a seeded sample of the sorted rows, the others placed by mutual reachability."""
    fraction = sample_size / rows.n
    sample_mcs = max(2, round(min_cluster_size * fraction))
    sample_ms = max(1, round(min_samples * fraction))
    # Drawn from the sorted rows, so the same customers are sampled whatever the input order.
    picked = np.sort(np.random.default_rng(random_state).choice(rows.n, sample_size, replace=False))
    sample = rows.X[picked]
    sample_labels, sample_strength = _hdbscan(sample.copy(), sample_mcs, sample_ms, epsilon)
    logger.info(
        "HDBSCAN on a sample of %d of %d customers (min_cluster_size=%d, min_samples=%d)",
        sample_size,
        rows.n,
        sample_mcs,
        sample_ms,
    )
    n_neighbours = max(sample_ms, 2)
    index = NearestNeighbors(n_neighbors=n_neighbours).fit(sample)
    # Querying the sample itself counts each point as its own first neighbour, as HDBSCAN's
    # core distances do.
    distance, neighbour = index.kneighbors(sample)
    core = distance[:, sample_ms - 1]
    # Mutual reachability distance at which each sampled customer joins its nearest one.
    joins_at = np.maximum(core[:, None], core[neighbour[:, 1:]]).min(axis=1)
    members = sample_labels != NOISE
    n_segments = int(sample_labels.max()) + 1
    loosest = np.full(max(n_segments, 1), -np.inf)
    np.maximum.at(loosest, sample_labels[members], joins_at[members])

    rest = np.ones(rows.n, dtype=bool)
    rest[picked] = False
    distance, neighbour = index.kneighbors(rows.X[rest])
    # A newcomer's own core distance: it would be its own first neighbour.
    own_core = distance[:, sample_ms - 2] if sample_ms >= 2 else np.zeros(distance.shape[0])
    reach = np.maximum(np.maximum(own_core[:, None], core[neighbour]), distance)
    best = reach.argmin(axis=1)
    picked_rows = np.arange(best.size)
    nearest = neighbour[picked_rows, best]
    segment = sample_labels[nearest]
    joins = (segment != NOISE) & (reach[picked_rows, best] <= loosest[np.maximum(segment, 0)])

    labels = np.full(rows.n, NOISE, dtype=np.int64)
    strength = np.zeros(rows.n, dtype=np.float64)
    labels[picked] = sample_labels
    strength[picked] = sample_strength
    labels[rest] = np.where(joins, segment, NOISE)
    strength[rest] = np.where(joins, sample_strength[nearest], 0.0)
    # A sampled customer and its unsampled twin may be placed differently.
    return same_for_duplicates(rows, labels), same_for_duplicates(rows, strength)
