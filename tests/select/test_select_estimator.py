"""KSelector: the k sweep under the scikit-learn estimator contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.select.estimator import KSelector
from user_segmentation.select.sweep import sweep_k


@parametrize_with_checks([KSelector()])
def test_scikit_learn_contract(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


def test_fit_stores_the_sweep_verdict() -> None:
    X, _ = make_blobs(n_samples=300, centers=4, n_features=3, cluster_std=0.5, random_state=0)
    selector = KSelector(k_max=6, n_init=2).fit(X)
    selection = sweep_k(X, 2, 6, n_init=2)
    assert selector.recommended_k_ == selection.recommended_k == 4
    assert selector.elbow_k_ == selection.elbow_k
    assert selector.votes_ == selection.votes
    assert selector.rationale_ == selection.rationale
    assert selector.k_range_ == (2, 6)
    assert selector.silhouette_method_ == "exact"
    assert selector.n_features_in_ == 3
    pd.testing.assert_frame_equal(selector.scores_, selection.scores)


def test_unfitted_then_fitted() -> None:
    selector = KSelector()
    with pytest.raises(ValueError, match="not fitted"):
        check_is_fitted(selector)
    check_is_fitted(selector.fit(make_blobs(n_samples=40, random_state=0)[0]))


def test_k_range_is_clipped_to_small_data() -> None:
    X = np.array([[0.0, 0.0], [0.1, 0.0], [4.0, 4.0], [4.1, 4.0], [9.0, 0.0]])
    assert KSelector(k_max=10).fit(X).k_range_ == (2, 4)
    # A k_min above what the data allow shrinks to the largest k they do allow.
    assert KSelector(k_min=8, k_max=10).fit(X).k_range_ == (4, 4)
    # Duplicated rows: k stays below the number of distinct rows.
    assert KSelector().fit(np.vstack([X, X])).k_range_ == (2, 4)


def test_column_names_are_remembered() -> None:
    X, _ = make_blobs(n_samples=60, centers=2, n_features=2, random_state=1)
    frame = pd.DataFrame(X, columns=["recency", "frequency"])
    selector = KSelector(k_max=4).fit(frame)
    assert selector.feature_names_in_.tolist() == ["recency", "frequency"]


def test_bad_settings_and_data_are_refused() -> None:
    X, _ = make_blobs(n_samples=50, random_state=0)
    with pytest.raises(ModelError, match="k_max=3 < k_min=5"):
        KSelector(k_min=5, k_max=3).fit(X)
    with pytest.raises(ModelError, match="n_init must be a positive integer, got 0"):
        KSelector(n_init=0).fit(X)
    with pytest.raises(ModelError, match="k_max must be a positive integer"):
        KSelector(k_max=2.5).fit(X)  # type: ignore[arg-type]
    with pytest.raises(DataQualityError, match="distinct"):
        KSelector().fit(np.ones((10, 2)))
    bad = X.copy()
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        KSelector().fit(bad)
    with pytest.raises(ValueError, match="minimum of 3"):
        KSelector().fit(X[:2])


def test_clone_and_refit_give_the_same_answer() -> None:
    X, _ = make_blobs(n_samples=200, centers=3, random_state=2)
    first = KSelector(k_max=5, random_state=3).fit(X)
    second = clone(first).fit(X[::-1])
    assert second.recommended_k_ == first.recommended_k_
    pd.testing.assert_frame_equal(second.scores_, first.scores_)
