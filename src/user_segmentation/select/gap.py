"""The gap statistic (Tibshirani, Walther & Hastie 2001): is there cluster structure, and how much?

For each k the log of the k-means within-segment sum of squares of the data is compared with
its expected value under a reference distribution with no clusters: uniform in the box
aligned with the principal components of the data (the paper's reference "b"). The gap is
the difference; the recommended k is the smallest whose gap is within one standard error of
the next one. Unlike the silhouette and the other indices of the sweep, the gap can answer
k = 1: "no cluster structure worth the name".

No maintained Python package implements the paper's method with its principal-component
reference box and standard-error rule, so it is written here on top of scikit-learn's k-means.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from user_segmentation.cluster.sorted_rows import SortedRows
from user_segmentation.errors import ModelError
from user_segmentation.select.silhouette import canonical_sample, k_values

logger = logging.getLogger(__name__)

#: Columns of the table returned by :func:`gap_statistic`.
GAP_COLUMNS = ["k", "log_wk", "ref_log_wk_mean", "gap", "gap_se"]


def gap_statistic(
    X: ArrayLike | SortedRows,
    ks: Iterable[int],
    *,
    n_refs: int = 10,
    random_state: int = 0,
    n_init: int = 1,
    sample_size: int = 5000,
) -> pd.DataFrame:
    """Gap statistic of k-means for each k, with its standard error.

    For each k, with W_k the k-means within-segment sum of squares (W_1: around the mean):

    - ``log_wk`` = log W_k on the data;
    - ``ref_log_wk_mean`` = the mean of log W*_kb over ``n_refs`` = B reference data sets of
      the same size, drawn uniformly in the box spanned by the data along its principal
      components (the data are centred, rotated onto their principal axes, the box is the
      range of each rotated coordinate, and the draws are rotated back);
    - ``gap`` = ``ref_log_wk_mean - log_wk``;
    - ``gap_se`` = s_k = sd_k·√(1 + 1/B), with sd_k the standard deviation (divisor B) of the
      B values log W*_kb.

    Every fit (data and references alike) uses the same k-means (scikit-learn, k-means++,
    ``n_init`` starts, seed ``random_state``), so its bias cancels in the gap. The cost is
    (B + 1)·|ks| k-means fits, so everything is computed on a seeded sample of at most
    ``sample_size`` rows, drawn in canonical row order (see
    :func:`~user_segmentation.select.silhouette.canonical_sample`): the result does not
    depend on the input row order, and the time does not grow with n beyond one sort.

    Parameters
    ----------
    X : array-like of shape (n, d), or SortedRows
        Preprocessed numeric matrix (PCA scores in practice), or rows already sorted by
        :func:`~user_segmentation.cluster.sorted_rows.sort_rows`.
    ks : iterable of int
        Numbers of segments to evaluate; k = 1 is allowed (and needed for the "no structure"
        answer of :func:`gap_choice`).
    n_refs : int, default 10
        Number B of reference data sets; at least 2.
    random_state : int, default 0
        Seed of the sample, the reference draws and k-means.
    n_init : int, default 1
        k-means initialisations per fit.
    sample_size : int, default 5000
        Largest number of rows used.

    Returns
    -------
    pandas.DataFrame
        One row per k (ascending), columns :data:`GAP_COLUMNS`.

    Raises
    ------
    ModelError
        If ``ks`` is empty or holds a k < 1, or ``n_refs < 2`` or ``n_init < 1``.
    DataQualityError
        If ``X`` holds NaN/inf, or the (sampled) rows have no more distinct rows than the
        largest k.

    References
    ----------
    R. Tibshirani, G. Walther and T. Hastie (2001), "Estimating the number of clusters in a
    data set via the gap statistic", J. R. Statist. Soc. B 63(2), 411-423.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=300, centers=3, cluster_std=0.5, random_state=2)
    >>> table = gap_statistic(X, range(1, 6), n_refs=5)
    >>> list(table.columns)
    ['k', 'log_wk', 'ref_log_wk_mean', 'gap', 'gap_se']
    >>> gap_choice(table)
    3
    """
    if n_refs < 2:
        raise ModelError(f"gap statistic: n_refs must be ≥ 2, got {n_refs}")
    if n_init < 1:
        raise ModelError(f"gap statistic: n_init must be ≥ 1, got {n_init}")
    rows = canonical_sample(X, sample_size, random_state=random_state)
    k_list = k_values(ks, smallest=1, n_distinct=rows.n_distinct, what="gap statistic")
    data = rows.X
    # A separate stream from the sample's, so that the references do not reuse its draws.
    rng = np.random.default_rng([random_state, 1])
    ref = np.empty((n_refs, len(k_list)))
    # Many small k-means fits, each on one thread: measured on 2 cores, a fit on 5,000 × 20
    # took 0.05 s on one thread but 0.7 s on two while another process kept a core busy (the
    # two threads wait on each other at every Lloyd step).
    with threadpool_limits(limits=1):
        log_wk = np.array([_log_within_ss(data, k, random_state, n_init) for k in k_list])
        for b, reference in enumerate(_reference_sets(data, n_refs, rng)):
            ref[b] = [_log_within_ss(reference, k, random_state, n_init) for k in k_list]
    ref_mean = ref.mean(axis=0)
    gap_se = ref.std(axis=0, ddof=0) * np.sqrt(1.0 + 1.0 / n_refs)
    logger.debug("gap statistic on %d rows, k=%s, B=%d", rows.n, k_list, n_refs)
    return pd.DataFrame(
        {
            "k": np.asarray(k_list, dtype=np.int64),
            "log_wk": log_wk,
            "ref_log_wk_mean": ref_mean,
            "gap": ref_mean - log_wk,
            "gap_se": gap_se,
        },
        columns=GAP_COLUMNS,
    )


def gap_choice(table: pd.DataFrame) -> int:
    """The k chosen by the gap statistic's one-standard-error rule.

    The rule of Tibshirani, Walther & Hastie: the smallest k such that
    ``Gap(k) >= Gap(k+1) - s_{k+1}``, where k+1 is the next k of the table. A choice of 1
    means the data show no cluster structure beyond what a single segment explains. When no
    k satisfies the rule (the gap still grows at the largest k), the largest k is returned,
    as R's ``cluster::maxSE`` does with ``"Tibs2001SEmax"``: a larger range may be worth
    trying.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``k``, ``gap`` and ``gap_se``, as returned by :func:`gap_statistic`.

    Returns
    -------
    int
        The chosen k.

    Raises
    ------
    ModelError
        If the table is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"k": [1, 2, 3, 4], "gap": [0.10, 0.50, 0.58, 0.60],
    ...                       "gap_se": [0.02, 0.02, 0.03, 0.03]})
    >>> gap_choice(table)  # 0.50 < 0.58 - 0.03, but 0.58 >= 0.60 - 0.03
    3
    """
    if table.empty:
        raise ModelError("gap_choice: the gap table is empty")
    ordered = table.sort_values("k")
    ks = ordered["k"].to_numpy()
    gap = ordered["gap"].to_numpy(dtype=np.float64)
    se = ordered["gap_se"].to_numpy(dtype=np.float64)
    for i in range(ks.size - 1):
        if gap[i] >= gap[i + 1] - se[i + 1]:
            return int(ks[i])
    return int(ks[-1])


def _log_within_ss(data: np.ndarray, k: int, random_state: int, n_init: int) -> float:
    """log W_k: log of the k-means within-segment sum of squares (k = 1: around the mean)."""
    if k == 1:
        centred = data - data.mean(axis=0)
        return float(np.log(np.einsum("ij,ij->", centred, centred)))
    model = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(data)
    return float(np.log(model.inertia_))


def _reference_sets(
    data: np.ndarray, n_refs: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """``n_refs`` uniform draws in the principal-component box of ``data`` (reference "b")."""
    mean = data.mean(axis=0)
    centred = data - mean
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    # Fix each axis' sign (largest loading positive) so the draws do not depend on the sign
    # convention of the SVD routine.
    signs = np.sign(vt[np.arange(vt.shape[0]), np.abs(vt).argmax(axis=1)])
    vt *= np.where(signs == 0, 1.0, signs)[:, None]
    scores = centred @ vt.T
    low, high = scores.min(axis=0), scores.max(axis=0)
    for _ in range(n_refs):
        yield (low + rng.random(scores.shape) * (high - low)) @ vt + mean
