"""The k sweep: fit k-means for each k and gather the evidence for choosing k."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from user_segmentation.cluster.kmeans import kmeans_on_sorted
from user_segmentation.cluster.sorted_rows import sort_rows
from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.records import K_SCORE_COLUMNS
from user_segmentation.select.consensus import kneedle_elbow, recommend_k
from user_segmentation.select.silhouette import silhouette_many

logger = logging.getLogger(__name__)


# eq=False: a generated __eq__ would compare DataFrames element-wise, which is ambiguous.
@dataclass(frozen=True, eq=False)
class KSelection:
    """The evidence for choosing k, and the verdict.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per k, columns :data:`~user_segmentation.records.K_SCORE_COLUMNS`.
    elbow_k : int or None
        Kneedle elbow of the inertia curve; ``None`` when there is none.
    recommended_k : int
        Consensus choice (see :func:`~user_segmentation.select.consensus.recommend_k`).
    votes : dict
        The k each criterion prefers: ``"elbow"`` (when found), ``"silhouette"``,
        ``"davies_bouldin"``, ``"calinski_harabasz"``.
    rationale : str
        Two to three sentences citing the numbers behind the choice.
    silhouette_method : str
        ``"exact"`` or ``"sampled"``.
    silhouette_sample_size : int or None
        Rows in the silhouette sample when sampled.
    k_range : tuple of int
        The k actually compared, ``(first, last)``.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=300, centers=3, n_features=2, random_state=1)
    >>> selection = sweep_k(X, 2, 6)
    >>> selection.recommended_k, selection.k_range
    (3, (2, 6))
    """

    scores: pd.DataFrame
    elbow_k: int | None
    recommended_k: int
    votes: dict[str, int]
    rationale: str
    silhouette_method: str
    silhouette_sample_size: int | None
    k_range: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        """The verdict as JSON-serialisable data (everything but ``scores``).

        Examples
        --------
        >>> from sklearn.datasets import make_blobs
        >>> X, _ = make_blobs(n_samples=300, centers=3, n_features=2, random_state=1)
        >>> sorted(sweep_k(X, 2, 4).to_dict())  # doctest: +NORMALIZE_WHITESPACE
        ['elbow_k', 'k_range', 'rationale', 'recommended_k', 'silhouette_method',
         'silhouette_sample_size', 'votes']
        """
        return {
            "recommended_k": self.recommended_k,
            "elbow_k": self.elbow_k,
            "votes": dict(self.votes),
            "rationale": self.rationale,
            "silhouette_method": self.silhouette_method,
            "silhouette_sample_size": self.silhouette_sample_size,
            "k_range": list(self.k_range),
        }


def sweep_k(
    X: ArrayLike,
    k_min: int = 2,
    k_max: int = 10,
    *,
    random_state: int = 0,
    n_init: int = 4,
    silhouette_exact_max: int = 10_000,
    silhouette_sample_size: int = 10_000,
    min_segment_size: int = 1,
) -> KSelection:
    """Fit k-means for each k and score it, then recommend k by consensus.

    For each k in ``max(k_min, 2) .. min(k_max, n_distinct - 1)``, k-means (the same seed for
    every k) gives the inertia, and scikit-learn's Davies-Bouldin and Calinski-Harabasz
    indices are computed on all rows. The silhouette is exact up to ``silhouette_exact_max``
    rows and otherwise computed on one seeded sample shared by every k. The rows are sorted
    canonically first, so the result does not depend on their order.

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Preprocessed numeric matrix (PCA scores in practice).
    k_min, k_max : int, default 2 and 10
        The range of k to compare; k=1 is never compared and k is kept below the number of
        distinct rows.
    random_state : int, default 0
        Seed of k-means and of the silhouette sample.
    n_init : int, default 4
        k-means initialisations per k.
    silhouette_exact_max : int, default 10_000
        Largest n for which the silhouette is exact.
    silhouette_sample_size : int, default 10_000
        Silhouette sample size above that.
    min_segment_size : int, default 1
        A k whose k-means solution has a smaller segment is scored but cannot be recommended
        (one outlier "segment" of a single whale is no use to anyone), unless no k qualifies.

    Returns
    -------
    KSelection

    Raises
    ------
    DataQualityError
        If ``X`` holds NaN/inf, or fewer than ``max(k_min, 2) + 1`` distinct rows.
    ModelError
        If ``k_max < max(k_min, 2)``.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=400, centers=4, n_features=3, cluster_std=0.5, random_state=0)
    >>> selection = sweep_k(X, 2, 7)
    >>> selection.recommended_k, selection.votes["silhouette"], selection.silhouette_method
    (4, 4, 'exact')
    >>> list(selection.scores.columns)
    ['k', 'inertia', 'silhouette', 'davies_bouldin', 'calinski_harabasz']
    """
    rows = sort_rows(X)
    lo = max(int(k_min), 2)
    if k_max < lo:
        raise ModelError(f"k range is empty: k_max={k_max} < k_min={lo} (k=1 is never compared)")
    need = lo + 1
    if rows.n_distinct < need:
        raise DataQualityError(
            f"need ≥ {need} distinct customers to compare k={lo}..{k_max}, "
            f"got {rows.n_distinct} distinct among {rows.n} customers"
        )
    hi = min(int(k_max), rows.n_distinct - 1)
    if hi < k_max:
        logger.info(
            "k range restricted to %d..%d: only %d distinct customers", lo, hi, rows.n_distinct
        )
    ks = list(range(lo, hi + 1))

    inertia, davies, calinski, labelings, smallest = [], [], [], [], []
    for k in ks:
        fit = kmeans_on_sorted(rows, k, random_state=random_state, n_init=n_init)
        sorted_labels = fit.labels[rows.order]
        inertia.append(fit.inertia)
        davies.append(float(davies_bouldin_score(rows.X, sorted_labels)))
        calinski.append(float(calinski_harabasz_score(rows.X, sorted_labels)))
        labelings.append(sorted_labels)
        smallest.append(int(np.bincount(sorted_labels).min()))
    sil, sil_method, sil_size = silhouette_many(
        rows.X,
        labelings,
        exact_max=silhouette_exact_max,
        sample_size=silhouette_sample_size,
        random_state=random_state,
    )
    scores = pd.DataFrame(
        {
            "k": np.asarray(ks, dtype=np.int64),
            "inertia": inertia,
            "silhouette": sil,
            "davies_bouldin": davies,
            "calinski_harabasz": calinski,
        },
        columns=K_SCORE_COLUMNS,
    )
    elbow = kneedle_elbow(ks, inertia)
    note = f"sampled on {sil_size:,} customers" if sil_size is not None else ""
    eligible = [size >= min_segment_size for size in smallest]
    if any(eligible) and not all(eligible):
        votable = scores[eligible].reset_index(drop=True)
        recommended, votes, rationale = recommend_k(
            votable, elbow if elbow in set(votable["k"]) else None, silhouette_note=note
        )
        excluded = [k for k, ok in zip(ks, eligible, strict=True) if not ok]
        rationale += (
            f" Not considered: k={', '.join(map(str, excluded))}, whose smallest segment has "
            f"fewer than {min_segment_size:,} customers."
        )
    else:
        recommended, votes, rationale = recommend_k(scores, elbow, silhouette_note=note)
    return KSelection(
        scores=scores,
        elbow_k=elbow,
        recommended_k=recommended,
        votes=votes,
        rationale=rationale,
        silhouette_method=sil_method,
        silhouette_sample_size=sil_size,
        k_range=(lo, hi),
    )
