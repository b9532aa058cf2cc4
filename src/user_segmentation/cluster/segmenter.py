"""``Segmenter``: every clustering method of the package behind the scikit-learn contract."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial.distance import cdist
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from user_segmentation.cluster.assign import nearest_two
from user_segmentation.cluster.bisecting import fit_bisecting_kmeans
from user_segmentation.cluster.checks import validate_matrix
from user_segmentation.cluster.density import fit_hdbscan
from user_segmentation.cluster.kmeans import fit_kmeans
from user_segmentation.cluster.minibatch import fit_minibatch_kmeans
from user_segmentation.cluster.mixture import gaussian_mixture_on_sorted
from user_segmentation.cluster.result import Clustering
from user_segmentation.cluster.sorted_rows import prepare
from user_segmentation.cluster.ward import fit_ward
from user_segmentation.errors import DataQualityError, ModelError, SegmentationError

logger = logging.getLogger(__name__)

#: Methods a :class:`Segmenter` can run.
METHODS = ("kmeans", "minibatch", "bisecting", "ward", "gmm", "hdbscan")

#: Initialisations each method runs when ``n_init`` is None.
DEFAULT_N_INIT = {"kmeans": 10, "minibatch": 3, "bisecting": 1, "gmm": 1}


def _is_gmm(estimator: Segmenter) -> bool:
    return estimator.method == "gmm"


class Segmenter(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """Segment customers with any of the package's methods, as a scikit-learn estimator.

    ``fit`` runs the pure function of the chosen method (:func:`fit_kmeans`,
    :func:`fit_minibatch_kmeans`, :func:`fit_bisecting_kmeans`, :func:`fit_ward`,
    :func:`fit_gaussian_mixture`, :func:`fit_hdbscan`), so ids are canonical and the same
    data and seed give the same segments whatever the row order.

    Parameters
    ----------
    method : {"kmeans", "minibatch", "bisecting", "ward", "gmm", "hdbscan"}, default "kmeans"
        Clustering method.
    n_segments : int, default 8
        Number of segments; ignored by ``"hdbscan"``, which finds it from the data. It is not
        lowered to fit small data: asking for more segments than customers (or than distinct
        customers) raises an error.
    random_state : int, default 0
        Seed of every random step.
    n_init : int or None, default None
        Initialisations of k-means, mini-batch k-means, bisecting k-means (per split) and the
        mixture; ``None`` uses each method's default (10, 3, 1 and 1). Ignored by Ward and
        HDBSCAN.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        Shape of the Gaussians of ``"gmm"``.
    min_cluster_size : int, default 50
        Smallest segment ``"hdbscan"`` may form.
    min_samples : int or None, default None
        Core-point neighbours of ``"hdbscan"``; ``None`` uses ``min_cluster_size``.
    batch_size : int, default 4096
        Rows per step of ``"minibatch"``.
    exact_max : int or None, default None
        Number of customers above which ``"ward"`` switches to its two-step version and
        ``"hdbscan"`` to a sample; ``None`` uses their defaults (10,000 and 20,000).

    Attributes
    ----------
    labels_ : numpy.ndarray
        Segment id of each training row, ``0..n_segments_-1``; ``-1`` marks noise for
        ``"hdbscan"`` only.
    cluster_centers_ : numpy.ndarray
        ``n_segments_ × n_features_in_`` mean of each segment's members.
    n_segments_ : int
        Number of segments found (noise excluded).
    confidence_ : numpy.ndarray
        Per training row, in ``[0, 1]``: relative centroid margin, mixture posterior or
        HDBSCAN membership strength (see :class:`Clustering`).
    membership_ : numpy.ndarray or None
        ``"gmm"`` only: posterior probability of each segment per training row.
    n_noise_ : int
        Training rows in no segment (``"hdbscan"`` only; 0 otherwise).
    method_ : str
        What actually ran, e.g. ``"ward-exact"`` or ``"ward-two-step"``.
    inertia_ : float
        Within-segment sum of squared distances to the centres (members only).
    clustering_ : Clustering
        The full result of the fit.
    mixture_ : sklearn.mixture.GaussianMixture
        ``"gmm"`` only: the fitted mixture, components in segment-id order.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : numpy.ndarray
        Column names seen in ``fit``, when ``X`` had string column names.

    Notes
    -----
    ``predict`` assigns new rows to the segment with the nearest centre for every method but
    ``"gmm"``, which uses the mixture's most probable component. For Ward and bisecting
    k-means a few training rows near a boundary sit in a segment whose centre is not the
    nearest, so ``predict(X)`` may differ from ``labels_`` there. For ``"hdbscan"`` the
    centres are those of the non-noise segments and ``predict`` never returns ``-1``:
    it tells which segment a new customer is closest to, not whether it lies in a dense
    region. ``transform`` gives the Euclidean distance to each centre; ``predict_proba``
    exists for ``"gmm"`` only.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.2, 0.1], [5.0, 5.0], [5.1, 4.9], [5.2, 5.0]])
    >>> model = Segmenter(n_segments=2).fit(X)
    >>> model.labels_.tolist(), model.method_
    ([1, 1, 0, 0, 0], 'kmeans')
    >>> model.predict([[4.0, 4.0], [0.0, 1.0]]).tolist()
    [0, 1]
    >>> Segmenter(method="gmm", n_segments=2).fit(X).predict_proba([[5.0, 5.0]]).round(3).tolist()
    [[1.0, 0.0]]
    """

    def __init__(
        self,
        method: str = "kmeans",
        n_segments: int = 8,
        *,
        random_state: int = 0,
        n_init: int | None = None,
        covariance_type: str = "full",
        min_cluster_size: int = 50,
        min_samples: int | None = None,
        batch_size: int = 4096,
        exact_max: int | None = None,
    ) -> None:
        self.method = method
        self.n_segments = n_segments
        self.random_state = random_state
        self.n_init = n_init
        self.covariance_type = covariance_type
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.batch_size = batch_size
        self.exact_max = exact_max

    def fit(self, X: ArrayLike, y: object = None) -> Segmenter:
        """Find the segments of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_customers, n_features)
            Preprocessed numeric matrix.
        y : ignored
            Present for the scikit-learn API.

        Returns
        -------
        Segmenter
            The fitted estimator.

        Raises
        ------
        ModelError
            If a setting is invalid or the data cannot support ``n_segments``.
        DataQualityError
            If ``X`` is empty, sparse, non-numeric or holds NaN/inf.

        Examples
        --------
        >>> Segmenter(method="ward", n_segments=2).fit([[0.0], [1.0], [9.0]]).labels_.tolist()
        [0, 0, 1]
        """
        if self.method not in METHODS:
            raise ModelError(f"method must be one of {', '.join(METHODS)}; got {self.method!r}")
        seed = self.random_state
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise ModelError(f"random_state must be an integer, got {seed!r}")
        arr = self._validated(X, reset=True)
        result = self._fit_method(arr, int(seed))
        self.clustering_ = result
        self.labels_ = result.labels
        self.cluster_centers_ = result.centroids
        self.n_segments_ = result.k
        self.confidence_ = result.confidence
        self.membership_ = result.membership
        self.n_noise_ = result.n_noise
        self.method_ = result.method
        self.inertia_ = result.inertia
        self._n_features_out = result.k
        logger.debug("Segmenter %s: %d segments", result.method, result.k)
        return self

    def _fit_method(self, X: np.ndarray, seed: int) -> Clustering:
        """Run the pure function of ``self.method`` on validated ``X``."""
        k = self.n_segments
        n_init = DEFAULT_N_INIT.get(self.method, 1) if self.n_init is None else self.n_init
        if self.method == "kmeans":
            return fit_kmeans(X, k, random_state=seed, n_init=n_init)
        if self.method == "minibatch":
            return fit_minibatch_kmeans(
                X, k, random_state=seed, n_init=n_init, batch_size=self.batch_size
            )
        if self.method == "bisecting":
            return fit_bisecting_kmeans(X, k, random_state=seed, n_init=n_init)
        if self.method == "ward":
            extra: dict[str, Any] = {} if self.exact_max is None else {"exact_max": self.exact_max}
            return fit_ward(X, k, random_state=seed, **extra)
        if self.method == "gmm":
            result, self.mixture_ = gaussian_mixture_on_sorted(
                prepare(X, k),
                k,
                random_state=seed,
                covariance_type=self.covariance_type,  # type: ignore[arg-type]
                n_init=n_init,
            )
            return result
        extra = {} if self.exact_max is None else {"exact_max": self.exact_max}
        return fit_hdbscan(
            X,
            min_cluster_size=self.min_cluster_size,
            min_samples=self.min_samples,
            random_state=seed,
            **extra,
        )

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Segment id of each row of ``X``: nearest centre, or most probable for ``"gmm"``.

        Examples
        --------
        >>> model = Segmenter(n_segments=2).fit([[0.0], [1.0], [9.0]])
        >>> model.predict([[8.0], [-1.0]]).tolist()
        [1, 0]
        """
        check_is_fitted(self)
        arr = self._validated(X, reset=False)
        if self.method_ == "gmm":
            return np.asarray(self.mixture_.predict(arr), dtype=np.int64)
        return nearest_two(arr, self.cluster_centers_)[0]

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Euclidean distance of each row of ``X`` to each segment centre (``n × n_segments_``).

        Examples
        --------
        >>> model = Segmenter(n_segments=2).fit([[0.0], [1.0], [9.0]])
        >>> model.transform([[3.0]]).tolist()
        [[2.5, 6.0]]
        """
        check_is_fitted(self)
        arr = self._validated(X, reset=False)
        return np.asarray(cdist(arr, self.cluster_centers_), dtype=np.float64)

    @available_if(_is_gmm)
    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """``"gmm"`` only: probability of each segment for each row of ``X``.

        Examples
        --------
        >>> model = Segmenter(method="gmm", n_segments=2).fit([[0.0], [0.5], [9.0], [9.5]])
        >>> model.predict_proba([[1.0], [8.0]]).round(3).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        """
        check_is_fitted(self)
        if not hasattr(self, "mixture_"):
            raise ModelError("predict_proba needs a Segmenter fitted with method='gmm'")
        arr = self._validated(X, reset=False)
        return np.asarray(self.mixture_.predict_proba(arr), dtype=np.float64)

    def _validated(self, X: ArrayLike, *, reset: bool) -> np.ndarray:
        """Check ``X`` the scikit-learn way, then refuse NaN/inf naming columns and counts."""
        try:
            arr = validate_data(
                self,
                X,
                reset=reset,
                dtype=np.float64,
                ensure_all_finite=False,
                ensure_min_samples=2 if reset else 1,
            )
        except SegmentationError:
            raise
        except ValueError as exc:
            # Same message, but one of the project's errors (still a ValueError). A TypeError
            # (values that are not numbers at all, e.g. dicts) stays what scikit-learn raised.
            raise DataQualityError(str(exc)) from exc
        return validate_matrix(arr)
