"""PCA with a variance target, a sign convention and a plain-data state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.decomposition import PCA

from user_segmentation.errors import DataQualityError
from user_segmentation.reduce.pca import PcaModel, fit_pca


def _axes() -> np.ndarray:
    """Six points on three axes: sums of squares 18, 8 and 2, so ratios 18/28, 8/28, 2/28."""
    return np.array(
        [
            [3.0, 0.0, 0.0],
            [-3.0, 0.0, 0.0],
            [0.0, -2.0, 0.0],
            [0.0, 2.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 0.0, -1.0],
        ]
    )


def _random(n: int = 60, d: int = 5, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)


@pytest.mark.parametrize(
    ("variance", "expected"),
    [(0.5, 1), (18 / 28, 1), (0.65, 2), (0.9, 2), (26 / 28, 2), (0.93, 3), (1.0, 3)],
)
def test_fewest_components_reaching_the_variance_share(variance: float, expected: int) -> None:
    model = fit_pca(_axes(), ["a", "b", "c"], variance=variance)
    assert model.n_components == expected
    np.testing.assert_allclose(
        model.explained_variance_ratio, np.array([18, 8, 2])[:expected] / 28, atol=1e-12
    )


def test_axes_components_are_the_unit_vectors() -> None:
    model = fit_pca(_axes(), ["a", "b", "c"], variance=1.0)
    np.testing.assert_allclose(model.components, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(model.mean, [0.0, 0.0, 0.0], atol=1e-15)


def test_variance_one_keeps_all_components() -> None:
    X = _random()
    model = fit_pca(X, list("abcde"), variance=1.0)
    assert model.n_components == 5
    assert model.explained_variance_ratio.sum() == pytest.approx(1.0)


def test_variance_one_with_fewer_customers_than_features() -> None:
    X = np.array([[0.0, 1, 2, 3, 4], [1, 0, 2, 5, 1], [3, 3, 3, 0, 0]])
    model = fit_pca(X, list("abcde"), variance=1.0)
    assert model.n_components <= 3


def test_sign_convention_largest_loading_positive() -> None:
    for seed in range(5):
        model = fit_pca(_random(seed=seed), list("abcde"), variance=1.0)
        for row in model.components:
            assert row[np.argmax(np.abs(row))] > 0
    # Negating the data flips sklearn's signs but not ours.
    X = _random()
    np.testing.assert_allclose(
        fit_pca(-X, list("abcde")).components, fit_pca(X, list("abcde")).components, atol=1e-12
    )


def test_components_are_orthonormal() -> None:
    model = fit_pca(_random(), list("abcde"), variance=1.0)
    np.testing.assert_allclose(model.components @ model.components.T, np.eye(5), atol=1e-12)


def test_transform_equals_sklearn_up_to_sign() -> None:
    X = _random()
    model = fit_pca(X, list("abcde"), variance=0.9)
    ref = PCA(n_components=model.n_components, svd_solver="full").fit(X).transform(X)
    ours = model.transform(X)
    assert ours.shape == ref.shape
    for j in range(model.n_components):
        sign = np.sign(ours[:, j] @ ref[:, j])
        np.testing.assert_allclose(ours[:, j], sign * ref[:, j], rtol=0, atol=1e-10)


def test_state_round_trip() -> None:
    X = _random()
    model = fit_pca(X, list("abcde"), variance=0.8)
    state = json.loads(json.dumps(model.to_state()))
    back = PcaModel.from_state(state)
    np.testing.assert_array_equal(back.transform(X), model.transform(X))
    np.testing.assert_array_equal(back.explained_variance_ratio, model.explained_variance_ratio)
    assert back.feature_names == list("abcde")
    assert back.n_components == model.n_components


def test_loadings_table() -> None:
    model = fit_pca(_axes(), ["a", "b", "c"], variance=0.9)
    loadings = model.loadings()
    assert loadings.index.tolist() == ["a", "b", "c"]
    assert loadings.columns.tolist() == ["PC1", "PC2"]
    np.testing.assert_allclose(loadings.to_numpy(), np.eye(3)[:, :2], atol=1e-12)


def test_identical_rows_are_a_data_quality_error() -> None:
    X = np.tile([1.0, 2.0, 3.0], (5, 1))
    with pytest.raises(DataQualityError, match="identical"), np.errstate(all="ignore"):
        fit_pca(X, ["a", "b", "c"])


def test_single_customer_is_a_data_quality_error() -> None:
    with pytest.raises(DataQualityError, match="at least 2"):
        fit_pca(np.array([[1.0, 2.0]]), ["a", "b"])


@pytest.mark.parametrize("variance", [0.0, -0.1, 1.5])
def test_variance_outside_the_unit_interval_is_refused(variance: float) -> None:
    with pytest.raises(ValueError, match="variance"):
        fit_pca(_axes(), ["a", "b", "c"], variance=variance)


def test_input_not_mutated_and_deterministic() -> None:
    X = _random()
    before = X.copy()
    a = fit_pca(X, list("abcde"))
    b = fit_pca(X.copy(), list("abcde"))
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(a.components, b.components)
