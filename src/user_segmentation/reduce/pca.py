"""PCA that keeps the components explaining a stated share of variance, with loadings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from user_segmentation.errors import DataQualityError


@dataclass(frozen=True)
class PcaModel:
    """A fitted PCA as plain arrays (stored as data, replayed without scikit-learn objects)."""

    mean: np.ndarray  # (d,)
    components: np.ndarray  # (n_components, d), rows are unit vectors
    explained_variance_ratio: np.ndarray  # (n_components,)
    feature_names: list[str]

    @property
    def n_components(self) -> int:
        """Number of kept components."""
        return int(self.components.shape[0])

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Project preprocessed rows onto the kept components."""
        return np.asarray((X - self.mean) @ self.components.T)

    def loadings(self) -> pd.DataFrame:
        """Feature × component weights (the rows of ``components``, one column per component)."""
        cols = [f"PC{i + 1}" for i in range(self.n_components)]
        return pd.DataFrame(self.components.T, index=self.feature_names, columns=cols)

    def to_state(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "mean": self.mean.tolist(),
            "components": self.components.tolist(),
            "explained_variance_ratio": self.explained_variance_ratio.tolist(),
            "feature_names": list(self.feature_names),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> PcaModel:
        """Rebuild from :meth:`to_state` output."""
        return cls(
            mean=np.asarray(state["mean"], dtype=float),
            components=np.asarray(state["components"], dtype=float),
            explained_variance_ratio=np.asarray(state["explained_variance_ratio"], dtype=float),
            feature_names=list(state["feature_names"]),
        )


def fit_pca(
    X: np.ndarray, feature_names: list[str], *, variance: float = 0.9, random_state: int = 0
) -> PcaModel:
    """Fit PCA and keep the fewest components whose cumulative explained variance ≥ ``variance``.

    ``variance=1.0`` keeps every component. Component signs are fixed so that each component's
    largest-magnitude loading is positive, which makes results identical across platforms.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(200, 1))
    >>> X = np.hstack([z, 2 * z, rng.normal(scale=0.01, size=(200, 1))])
    >>> fit_pca(X, ["a", "b", "c"], variance=0.9).n_components
    1
    """
    if not 0 < variance <= 1:
        raise ValueError(f"variance must be in (0, 1], got {variance}")
    n, d = X.shape
    if n < 2:
        raise DataQualityError(f"PCA needs at least 2 customers, got {n}")
    pca = PCA(n_components=min(n, d), svd_solver="full", random_state=random_state).fit(X)
    ratio = np.nan_to_num(pca.explained_variance_ratio_)
    if ratio.sum() <= 0:
        raise DataQualityError("all customers have identical features: nothing to segment")
    cumulative = np.cumsum(ratio)
    n_max = len(ratio)  # PCA gives at most min(n, d) components
    keep = n_max if variance >= 1 else int(np.searchsorted(cumulative, variance - 1e-12) + 1)
    keep = max(1, min(keep, n_max))
    comps = pca.components_[:keep].copy()
    signs = np.sign(comps[np.arange(keep), np.abs(comps).argmax(axis=1)])
    comps *= signs[:, None]
    return PcaModel(
        mean=pca.mean_.copy(),
        components=comps,
        explained_variance_ratio=ratio[:keep].copy(),
        feature_names=list(feature_names),
    )
