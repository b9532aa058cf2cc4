"""Mixture BIC: scikit-learn's BIC on the canonical sample, and the lowest-BIC choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.mixture import GaussianMixture

from user_segmentation.cluster.sorted_rows import sort_rows
from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.select.bic import BIC_COLUMNS, bic_choice, mixture_bic
from user_segmentation.select.silhouette import canonical_sample


def _sklearn_bic(rows: np.ndarray, k: int, covariance_type: str) -> float:
    model = GaussianMixture(
        n_components=k, covariance_type=covariance_type, init_params="k-means++", random_state=0
    )
    return float(model.fit(rows).bic(rows))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_equals_scikit_learn_bic_on_all_rows(covariance_type: str) -> None:
    X, _ = make_blobs(n_samples=300, centers=3, n_features=3, random_state=5)
    table = mixture_bic(X, [1, 2, 3, 4], covariance_type=covariance_type)
    assert list(table.columns) == BIC_COLUMNS
    assert table["k"].tolist() == [1, 2, 3, 4]
    rows = sort_rows(X).X  # below sample_size every row is used, in canonical order
    for k, value in zip(table["k"], table["bic"], strict=True):
        assert value == pytest.approx(_sklearn_bic(rows, int(k), covariance_type), abs=1e-9)


def test_equals_scikit_learn_bic_on_the_sample() -> None:
    X, _ = make_blobs(n_samples=2000, centers=3, n_features=2, random_state=6)
    table = mixture_bic(X, [2, 3], sample_size=400, random_state=7)
    sample = canonical_sample(X, 400, random_state=7).X
    assert sample.shape == (400, 2)
    for k, value in zip(table["k"], table["bic"], strict=True):
        expected = GaussianMixture(
            n_components=int(k), init_params="k-means++", random_state=7
        ).fit(sample)
        assert value == pytest.approx(float(expected.bic(sample)), abs=1e-9)


def test_one_k_by_hand() -> None:
    # k = 1, spherical: the maximum-likelihood Gaussian has mean 1.5 and variance
    # ((1.5² + 0.5²)·2)/4 = 1.25 (+ scikit-learn's reg_covar 1e-6); p = 1 mean + 1 variance = 2.
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    var = 1.25 + 1e-6
    log_lik = -0.5 * (4 * np.log(2 * np.pi * var) + 5.0 / var)
    expected = -2 * log_lik + 2 * np.log(4)
    table = mixture_bic(X, [1], covariance_type="spherical")
    assert table.loc[0, "bic"] == pytest.approx(expected, abs=1e-9)


def test_blobs_give_the_true_k() -> None:
    X, _ = make_blobs(n_samples=600, centers=4, n_features=2, cluster_std=0.7, random_state=8)
    table = mixture_bic(X, range(1, 8))
    assert bic_choice(table) == 4


def test_choice_by_hand() -> None:
    assert bic_choice(pd.DataFrame({"k": [3, 1, 2], "bic": [90.0, 120.0, 95.0]})) == 3
    # A tie goes to the smaller k.
    assert bic_choice(pd.DataFrame({"k": [4, 2, 3], "bic": [80.0, 80.0, 90.0]})) == 2
    with pytest.raises(ModelError, match="empty"):
        bic_choice(pd.DataFrame({"k": [], "bic": []}))


def test_row_order_does_not_matter() -> None:
    X, _ = make_blobs(n_samples=500, centers=3, random_state=9)
    perm = np.random.default_rng(1).permutation(500)
    pd.testing.assert_frame_equal(
        mixture_bic(X, [1, 2, 3], sample_size=200), mixture_bic(X[perm], [1, 2, 3], sample_size=200)
    )


def test_bad_inputs_are_refused() -> None:
    X, _ = make_blobs(n_samples=40, random_state=0)
    with pytest.raises(ModelError, match="covariance_type must be one of"):
        mixture_bic(X, [1, 2], covariance_type="round")
    with pytest.raises(ModelError, match="every k must be an integer"):
        mixture_bic(X, [0])
    with pytest.raises(ModelError, match="n_init"):
        mixture_bic(X, [2], n_init=0)
    with pytest.raises(DataQualityError, match="k=5 needs more than 5 distinct rows"):
        mixture_bic(np.repeat(X[:5], 3, axis=0), [2, 5])
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(DataQualityError, match="column 0: 1 bad values"):
        mixture_bic(bad, [1])
