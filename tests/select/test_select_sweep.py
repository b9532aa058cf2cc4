"""The k sweep: scores equal scikit-learn's, the recommendation finds planted structure."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from user_segmentation.cluster import fit_kmeans
from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.records import K_SCORE_COLUMNS
from user_segmentation.select import KSelection, sweep_k


@pytest.fixture(scope="module")
def six_blobs() -> np.ndarray:
    X, _ = make_blobs(n_samples=1200, centers=6, n_features=5, cluster_std=1.0, random_state=42)
    return X


@pytest.fixture(scope="module")
def six_blob_selection(six_blobs: np.ndarray) -> KSelection:
    return sweep_k(six_blobs, 2, 10)


def test_recommends_six_for_six_planted_blobs(six_blob_selection: KSelection) -> None:
    sel = six_blob_selection
    assert sel.recommended_k == 6
    assert sel.votes["silhouette"] == 6
    assert sel.votes["davies_bouldin"] == 6
    assert sel.votes["calinski_harabasz"] == 6
    assert sel.k_range == (2, 10)
    assert (sel.silhouette_method, sel.silhouette_sample_size) == ("exact", None)


def test_scores_table_shape(six_blob_selection: KSelection) -> None:
    scores = six_blob_selection.scores
    assert list(scores.columns) == K_SCORE_COLUMNS
    assert scores["k"].tolist() == list(range(2, 11))
    assert scores["k"].dtype == np.int64
    assert scores["inertia"].is_monotonic_decreasing


def test_scores_equal_scikit_learn_on_the_same_labels(
    six_blobs: np.ndarray, six_blob_selection: KSelection
) -> None:
    scores = six_blob_selection.scores.set_index("k")
    for k in (2, 6, 9):
        fit = fit_kmeans(six_blobs, k, random_state=0, n_init=4)
        row = scores.loc[k]
        assert row["inertia"] == pytest.approx(fit.inertia, rel=1e-12)
        assert row["silhouette"] == pytest.approx(silhouette_score(six_blobs, fit.labels), abs=1e-9)
        assert row["davies_bouldin"] == pytest.approx(
            davies_bouldin_score(six_blobs, fit.labels), abs=1e-9
        )
        assert row["calinski_harabasz"] == pytest.approx(
            calinski_harabasz_score(six_blobs, fit.labels), rel=1e-9
        )


def test_rationale_cites_the_values_at_the_recommended_k(six_blob_selection: KSelection) -> None:
    sel = six_blob_selection
    row = sel.scores.set_index("k").loc[6]
    assert sel.rationale.startswith("k=6 is recommended")
    assert f"silhouette {row['silhouette']:.3f}" in sel.rationale
    assert f"Davies-Bouldin {row['davies_bouldin']:.3f}" in sel.rationale
    assert f"Calinski-Harabasz {row['calinski_harabasz']:,.1f}" in sel.rationale


def test_same_result_whatever_the_row_order(six_blobs: np.ndarray) -> None:
    perm = np.random.default_rng(9).permutation(len(six_blobs))
    a = sweep_k(six_blobs, 2, 6, silhouette_exact_max=500, silhouette_sample_size=400)
    b = sweep_k(six_blobs[perm], 2, 6, silhouette_exact_max=500, silhouette_sample_size=400)
    assert a.scores.equals(b.scores)
    assert (a.recommended_k, a.votes, a.rationale) == (b.recommended_k, b.votes, b.rationale)


def test_sampled_silhouette_is_recorded_and_stated() -> None:
    X, _ = make_blobs(n_samples=2000, centers=3, n_features=3, random_state=2)
    sel = sweep_k(X, 2, 5, silhouette_exact_max=1000, silhouette_sample_size=600)
    assert (sel.silhouette_method, sel.silhouette_sample_size) == ("sampled", 600)
    assert "sampled on 600 customers" in sel.rationale
    assert sel.recommended_k == 3


def test_k_range_stops_below_the_number_of_distinct_customers() -> None:
    X = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0], [9.0, 0.0], [9.0, 0.0], [0.0, 9.0]])
    sel = sweep_k(X, 2, 10)  # 4 distinct rows: k = 2..3 only
    assert sel.k_range == (2, 3)
    assert sel.scores["k"].tolist() == [2, 3]
    # Two points cannot show an elbow: that vote is absent and the rationale says so.
    assert sel.elbow_k is None
    assert "elbow" not in sel.votes
    assert "no elbow" in sel.rationale


def test_k_min_below_two_is_raised_to_two() -> None:
    X, _ = make_blobs(n_samples=200, centers=3, random_state=0)
    assert sweep_k(X, 1, 4).k_range == (2, 4)


@pytest.mark.parametrize(
    ("X", "k_min", "message"),
    [
        (np.array([[1.0, 2.0]]), 2, "need ≥ 3 distinct customers.*got 1 distinct among 1"),
        (np.ones((50, 3)), 2, "need ≥ 3 distinct customers.*got 1 distinct among 50"),
        (np.array([[0.0], [1.0], [0.0], [1.0]]), 2, "need ≥ 3 distinct.*got 2 distinct among 4"),
        (np.arange(8.0).reshape(4, 2), 4, "need ≥ 5 distinct customers"),
        (np.empty((0, 3)), 2, "need ≥ 3 distinct customers"),
    ],
)
def test_too_few_distinct_customers(X: np.ndarray, k_min: int, message: str) -> None:
    with pytest.raises(DataQualityError, match=message):
        sweep_k(X, k_min, 10)


def test_empty_k_range_is_a_model_error() -> None:
    X, _ = make_blobs(n_samples=100, random_state=0)
    with pytest.raises(ModelError, match="k_max=1 < k_min=2"):
        sweep_k(X, 2, 1)


def test_non_finite_values_are_refused_with_column() -> None:
    X, _ = make_blobs(n_samples=100, n_features=3, random_state=0)
    X[[3, 7], 1] = np.inf
    with pytest.raises(DataQualityError, match="column 1: 2 bad values"):
        sweep_k(X)


def test_to_dict_is_json_serialisable(six_blob_selection: KSelection) -> None:
    data = json.loads(json.dumps(six_blob_selection.to_dict()))
    assert data["recommended_k"] == 6
    assert data["k_range"] == [2, 10]
    assert set(data) >= {"recommended_k", "elbow_k", "rationale", "votes"}


def test_a_k_with_a_one_customer_segment_is_not_recommended() -> None:
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=300, centers=3, n_features=2, cluster_std=0.4, random_state=3)
    X = np.vstack([X, [[20.0, 20.0]]])  # one customer well away from the three groups
    assert sweep_k(X, 2, 6).recommended_k == 4  # the outlier alone is the "best" 4th segment
    guarded = sweep_k(X, 2, 6, min_segment_size=2)
    assert guarded.recommended_k == 3
    assert "Not considered: k=4" in guarded.rationale
