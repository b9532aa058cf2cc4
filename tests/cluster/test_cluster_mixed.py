"""k-prototypes on numeric + categorical columns."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from user_segmentation.cluster import fit_kmeans, fit_kprototypes
from user_segmentation.cluster.mixed import _dissimilarities
from user_segmentation.errors import DataQualityError, ModelError, SchemaError

CATEGORICAL = ["channel", "region"]


def _planted(n_per: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three groups: 0 and 1 overlap on the numeric columns and differ by their categories."""
    rng = np.random.default_rng(seed)
    truth = np.repeat([0, 1, 2], n_per)
    centres = np.array([[0.0, 0.0], [1.5, 0.0], [4.0, 4.0]])
    num = centres[truth] + rng.normal(scale=0.6, size=(truth.size, 2))

    def category(levels: list[str]) -> np.ndarray:
        # 90% of a group takes its own level, the rest a random one.
        own = rng.random(truth.size) < 0.9
        return np.array(levels)[np.where(own, truth, rng.integers(0, 3, truth.size))]

    frame = pd.DataFrame(
        {
            # Spend in currency units and visits in counts: very different scales.
            "spend": 500 + 100 * num[:, 0],
            "channel": category(["web", "store", "app"]),
            "visits": 10 + num[:, 1],
            "region": category(["north", "south", "east"]),
        }
    )
    return frame, truth


def test_hand_checkable_example() -> None:
    frame = pd.DataFrame(
        {
            "spend": [10.0, 12.0, 11.0, 95.0, 90.0, 99.0],
            "channel": ["web", "web", "web", "store", "store", "web"],
        }
    )
    result = fit_kprototypes(frame, 2, categorical=["channel"])
    assert result.method == "kprototypes"
    assert result.labels.tolist() == [0, 0, 0, 1, 1, 1]
    # Numeric means in input units; equal sizes, so the lower spend comes first.
    np.testing.assert_allclose(result.centroids, [[11.0], [284 / 3]])
    assert result.confidence is not None
    # The 'web' customer of the high-spend segment mismatches its mode 'store': least sure.
    assert result.confidence.argmin() == 5


def test_recovers_planted_mixed_segments() -> None:
    frame, truth = _planted()
    result = fit_kprototypes(frame, 3, categorical=CATEGORICAL)
    assert adjusted_rand_score(truth, result.labels) >= 0.9
    assert result.centroids.shape == (3, 2)  # spend, visits: numeric columns only
    # The numeric columns alone cannot tell groups 0 and 1 apart as well.
    numeric = frame[["spend", "visits"]].to_numpy()
    numeric = (numeric - numeric.mean(axis=0)) / numeric.std(axis=0)
    assert adjusted_rand_score(truth, fit_kmeans(numeric, 3).labels) < 0.9


def test_numeric_columns_are_standardised() -> None:
    frame, _ = _planted(seed=1)
    cents = frame.assign(spend=frame["spend"] * 100)
    a = fit_kprototypes(frame, 3, categorical=CATEGORICAL)
    b = fit_kprototypes(cents, 3, categorical=CATEGORICAL)
    assert np.array_equal(a.labels, b.labels)
    np.testing.assert_allclose(b.centroids[:, 0], a.centroids[:, 0] * 100)


def test_sampled_fit_above_sample_max() -> None:
    frame, truth = _planted(n_per=400, seed=2)
    result = fit_kprototypes(frame, 3, categorical=CATEGORICAL, sample_max=300)
    assert result.method == "kprototypes-sampled"
    assert adjusted_rand_score(truth, result.labels) >= 0.9


def test_vectorised_assignment_equals_kmodes_predict() -> None:
    from kmodes.kprototypes import KPrototypes

    rng = np.random.default_rng(5)
    X = np.c_[rng.normal(size=(200, 2)), rng.integers(0, 3, size=(200, 2))]
    model = KPrototypes(n_clusters=4, n_init=1, gamma=0.5, random_state=0).fit(
        X, categorical=[2, 3]
    )
    prototypes = np.asarray(model.cluster_centroids_, dtype=float)
    ours = _dissimilarities(
        X[:, :2], X[:, 2:].astype(int), prototypes[:, :2], prototypes[:, 2:], 0.5
    )
    assert np.array_equal(ours.argmin(axis=1), model.predict(X, categorical=[2, 3]))


@pytest.mark.parametrize(("seed", "sample_max"), [(0, 5_000), (1, 200)])
def test_same_segments_and_ids_whatever_the_row_order(seed: int, sample_max: int) -> None:
    frame, _ = _planted(n_per=100, seed=seed)
    frame = pd.concat([frame, frame.iloc[:15]], ignore_index=True)  # duplicates too
    perm = np.random.default_rng(seed).permutation(len(frame))
    a = fit_kprototypes(frame, 3, categorical=CATEGORICAL, sample_max=sample_max)
    b = fit_kprototypes(frame.iloc[perm], 3, categorical=CATEGORICAL, sample_max=sample_max)
    assert np.array_equal(b.labels, a.labels[perm])
    np.testing.assert_array_equal(b.centroids, a.centroids)


def test_does_not_modify_input() -> None:
    frame, _ = _planted(n_per=30)
    before = frame.copy()
    fit_kprototypes(frame, 3, categorical=CATEGORICAL)
    pd.testing.assert_frame_equal(frame, before)


def test_every_missing_value_is_reported_at_once() -> None:
    frame, _ = _planted(n_per=30)
    frame.loc[[1, 4], "visits"] = np.nan
    frame.loc[7, "spend"] = np.inf
    frame.loc[9, "region"] = None
    with pytest.raises(DataQualityError) as info:
        fit_kprototypes(frame, 3, categorical=CATEGORICAL)
    message = str(info.value)
    assert "column 'spend': 0 missing, 1 infinite" in message
    assert "column 'visits': 2 missing, 0 infinite" in message
    assert "column 'region': 1 missing" in message


def test_schema_problems_name_the_column() -> None:
    frame, _ = _planted(n_per=10)
    with pytest.raises(SchemaError, match="'segment' not in the data"):
        fit_kprototypes(frame, 3, categorical=["channel", "segment"])
    bad = frame.assign(visits=frame["visits"].astype(str))
    bad.loc[3, "visits"] = "ten"
    with pytest.raises(SchemaError, match=r"column 'visits' is not numeric \(row 3: 'ten'\)"):
        fit_kprototypes(bad, 3, categorical=CATEGORICAL)
    with pytest.raises(SchemaError, match="DataFrame"):
        fit_kprototypes(frame.to_numpy(), 3, categorical=CATEGORICAL)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="at least one numeric column"):
        fit_kprototypes(frame[CATEGORICAL], 3, categorical=CATEGORICAL)


def test_k_and_settings_are_checked() -> None:
    frame, _ = _planted(n_per=2)
    with pytest.raises(ModelError, match="cannot make k=7 segments from 6 customers"):
        fit_kprototypes(frame, 7, categorical=CATEGORICAL)
    with pytest.raises(ModelError, match="gamma"):
        fit_kprototypes(frame, 2, categorical=CATEGORICAL, gamma=-1.0)
    same = pd.DataFrame({"x": [1.0] * 5, "c": ["a"] * 5})
    with pytest.raises(DataQualityError, match="only 1 distinct customer profiles < k=2"):
        fit_kprototypes(same, 2, categorical=["c"])


def test_missing_kmodes_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kmodes.kprototypes", None)
    frame, _ = _planted(n_per=5)
    with pytest.raises(ModelError, match=r"pip install 'user-segmentation\[mixed\]'"):
        fit_kprototypes(frame, 2, categorical=CATEGORICAL)


def test_numbers_stored_as_text_are_accepted() -> None:
    frame, _ = _planted(n_per=30, seed=3)
    as_text = frame.assign(visits=frame["visits"].astype(str))
    a = fit_kprototypes(frame, 3, categorical=CATEGORICAL)
    b = fit_kprototypes(as_text, 3, categorical=CATEGORICAL)
    assert np.array_equal(a.labels, b.labels)
