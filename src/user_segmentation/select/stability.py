"""Bootstrap stability of k-means segments, in the manner of fpc's ``clusterboot`` (Hennig 2007).

A segment that is real should come back when the customers are resampled: refit k-means on a
bootstrap resample and look for the resampled segment that best matches each original one.
The mean Jaccard similarity of that best match over many resamples measures how stable the
segment is. Hennig's reading of the mean Jaccard:

- below 0.6: the segment should not be trusted (it "dissolves" under resampling);
- 0.6 to 0.75: it indicates a pattern in the data, but which customers belong is doubtful;
- 0.75 and above: a valid, stable segment;
- 0.85 and above: highly stable.

In a single resample, ``clusterboot`` counts a segment as dissolved at a Jaccard of 0.5 or
less, and as recovered above 0.75.

No maintained Python package implements ``clusterboot``, so its bootstrap scheme (with its
defaults: the resample's repeated customers counted once, Jaccard 0 for a segment absent
from a resample) is written here on top of scikit-learn's k-means.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from user_segmentation.cluster.kmeans import kmeans_on_sorted
from user_segmentation.cluster.sorted_rows import SortedRows
from user_segmentation.errors import ModelError
from user_segmentation.select.silhouette import canonical_sample, k_values

logger = logging.getLogger(__name__)

#: Columns of the table returned by :func:`stability_sweep`.
STABILITY_COLUMNS = ["k", "mean_jaccard", "min_jaccard", "ari_mean"]


# eq=False: a generated __eq__ would compare arrays element-wise, which is ambiguous.
@dataclass(frozen=True, eq=False)
class Stability:
    """Bootstrap stability of a k-means segmentation.

    Attributes
    ----------
    k : int
        Number of segments.
    jaccard : numpy.ndarray
        Mean Jaccard similarity of each segment with its best match over the resamples, shape
        ``(k,)``, segment ``i`` being canonical segment ``i`` of the k-means fit on the rows
        used (with ``n <= sample_size``: of ``fit_kmeans(X, k)`` with the same ``random_state``
        and ``n_init``).
    jaccard_values : numpy.ndarray
        The Jaccard similarity of each segment in each resample, shape ``(n_boot, k)``; e.g.
        ``(jaccard_values <= 0.5).sum(axis=0)`` counts how often each segment "dissolved".
    ari_mean : float
        Mean adjusted Rand index between each resample's segmentation and the original one,
        on the customers present in the resample.
    ari_values : numpy.ndarray
        Those adjusted Rand indices, shape ``(n_boot,)``.
    n_boot : int
        Number of bootstrap resamples.
    sample_size : int
        Rows the original fit and the resamples were drawn from.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=300, centers=3, cluster_std=0.5, random_state=1)
    >>> result = bootstrap_stability(X, 3, n_boot=5)
    >>> result.jaccard.shape, result.min_jaccard > 0.9
    ((3,), True)
    """

    k: int
    jaccard: np.ndarray
    jaccard_values: np.ndarray
    ari_mean: float
    ari_values: np.ndarray
    n_boot: int
    sample_size: int

    @property
    def mean_jaccard(self) -> float:
        """Mean of the segments' mean Jaccard similarities."""
        return float(self.jaccard.mean())

    @property
    def min_jaccard(self) -> float:
        """Mean Jaccard similarity of the least stable segment."""
        return float(self.jaccard.min())


def bootstrap_stability(
    X: ArrayLike | SortedRows,
    k: int,
    *,
    n_boot: int = 20,
    random_state: int = 0,
    sample_size: int = 5000,
    n_init: int = 1,
    reference: ArrayLike | None = None,
) -> Stability:
    """Bootstrap stability of the k-means segments, per segment and overall.

    k-means (scikit-learn, ``n_init`` starts, seed ``random_state``) is fitted once on the
    rows, then ``n_boot`` times on bootstrap resamples of them (drawn with replacement, each
    customer drawn at least once counted once, as ``clusterboot`` does by default). For each
    original segment and resample, the Jaccard similarity ``|C ∩ D| / |C ∪ D|`` with every
    resampled segment D is computed on the customers present in the resample, and the best
    is kept (0 if the segment has no customer in the resample). The adjusted Rand index
    between the two segmentations on those customers summarises the agreement as a whole.
    See the module docstring for Hennig's reading of the values.

    The cost is ``n_boot + 1`` k-means fits, so everything is computed on a seeded sample of
    at most ``sample_size`` rows drawn in canonical row order (see
    :func:`~user_segmentation.select.silhouette.canonical_sample`): the result does not
    depend on the input row order, and the time does not grow with n beyond one sort.

    Parameters
    ----------
    X : array-like of shape (n, d), or SortedRows
        Preprocessed numeric matrix, or rows already sorted by
        :func:`~user_segmentation.cluster.sorted_rows.sort_rows`.
    k : int
        Number of segments, at least 2.
    n_boot : int, default 20
        Number of bootstrap resamples (``clusterboot``'s default is 100).
    random_state : int, default 0
        Seed of the sample, the resamples and k-means.
    sample_size : int, default 5000
        Largest number of rows used.
    n_init : int, default 1
        k-means initialisations per fit.
    reference : array-like of shape (n,), optional
        Segments to assess instead of a k-means fit on the sample: ids ``0..k-1`` of every
        input row (e.g. a finished run's segments, whatever method made them). The resamples
        are still clustered with k-means, the reference segments are matched against them.

    Returns
    -------
    Stability

    Raises
    ------
    ModelError
        If ``k < 2``, ``n_boot < 1`` or ``n_init < 1``.
    DataQualityError
        If ``X`` holds NaN/inf, or the (sampled) rows have no more than k distinct rows.

    References
    ----------
    C. Hennig (2007), "Cluster-wise assessment of cluster stability", Computational Statistics
    & Data Analysis 52, 258-271; the R package fpc, function ``clusterboot``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=400, centers=4, cluster_std=0.6, random_state=3)
    >>> result = bootstrap_stability(X, 4, n_boot=10)
    >>> bool(np.all(result.jaccard > 0.9)), result.ari_values.shape
    (True, (10,))
    """
    _check_counts(n_boot, n_init)
    rows = canonical_sample(X, sample_size, random_state=random_state)
    (k,) = k_values([k], smallest=2, n_distinct=rows.n_distinct, what="bootstrap stability")
    original = None
    if reference is not None:
        labels = np.asarray(reference)
        n_input = X.n if isinstance(X, SortedRows) else len(np.asarray(X))
        if labels.shape != (n_input,) or labels.min() < 0 or labels.max() >= k:
            raise ModelError(
                f"bootstrap stability: reference must hold one id in 0..{k - 1} per row "
                f"({n_input} rows), got shape {labels.shape}"
            )
        original = labels[rows.order].astype(np.int64)
    return _stability(
        rows, k, n_boot=n_boot, random_state=random_state, n_init=n_init, original=original
    )


def stability_sweep(
    X: ArrayLike | SortedRows,
    ks: Iterable[int],
    *,
    n_boot: int = 20,
    random_state: int = 0,
    sample_size: int = 5000,
    n_init: int = 1,
) -> pd.DataFrame:
    """Bootstrap stability (see :func:`bootstrap_stability`) for each k, on one shared sample.

    Costs ``|ks| · (n_boot + 1)`` k-means fits on at most ``sample_size`` rows: meant for the
    few k that the other criteria leave in contention rather than for a long range.

    Stability alone does not choose k: a coarser segmentation that merges well-separated
    groups is stable too (k=2 and k=3 in the example below), while splitting a real group
    is not (k=4). It tells which of the candidate k can be trusted.

    Parameters
    ----------
    X : array-like of shape (n, d), or SortedRows
        Preprocessed numeric matrix, or rows already sorted.
    ks : iterable of int
        Numbers of segments, each at least 2.
    n_boot, random_state, sample_size, n_init
        As in :func:`bootstrap_stability`.

    Returns
    -------
    pandas.DataFrame
        One row per k (ascending), columns :data:`STABILITY_COLUMNS`: the mean over segments
        of their mean Jaccard, the smallest segment mean Jaccard, and the mean adjusted Rand
        index.

    Raises
    ------
    ModelError
        If ``ks`` is empty or holds a k < 2, or ``n_boot < 1`` or ``n_init < 1``.
    DataQualityError
        If ``X`` holds NaN/inf, or the (sampled) rows have no more distinct rows than the
        largest k.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=300, centers=3, cluster_std=0.6, random_state=2)
    >>> stability_sweep(X, [2, 3, 4], n_boot=10).round(2)
       k  mean_jaccard  min_jaccard  ari_mean
    0  2          1.00         1.00      1.00
    1  3          1.00         1.00      1.00
    2  4          0.71         0.55      0.78
    """
    _check_counts(n_boot, n_init)
    rows = canonical_sample(X, sample_size, random_state=random_state)
    k_list = k_values(ks, smallest=2, n_distinct=rows.n_distinct, what="bootstrap stability")
    results = [
        _stability(rows, k, n_boot=n_boot, random_state=random_state, n_init=n_init) for k in k_list
    ]
    return pd.DataFrame(
        {
            "k": np.asarray(k_list, dtype=np.int64),
            "mean_jaccard": [r.mean_jaccard for r in results],
            "min_jaccard": [r.min_jaccard for r in results],
            "ari_mean": [r.ari_mean for r in results],
        },
        columns=STABILITY_COLUMNS,
    )


def _check_counts(n_boot: int, n_init: int) -> None:
    if n_boot < 1:
        raise ModelError(f"bootstrap stability: n_boot must be ≥ 1, got {n_boot}")
    if n_init < 1:
        raise ModelError(f"bootstrap stability: n_init must be ≥ 1, got {n_init}")


def _stability(
    rows: SortedRows,
    k: int,
    *,
    n_boot: int,
    random_state: int,
    n_init: int,
    original: np.ndarray | None = None,
) -> Stability:
    """Bootstrap stability of k-means on ``rows`` (already sampled and canonically sorted)."""
    # Fitted as rows numbered 0..m-1 in their sorted order, so the canonical labels come back
    # in the order of ``rows.X`` (``rows.order`` holds positions in the caller's input).
    local = SortedRows(
        X=rows.X, order=np.arange(rows.n, dtype=np.int64), n_distinct=rows.n_distinct
    )
    # Many small k-means fits, each on one thread: measured on 2 cores, a fit on 5,000 × 20
    # took 0.05 s on one thread but 0.7 s on two while another process kept a core busy (the
    # two threads wait on each other at every Lloyd step).
    with threadpool_limits(limits=1):
        return _bootstrap(
            local, k, n_boot=n_boot, random_state=random_state, n_init=n_init, original=original
        )


def _bootstrap(
    rows: SortedRows,
    k: int,
    *,
    n_boot: int,
    random_state: int,
    n_init: int,
    original: np.ndarray | None = None,
) -> Stability:
    """The clusterboot loop on sorted rows whose ``order`` is ``0..m-1``."""
    data = rows.X
    m = rows.n
    if original is None:
        original = kmeans_on_sorted(rows, k, random_state=random_state, n_init=n_init).labels
    # A separate stream from the sample's (seeded by random_state alone).
    rng = np.random.default_rng([random_state, 2])
    jaccard = np.zeros((n_boot, k))
    ari = np.empty(n_boot)
    for b in range(n_boot):
        # np.unique sorts, so the resample stays in canonical row order.
        present = np.unique(rng.integers(0, m, size=m))
        points = data[present]
        distinct = int(np.any(points[1:] != points[:-1], axis=1).sum()) + 1
        # A tiny resample may hold fewer distinct customers than k: fit what it allows.
        k_boot = min(k, distinct)
        boot = KMeans(n_clusters=k_boot, n_init=n_init, random_state=random_state).fit_predict(
            points
        )
        own = original[present]
        jaccard[b] = best_jaccard(own, boot, k)
        ari[b] = adjusted_rand_score(own, boot)
    logger.debug("bootstrap stability k=%d on %d rows, %d resamples", k, m, n_boot)
    return Stability(
        k=k,
        jaccard=jaccard.mean(axis=0),
        jaccard_values=jaccard,
        ari_mean=float(ari.mean()),
        ari_values=ari,
        n_boot=n_boot,
        sample_size=m,
    )


def best_jaccard(original: np.ndarray, resampled: np.ndarray, k: int) -> np.ndarray:
    """For each original segment, its highest Jaccard similarity with a resampled segment.

    Both labelings cover the same customers (those present in a resample). The Jaccard
    similarity of segments C and D is ``|C ∩ D| / |C ∪ D|``; a segment with no customer here
    scores 0 (``clusterboot``'s ``zerobyzero = 0``).

    Parameters
    ----------
    original : numpy.ndarray of shape (m,)
        Original segment ids ``0..k-1``.
    resampled : numpy.ndarray of shape (m,)
        Segment ids ``0..j-1`` of the fit on the resample.
    k : int
        Number of original segments.

    Returns
    -------
    numpy.ndarray
        Shape ``(k,)``.

    Examples
    --------
    >>> import numpy as np
    >>> best_jaccard(np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 1, 1, 1]), 3).tolist()
    [0.6666666666666666, 0.75, 0.0]
    """
    j = int(resampled.max()) + 1 if resampled.size else 1
    table = np.bincount(original * j + resampled, minlength=k * j).reshape(k, j)
    union = table.sum(axis=1)[:, None] + table.sum(axis=0)[None, :] - table
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = np.where(union > 0, table / union, 0.0)
    return np.asarray(similarity.max(axis=1), dtype=np.float64)
