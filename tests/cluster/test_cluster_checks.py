"""Input checks of the cluster stage (BAD_INPUTS #3, #30, #31)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from user_segmentation.cluster import (
    Clustering,
    check_k,
    fit_kmeans,
    fit_ward,
    row_order,
    validate_matrix,
)
from user_segmentation.errors import DataQualityError, ModelError

Fitter = Callable[..., Clustering]
FITTERS: list[Fitter] = [fit_kmeans, fit_ward]


def test_validate_matrix_names_each_bad_column_and_count() -> None:
    X = np.zeros((6, 4))
    X[1, 2] = np.nan
    X[4, 2] = np.nan
    X[0, 0] = np.inf
    with pytest.raises(DataQualityError) as info:
        validate_matrix(X)
    message = str(info.value)
    assert "column 0: 1 bad values (1 inf)" in message
    assert "column 2: 2 bad values (2 NaN)" in message
    assert "column 1" not in message and "column 3" not in message


def test_validate_matrix_refuses_non_2d_and_non_numeric() -> None:
    with pytest.raises(DataQualityError, match="2-D"):
        validate_matrix(np.zeros(5))
    with pytest.raises(DataQualityError, match="not numeric"):
        validate_matrix([["a", "b"]])


def test_validate_matrix_does_not_modify_input() -> None:
    X = np.array([[1, 2], [3, 4]], dtype=np.int32)
    out = validate_matrix(X)
    assert out.dtype == np.float64
    assert X.dtype == np.int32 and X.tolist() == [[1, 2], [3, 4]]


def test_row_order_sorts_lexicographically_and_counts_distinct() -> None:
    X = np.array([[2.0, 1.0], [1.0, 9.0], [2.0, 0.0], [1.0, 9.0]])
    order, n_distinct = row_order(X)
    assert X[order].tolist() == [[1.0, 9.0], [1.0, 9.0], [2.0, 0.0], [2.0, 1.0]]
    assert n_distinct == 3


@pytest.mark.parametrize("fit", FITTERS)
def test_k_larger_than_rows_is_a_model_error(fit: Fitter) -> None:
    X = np.arange(10, dtype=float).reshape(5, 2)
    with pytest.raises(ModelError, match=r"cannot make k=8 segments from 5 customers"):
        fit(X, 8)


@pytest.mark.parametrize("fit", FITTERS)
def test_fewer_distinct_rows_than_k_is_a_data_quality_error(fit: Fitter) -> None:
    X = np.array([[1.0, 1.0]] * 4 + [[2.0, 2.0]] * 3)
    with pytest.raises(DataQualityError, match=r"only 2 distinct customer profiles < k=3"):
        fit(X, 3)


@pytest.mark.parametrize("fit", FITTERS)
def test_one_customer_cannot_make_two_segments(fit: Fitter) -> None:
    with pytest.raises(ModelError, match="cannot make k=2 segments from 1 customers"):
        fit(np.array([[1.0, 2.0]]), 2)


@pytest.mark.parametrize("fit", FITTERS)
def test_nan_is_refused_with_column_and_count(fit: Fitter) -> None:
    X = np.arange(20, dtype=float).reshape(10, 2)
    X[3, 1] = np.nan
    with pytest.raises(DataQualityError, match=r"column 1: 1 bad values"):
        fit(X, 2)


def test_checks_run_before_any_fitting(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was fitted before the inputs were checked")

    monkeypatch.setattr("user_segmentation.cluster.kmeans.KMeans", forbidden)
    monkeypatch.setattr("user_segmentation.cluster.ward.ward", forbidden)
    X = np.array([[0.0, 0.0]] * 3)
    for fit in FITTERS:
        with pytest.raises(DataQualityError):
            fit(X, 2)
        with pytest.raises(ModelError):
            fit(X, 4)


@pytest.mark.parametrize("bad_k", [0, -1, True, 2.5])
def test_check_k_refuses_non_positive_or_non_integer_k(bad_k: Any) -> None:
    with pytest.raises(ModelError, match="positive integer"):
        check_k(bad_k, n_rows=10, n_distinct=10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_row_order_equals_a_full_lexsort_with_many_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Few distinct values in every column: long runs of tied first values, ties in later
    # columns too, exact duplicate rows, and a few continuous rows mixed in.
    X = np.r_[rng.integers(0, 3, size=(2_000, 4)).astype(float), rng.normal(size=(50, 4))]
    order, n_distinct = row_order(X)
    np.testing.assert_array_equal(order, np.lexsort(X.T[::-1]))
    assert n_distinct == len(np.unique(X, axis=0))
