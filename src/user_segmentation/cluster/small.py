"""Fold segments that are too small to report on their own into their nearest neighbours.

A segment of a dozen customers is close to a list of individuals (a privacy risk once exported)
and too small to act on. The merge reassigns its members to the nearest centroid among the
segments that are large enough, then renumbers canonically; it never refits, so the large
segments keep their members and only grow.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from user_segmentation.cluster.assign import nearest_two
from user_segmentation.cluster.canonical import canonical_labels, within_ss
from user_segmentation.cluster.confidence import centroid_confidence
from user_segmentation.cluster.result import Clustering
from user_segmentation.errors import ModelError

logger = logging.getLogger(__name__)


def merge_small_segments(X: np.ndarray, clustering: Clustering, min_size: int) -> Clustering:
    """Move the members of segments under ``min_size`` customers to the nearest large segment.

    Parameters
    ----------
    X
        The matrix ``clustering`` was fitted on (rows in the same order).
    clustering
        A centroid clustering (no noise label).
    min_size
        Smallest segment kept as it is.

    Returns
    -------
    Clustering
        ``clustering`` itself when no segment is small; otherwise a new result with canonical
        ids over the remaining segments, their centroids, inertia and confidence recomputed,
        and ``linkage`` dropped (the tree no longer matches the segments).

    Raises
    ------
    ModelError
        If every segment is under ``min_size`` (nothing to merge into).

    Examples
    --------
    >>> from user_segmentation.cluster import fit_kmeans
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [9.0]])
    >>> merged = merge_small_segments(X, fit_kmeans(X, 3), min_size=2)
    >>> merged.labels.tolist(), merged.k
    ([0, 0, 0, 1, 1, 1], 2)
    """
    sizes = np.bincount(clustering.labels, minlength=clustering.k)
    small = sizes < min_size
    if not small.any():
        return clustering
    if small.all():
        raise ModelError(
            f"every segment has fewer than {min_size} customers (largest: {int(sizes.max())}); "
            "lower profile.min_segment_size or choose fewer segments"
        )
    kept = np.flatnonzero(~small)
    labels = clustering.labels.copy()
    moving = small[labels]
    nearest, _, _ = nearest_two(X[moving], clustering.centroids[kept])
    labels[moving] = kept[nearest]
    logger.info(
        "merged %d small segment(s) (%d customers) into their nearest neighbours",
        int(small.sum()),
        int(moving.sum()),
    )
    new_labels, centroids = canonical_labels(X, labels)
    return replace(
        clustering,
        labels=new_labels,
        centroids=centroids,
        inertia=within_ss(X, new_labels, centroids),
        confidence=centroid_confidence(X, new_labels, centroids),
        membership=None,
        linkage=None,
        leaf_sizes=None,
    )
