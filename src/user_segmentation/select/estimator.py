"""The k sweep as a scikit-learn estimator, for pipelines and grid tools."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data

from user_segmentation.errors import ModelError
from user_segmentation.select.sweep import sweep_k

logger = logging.getLogger(__name__)


class KSelector(BaseEstimator):
    """Choose the number of segments by the k sweep (:func:`~user_segmentation.select.sweep_k`).

    ``fit`` runs k-means for each k in ``k_min .. k_max``, scores every k (inertia,
    silhouette, Davies-Bouldin, Calinski-Harabasz, gap, BIC, stability), recommends one by
    consensus and grades it. The range
    is clipped to what the data allow (k below the number of distinct rows), so small data
    give a shorter sweep rather than an error. Large data cost what ``sweep_k`` costs: k-means
    on at most ``fit_max`` rows per k, the other indices on bounded samples.

    Parameters
    ----------
    k_min, k_max : int, default 2 and 10
        The range of k to compare (k=1 is never compared).
    random_state : int, default 0
        Seed of k-means and of the silhouette sample.
    n_init : int, default 4
        k-means initialisations per k.
    silhouette_exact_max : int, default 10_000
        Largest number of rows for which the silhouette is exact.
    silhouette_sample_size : int, default 10_000
        Silhouette sample size above that.
    min_segment_size : int, default 1
        A k whose smallest segment is smaller cannot be recommended (unless no k qualifies).
    gap_refs, bic, stability_boots, evidence_sample_size, fit_max
        As in :func:`~user_segmentation.select.sweep_k`: gap reference sets (0 skips the gap),
        whether to compute the mixture BIC, bootstrap resamples per k (0 skips stability),
        rows sampled for those three, and the largest number of rows k-means is fitted on.

    Attributes
    ----------
    scores_ : pandas.DataFrame
        One row per k compared, the sweep's score table.
    recommended_k_ : int
        The consensus choice.
    elbow_k_ : int or None
        Kneedle elbow of the inertia curve, ``None`` when there is none.
    votes_ : dict
        The k each criterion prefers.
    rationale_ : str
        Sentences citing the numbers behind the choice.
    k_range_ : tuple of int
        The k actually compared, ``(first, last)``.
    silhouette_method_ : str
        ``"exact"`` or ``"sampled"``.
    verdict_ : Verdict
        Plausible range, structure strength, confidence, clear structure or not.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : numpy.ndarray
        Column names seen in ``fit``, when ``X`` had string column names.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=400, centers=4, n_features=3, cluster_std=0.5, random_state=0)
    >>> selector = KSelector(k_max=7).fit(X)
    >>> selector.recommended_k_, selector.k_range_
    (4, (2, 7))
    >>> KSelector(k_max=12).fit(X[:6]).k_range_  # 6 rows: k up to 5
    (2, 5)
    """

    def __init__(
        self,
        k_min: int = 2,
        k_max: int = 10,
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
    ) -> None:
        self.k_min = k_min
        self.k_max = k_max
        self.random_state = random_state
        self.n_init = n_init
        self.silhouette_exact_max = silhouette_exact_max
        self.silhouette_sample_size = silhouette_sample_size
        self.min_segment_size = min_segment_size
        self.gap_refs = gap_refs
        self.bic = bic
        self.stability_boots = stability_boots
        self.evidence_sample_size = evidence_sample_size
        self.fit_max = fit_max

    def fit(self, X: ArrayLike, y: Any = None) -> KSelector:
        """Run the k sweep on ``X`` and store its evidence and verdict.

        Parameters
        ----------
        X : array-like of shape (n_customers, d)
            Preprocessed numeric matrix; at least 3 rows (k=2 needs a third row to compare).
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        KSelector
            ``self``, fitted.

        Raises
        ------
        ModelError
            If a parameter is out of range (e.g. ``k_max < k_min``).
        DataQualityError
            If ``X`` has fewer than 3 distinct rows.
        ValueError
            If ``X`` is not a finite 2-D numeric matrix of at least 3 rows (scikit-learn's
            own input validation).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.array([[0.0], [0.1], [5.0], [5.1], [9.0], [9.2]])
        >>> KSelector(k_max=3).fit(X).recommended_k_
        3
        """
        for name in ("k_min", "k_max", "n_init", "min_segment_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ModelError(f"KSelector: {name} must be a positive integer, got {value!r}")
        arr = validate_data(self, X, dtype=np.float64, ensure_min_samples=3)
        lo = max(int(self.k_min), 2)
        if self.k_max < lo:
            raise ModelError(f"KSelector: k_max={self.k_max} < k_min={lo} (k=1 is never compared)")
        # k must stay below the number of rows; sweep_k also keeps it below the number of
        # distinct rows, which it counts anyway.
        k_max = min(int(self.k_max), arr.shape[0] - 1)
        if k_max < self.k_max:
            logger.info("KSelector: k_max clipped from %d to %d rows - 1", self.k_max, k_max)
        k_min = min(lo, k_max)
        selection = sweep_k(
            arr,
            k_min,
            k_max,
            random_state=self.random_state,
            n_init=self.n_init,
            silhouette_exact_max=self.silhouette_exact_max,
            silhouette_sample_size=self.silhouette_sample_size,
            min_segment_size=self.min_segment_size,
            gap_refs=self.gap_refs,
            bic=self.bic,
            stability_boots=self.stability_boots,
            evidence_sample_size=self.evidence_sample_size,
            fit_max=self.fit_max,
        )
        self.scores_ = selection.scores
        self.recommended_k_ = selection.recommended_k
        self.elbow_k_ = selection.elbow_k
        self.votes_ = dict(selection.votes)
        self.rationale_ = selection.rationale
        self.k_range_ = selection.k_range
        self.silhouette_method_ = selection.silhouette_method
        self.verdict_ = selection.verdict
        return self
