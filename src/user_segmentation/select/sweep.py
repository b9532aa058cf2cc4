"""The k sweep: fit k-means for each k and gather the evidence for choosing k."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from user_segmentation.cluster import nearest_two
from user_segmentation.cluster.kmeans import kmeans_on_sorted
from user_segmentation.cluster.sorted_rows import SortedRows, sort_rows
from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.records import K_SCORE_COLUMNS
from user_segmentation.select.bic import bic_choice, mixture_bic
from user_segmentation.select.consensus import kneedle_elbow, recommend_k
from user_segmentation.select.gap import gap_choice, gap_statistic
from user_segmentation.select.silhouette import canonical_sample, silhouette_sweep
from user_segmentation.select.stability import bootstrap_stability
from user_segmentation.select.verdict import Verdict, judge

logger = logging.getLogger(__name__)


# eq=False: a generated __eq__ would compare DataFrames element-wise, which is ambiguous.
@dataclass(frozen=True, eq=False)
class KSelection:
    """The evidence for choosing k, and the verdict.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per k, columns :data:`~user_segmentation.records.K_SCORE_COLUMNS` (NaN for
        criteria that were switched off).
    elbow_k : int or None
        Kneedle elbow of the inertia curve; ``None`` when there is none.
    recommended_k : int
        Consensus choice (see :func:`~user_segmentation.select.consensus.recommend_k`).
    votes : dict
        The k each criterion prefers: ``"elbow"`` (when found), ``"silhouette"``,
        ``"davies_bouldin"``, ``"calinski_harabasz"``, and ``"gap"`` / ``"bic"`` when computed.
    rationale : str
        Sentences citing the numbers behind the choice and how far to trust it.
    verdict : Verdict
        Plausible range, structure strength, confidence, clear structure or not.
    silhouette_method : str
        ``"exact"`` or ``"sampled"``.
    silhouette_sample_size : int or None
        Rows in the silhouette sample when sampled.
    k_range : tuple of int
        The k actually compared, ``(first, last)``.
    gap_at_1 : dict or None
        ``{"gap": ..., "gap_se": ...}`` at k = 1, which the gap rule compares with k = 2.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=300, centers=3, n_features=2, random_state=1)
    >>> selection = sweep_k(X, 2, 6)
    >>> selection.recommended_k, selection.k_range, selection.verdict.clear_structure
    (3, (2, 6), True)
    """

    scores: pd.DataFrame
    elbow_k: int | None
    recommended_k: int
    votes: dict[str, int]
    rationale: str
    verdict: Verdict
    silhouette_method: str
    silhouette_sample_size: int | None
    k_range: tuple[int, int]
    gap_at_1: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The verdict as JSON-serialisable data (everything but ``scores``).

        Examples
        --------
        >>> from sklearn.datasets import make_blobs
        >>> X, _ = make_blobs(n_samples=300, centers=3, n_features=2, random_state=1)
        >>> sorted(sweep_k(X, 2, 4).to_dict())  # doctest: +NORMALIZE_WHITESPACE
        ['clear_structure', 'confidence', 'elbow_k', 'gap_at_1', 'k_range', 'plausible_range',
         'rationale', 'recommended_k', 'silhouette_method', 'silhouette_sample_size',
         'structure', 'votes']
        """
        return {
            "recommended_k": self.recommended_k,
            "elbow_k": self.elbow_k,
            "votes": dict(self.votes),
            "rationale": self.rationale,
            "plausible_range": list(self.verdict.plausible_range),
            "structure": self.verdict.structure,
            "confidence": self.verdict.confidence,
            "clear_structure": self.verdict.clear_structure,
            "silhouette_method": self.silhouette_method,
            "silhouette_sample_size": self.silhouette_sample_size,
            "k_range": list(self.k_range),
            "gap_at_1": self.gap_at_1,
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
    gap_refs: int = 10,
    bic: bool = True,
    stability_boots: int = 10,
    evidence_sample_size: int = 5_000,
    fit_max: int = 50_000,
) -> KSelection:
    """Fit k-means for each k, gather every index, recommend k and grade the recommendation.

    For each k in ``max(k_min, 2) .. min(k_max, n_distinct - 1)``, k-means (the same seed for
    every k) gives the inertia, and scikit-learn's Davies-Bouldin and Calinski-Harabasz
    indices are computed on all rows. Above ``fit_max`` rows, k-means is fitted on a seeded
    sample of ``fit_max`` rows and every row is then assigned to its nearest centre, so the
    indices still describe all customers while the fits stay bounded (50,000 rows place the
    centres of a segment of 1% of customers on about 500 members). The silhouette is exact
    up to ``silhouette_exact_max`` rows and otherwise computed on one seeded sample shared by
    every k, with a 95% interval.
    The gap statistic, the Gaussian-mixture BIC and bootstrap stability refit many models, so
    they run on a seeded sample of ``evidence_sample_size`` rows. The rows are sorted
    canonically first, so the result does not depend on their order.

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Preprocessed numeric matrix (PCA scores in practice).
    k_min, k_max : int, default 2 and 10
        The range of k to compare; k=1 is never recommended (the gap statistic alone looks at
        it) and k is kept below the number of distinct rows.
    random_state : int, default 0
        Seed of k-means and of every sample.
    n_init : int, default 4
        k-means initialisations per k.
    silhouette_exact_max : int, default 10_000
        Largest n for which the silhouette is exact.
    silhouette_sample_size : int, default 10_000
        Silhouette sample size above that.
    min_segment_size : int, default 1
        A k whose k-means solution has a smaller segment is scored but cannot be recommended
        (one outlier "segment" of a single whale is no use to anyone), unless no k qualifies.
    gap_refs : int, default 10
        Reference data sets of the gap statistic; 0 skips it.
    bic : bool, default True
        Whether to compute the Gaussian-mixture BIC.
    stability_boots : int, default 10
        Bootstrap resamples per k for stability; 0 skips it.
    evidence_sample_size : int, default 5_000
        Rows used by the gap statistic, BIC and stability.
    fit_max : int, default 50_000
        Largest number of rows k-means is fitted on in the sweep.

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
    >>> selection.verdict.confidence, selection.verdict.structure
    ('high', 'strong')
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
    fit_rows = canonical_sample(rows, fit_max, random_state=random_state)
    for k in ks:
        sorted_labels, within = _kmeans_labels(rows, fit_rows, k, random_state, n_init)
        inertia.append(within)
        davies.append(float(davies_bouldin_score(rows.X, sorted_labels)))
        calinski.append(float(calinski_harabasz_score(rows.X, sorted_labels)))
        labelings.append(sorted_labels)
        smallest.append(int(np.bincount(sorted_labels).min()))
    sil = silhouette_sweep(
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
            "silhouette": sil.values,
            "silhouette_low": sil.low,
            "silhouette_high": sil.high,
            "davies_bouldin": davies,
            "calinski_harabasz": calinski,
        },
    ).reindex(columns=K_SCORE_COLUMNS)
    scores[K_SCORE_COLUMNS[1:]] = scores[K_SCORE_COLUMNS[1:]].astype(np.float64)
    extra_votes: dict[str, int] = {}
    gap_at_1 = None
    seed, size = random_state, evidence_sample_size
    if gap_refs > 0:
        gap = gap_statistic(
            rows, [1, *ks], n_refs=gap_refs, n_init=n_init, random_state=seed, sample_size=size
        )
        extra_votes["gap"] = gap_choice(gap)
        # Row 0 is k = 1, the rest are ks in order.
        values, errors = gap["gap"].to_numpy(np.float64), gap["gap_se"].to_numpy(np.float64)
        gap_at_1 = {"gap": float(values[0]), "gap_se": float(errors[0])}
        scores["gap"], scores["gap_se"] = values[1:], errors[1:]
    if bic:
        table = mixture_bic(rows, ks, random_state=seed, sample_size=size)
        extra_votes["bic"] = bic_choice(table)
        scores["bic"] = table["bic"].to_numpy(np.float64)
    boots = {
        k: bootstrap_stability(
            rows, k, n_boot=stability_boots, n_init=n_init, random_state=seed, sample_size=size
        )
        for k in (ks if stability_boots > 0 else [])
    }
    if boots:
        scores["stability_jaccard"] = [float(np.mean(boots[k].jaccard)) for k in ks]
        scores["stability_ari"] = [float(boots[k].ari_mean) for k in ks]

    elbow = kneedle_elbow(ks, inertia)
    note = f"sampled on {sil.sample_size:,} customers" if sil.sample_size is not None else ""
    eligible = [size >= min_segment_size for size in smallest]
    votable = scores
    if any(eligible) and not all(eligible):
        votable = scores[eligible].reset_index(drop=True)
        elbow_vote = elbow if elbow in set(votable["k"]) else None
    else:
        elbow_vote = elbow
    recommended, votes, rationale = recommend_k(
        votable, elbow_vote, extra_votes=extra_votes, silhouette_note=note
    )
    if votable is not scores:
        excluded = [k for k, ok in zip(ks, eligible, strict=True) if not ok]
        rationale += (
            f" Not considered: k={', '.join(map(str, excluded))}, whose smallest segment has "
            f"fewer than {min_segment_size:,} customers."
        )
    at = ks.index(recommended)
    stability = float(np.mean(boots[recommended].jaccard)) if boots else None
    verdict = judge(recommended, votes, sil.values[at], stability=stability)
    return KSelection(
        scores=scores,
        elbow_k=elbow,
        recommended_k=recommended,
        votes=votes,
        rationale=f"{rationale} {verdict.summary}",
        verdict=verdict,
        silhouette_method=sil.method,
        silhouette_sample_size=sil.sample_size,
        k_range=(lo, hi),
        gap_at_1=gap_at_1,
    )


def _kmeans_labels(
    rows: SortedRows, fit_rows: SortedRows, k: int, random_state: int, n_init: int
) -> tuple[np.ndarray, float]:
    """k-means labels of every sorted row and the inertia over all rows.

    Fitted on ``fit_rows`` (all rows, or their canonical sample); when that is a sample, each
    row goes to its nearest centre.
    """
    if fit_rows is rows:
        fit = kmeans_on_sorted(
            rows, k, random_state=random_state, n_init=n_init, with_confidence=False
        )
        return fit.labels[rows.order], fit.inertia
    # The sample's own positions, so that the fit's labels stay in the sample's sorted order.
    local = SortedRows(X=fit_rows.X, order=np.arange(fit_rows.n), n_distinct=fit_rows.n_distinct)
    fit = kmeans_on_sorted(
        local, k, random_state=random_state, n_init=n_init, with_confidence=False
    )
    labels, distance, _ = nearest_two(rows.X, fit.centroids)
    return labels.astype(np.int64), float(np.sum(distance**2))
