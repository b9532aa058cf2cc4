"""Gaussian mixture: soft segments, each customer with a probability per segment."""

from __future__ import annotations

import logging
import warnings
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from user_segmentation.cluster.canonical import canonical_labels, within_ss
from user_segmentation.cluster.result import Clustering
from user_segmentation.cluster.sorted_rows import SortedRows, prepare, unsort
from user_segmentation.errors import ModelError

logger = logging.getLogger(__name__)

CovarianceType = Literal["full", "tied", "diag", "spherical"]
_COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def gaussian_mixture_on_sorted(
    rows: SortedRows,
    k: int,
    *,
    random_state: int = 0,
    covariance_type: CovarianceType = "full",
    n_init: int = 1,
    reg_covar: float = 1e-6,
    max_iter: int = 100,
) -> tuple[Clustering, GaussianMixture]:
    """Fit a Gaussian mixture on sorted rows; return the result and the fitted mixture.

    The mixture's components are reordered to the canonical segment ids, so its
    ``predict`` and ``predict_proba`` speak in segment ids (the :class:`Segmenter` uses it
    to assign new customers).

    Examples
    --------
    >>> from user_segmentation.cluster.sorted_rows import prepare
    >>> rows = prepare([[0.0], [0.1], [0.2], [9.0], [9.1]], 2)
    >>> result, mixture = gaussian_mixture_on_sorted(rows, 2)
    >>> result.labels.tolist(), mixture.predict([[8.0], [0.5]]).tolist()
    ([0, 0, 0, 1, 1], [1, 0])
    """
    if covariance_type not in _COVARIANCE_TYPES:
        raise ModelError(
            f"covariance_type must be one of {', '.join(_COVARIANCE_TYPES)}; "
            f"got {covariance_type!r}"
        )
    for name, value in (("n_init", n_init), ("max_iter", max_iter)):
        if value < 1:
            raise ModelError(f"{name} must be ≥ 1, got {value}")
    if not reg_covar >= 0:
        raise ModelError(f"reg_covar must be ≥ 0, got {reg_covar}")
    model = GaussianMixture(
        n_components=k,
        covariance_type=covariance_type,
        n_init=n_init,
        reg_covar=reg_covar,
        max_iter=max_iter,
        random_state=random_state,
    )
    # Reported once through logging rather than as a warning printed by scikit-learn.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            model.fit(rows.X)
        except ValueError as exc:  # e.g. a singular covariance with reg_covar=0
            raise ModelError(f"Gaussian mixture with k={k} could not be fitted: {exc}") from exc
    if not model.converged_:
        logger.warning(
            "Gaussian mixture k=%d did not converge in max_iter=%d EM steps; "
            "raise max_iter or lower k",
            k,
            max_iter,
        )
    raw = model.predict(rows.X)
    sorted_labels, centroids = canonical_labels(rows.X, raw)
    if centroids.shape[0] != k:
        raise ModelError(
            f"gmm gave customers to only {centroids.shape[0]} of its k={k} components "
            "(the others are too small or overlap); lower k"
        )
    # component_of[i] is the mixture component that became segment i.
    component_of = np.empty(k, dtype=np.int64)
    component_of[sorted_labels] = raw
    _reorder_components(model, component_of)
    membership = model.predict_proba(rows.X)
    confidence = membership[np.arange(rows.n), sorted_labels]
    result = Clustering(
        labels=unsort(rows, sorted_labels),
        centroids=centroids,
        method="gmm",
        inertia=within_ss(rows.X, sorted_labels, centroids),
        confidence=unsort(rows, confidence),
        membership=unsort(rows, membership),
    )
    return result, model


def _reorder_components(model: GaussianMixture, order: np.ndarray) -> None:
    """Permute the fitted components of ``model`` in place: component ``i`` becomes ``order[i]``."""
    names = ["weights_", "means_"]
    if model.covariance_type != "tied":  # a tied covariance is shared by all components
        names += ["covariances_", "precisions_", "precisions_cholesky_"]
    for name in names:
        setattr(model, name, getattr(model, name)[order])


def fit_gaussian_mixture(
    X: ArrayLike,
    k: int,
    *,
    random_state: int = 0,
    covariance_type: CovarianceType = "full",
    n_init: int = 1,
    reg_covar: float = 1e-6,
    max_iter: int = 100,
) -> Clustering:
    """Segment customers with a Gaussian mixture (scikit-learn's ``GaussianMixture``, EM).

    Each segment is a Gaussian with its own shape (``covariance_type="full"``), so segments
    may be elongated or of different spreads, unlike k-means' spheres. Every customer gets a
    probability of belonging to each segment (``membership``, columns in segment-id order)
    and is labelled with the most probable one; ``confidence`` is that probability.
    ``centroids`` are the means of the labelled members (close to the Gaussians' means).

    Parameters
    ----------
    X : array-like of shape (n_customers, d)
        Preprocessed numeric matrix.
    k : int
        Number of segments (mixture components).
    random_state : int, default 0
        Seed of the k-means initialisation of EM.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        Shape of each Gaussian: any ellipsoid, one ellipsoid shared by all, axis-aligned, or
        a sphere. ``"full"`` has ``k·d(d+1)/2`` covariance parameters; prefer ``"diag"``
        with many features and few customers.
    n_init : int, default 1
        Number of EM runs from different initialisations; the most likely is kept.
    reg_covar : float, default 1e-6
        Added to the covariance diagonals so that a segment on a flat subspace stays
        invertible.
    max_iter : int, default 100
        Maximum EM steps per run; not converging is logged as a warning.

    Returns
    -------
    Clustering
        ``method="gmm"``, with ``membership`` (n × k, rows sum to 1) and ``confidence``.

    Raises
    ------
    ModelError
        If ``k`` exceeds the number of customers, a setting is invalid, or some component
        ends up with no customer.
    DataQualityError
        If ``X`` holds NaN/inf or fewer than ``k`` distinct rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.2, 0.1], [0.1, 0.3], [5.0, 5.0], [5.1, 4.9], [5.2, 5.1]])
    >>> result = fit_gaussian_mixture(X, 2, covariance_type="spherical")
    >>> result.labels.tolist(), result.method
    ([0, 0, 0, 1, 1, 1], 'gmm')
    >>> result.membership.sum(axis=1).round(6).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    rows = prepare(X, k)
    result, _ = gaussian_mixture_on_sorted(
        rows,
        k,
        random_state=random_state,
        covariance_type=covariance_type,
        n_init=n_init,
        reg_covar=reg_covar,
        max_iter=max_iter,
    )
    return result
