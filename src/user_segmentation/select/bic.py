"""BIC of Gaussian mixtures over k: a likelihood-based view of the number of segments."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from user_segmentation.cluster.sorted_rows import SortedRows
from user_segmentation.errors import ModelError
from user_segmentation.select.silhouette import canonical_sample, k_values

logger = logging.getLogger(__name__)

#: Columns of the table returned by :func:`mixture_bic`.
BIC_COLUMNS = ["k", "bic"]

_COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def mixture_bic(
    X: ArrayLike | SortedRows,
    ks: Iterable[int],
    *,
    random_state: int = 0,
    covariance_type: str = "full",
    sample_size: int = 20_000,
    n_init: int = 1,
) -> pd.DataFrame:
    """Bayesian information criterion of a Gaussian mixture with k components, for each k.

    ``BIC = -2 log L + p log m`` (lower is better), with L the likelihood of the fitted
    mixture on the m rows it was fitted on and p its number of free parameters, as computed
    by scikit-learn's ``GaussianMixture.bic``. Every k is fitted on the same seeded sample of
    at most ``sample_size`` rows, drawn in canonical row order (see
    :func:`~user_segmentation.select.silhouette.canonical_sample`), so the values are
    comparable across k, do not depend on the input row order, and cost O(sample_size) per EM
    iteration whatever n is. The mixtures start from k-means++ seeds (not a full k-means run,
    which costs more than the EM itself here).

    Where k-means assumes round segments of equal spread, a full-covariance mixture lets each
    segment have its own shape; the BIC then weighs fit against the number of parameters
    (k·d·(d+3)/2 + k - 1 for ``"full"``), which grows fast with d.

    Parameters
    ----------
    X : array-like of shape (n, d), or SortedRows
        Preprocessed numeric matrix, or rows already sorted by
        :func:`~user_segmentation.cluster.sorted_rows.sort_rows`.
    ks : iterable of int
        Numbers of components; k = 1 is allowed.
    random_state : int, default 0
        Seed of the sample and of the mixture initialisation.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        Covariance structure of the components (scikit-learn's parameter).
    sample_size : int, default 20_000
        Largest number of rows used. EM on full covariances costs O(m·k·d²) per iteration;
        measured on 2 cores, k = 1..12 on 20 columns took about 10 s with 20,000 rows and
        8 s with 10,000.
    n_init : int, default 1
        EM initialisations per k; the best likelihood is kept.

    Returns
    -------
    pandas.DataFrame
        One row per k (ascending), columns :data:`BIC_COLUMNS`.

    Raises
    ------
    ModelError
        If ``ks`` is empty or holds a k < 1, ``covariance_type`` or ``n_init`` is invalid, or a
        mixture cannot be fitted (degenerate covariances).
    DataQualityError
        If ``X`` holds NaN/inf, or the (sampled) rows have no more distinct rows than the
        largest k.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=400, centers=3, n_features=2, random_state=4)
    >>> table = mixture_bic(X, range(1, 6))
    >>> list(table.columns), bic_choice(table)
    (['k', 'bic'], 3)
    """
    if covariance_type not in _COVARIANCE_TYPES:
        raise ModelError(
            f"covariance_type must be one of {', '.join(_COVARIANCE_TYPES)}, "
            f"got {covariance_type!r}"
        )
    if n_init < 1:
        raise ModelError(f"mixture BIC: n_init must be ≥ 1, got {n_init}")
    rows = canonical_sample(X, sample_size, random_state=random_state)
    k_list = k_values(ks, smallest=1, n_distinct=rows.n_distinct, what="mixture BIC")
    bic = [
        _fit_bic(rows.X, k, covariance_type=covariance_type, n_init=n_init, seed=random_state)
        for k in k_list
    ]
    logger.debug("mixture BIC on %d rows for k=%s", rows.n, k_list)
    return pd.DataFrame(
        {"k": np.asarray(k_list, dtype=np.int64), "bic": np.asarray(bic, dtype=np.float64)},
        columns=BIC_COLUMNS,
    )


def bic_choice(table: pd.DataFrame) -> int:
    """The k with the lowest BIC (the smaller k on a tie).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``k`` and ``bic``, as returned by :func:`mixture_bic`.

    Returns
    -------
    int

    Raises
    ------
    ModelError
        If the table is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> bic_choice(pd.DataFrame({"k": [1, 2, 3], "bic": [510.0, 480.5, 495.2]}))
    2
    """
    if table.empty:
        raise ModelError("bic_choice: the BIC table is empty")
    ordered = table.sort_values("k")
    return int(ordered["k"].to_numpy()[np.argmin(ordered["bic"].to_numpy(dtype=np.float64))])


def _fit_bic(data: np.ndarray, k: int, *, covariance_type: str, n_init: int, seed: int) -> float:
    model = GaussianMixture(
        n_components=k,
        covariance_type=covariance_type,
        n_init=n_init,
        init_params="k-means++",
        random_state=seed,
    )
    # One thread: measured on 2 cores, the mixture's many small (d × d) triangular solves ran
    # ~100× slower on two OpenBLAS threads than on one, and a whole k=1..12 sweep on
    # 20,000 × 20 took half the time on one thread.
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            model.fit(data)
        except ValueError as exc:
            raise ModelError(
                f"mixture BIC: a {covariance_type}-covariance mixture with k={k} cannot be "
                f"fitted on these {data.shape[0]} rows: {exc}"
            ) from exc
        bic = float(model.bic(data))
    for w in seen:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if any(issubclass(w.category, ConvergenceWarning) for w in seen):
        logger.warning(
            "mixture BIC: EM did not converge for k=%d in %d iterations; its BIC may be high",
            k,
            model.max_iter,
        )
    return bic
