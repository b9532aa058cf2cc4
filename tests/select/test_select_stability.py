"""Bootstrap stability in the manner of clusterboot: Jaccard per segment, ARI overall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from user_segmentation.cluster import fit_kmeans
from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.select.stability import (
    STABILITY_COLUMNS,
    best_jaccard,
    bootstrap_stability,
    stability_sweep,
)


def test_best_jaccard_by_hand() -> None:
    original = np.array([0, 0, 0, 1, 1, 1])
    resampled = np.array([1, 1, 0, 0, 0, 0])
    # Segment 0 = rows {0,1,2}: vs {2,3,4,5} 1/6, vs {0,1} 2/3. Segment 1 = {3,4,5}:
    # vs {2,3,4,5} 3/4, vs {0,1} 0.
    assert best_jaccard(original, resampled, 2).tolist() == pytest.approx([2 / 3, 3 / 4])
    # A segment absent from the resample scores 0; identical labelings score 1.
    assert best_jaccard(np.array([0, 0, 2]), np.array([0, 0, 1]), 3).tolist() == [1.0, 0.0, 1.0]


def test_clear_blobs_at_the_true_k_are_stable() -> None:
    X, _ = make_blobs(n_samples=600, centers=4, n_features=3, cluster_std=0.6, random_state=3)
    result = bootstrap_stability(X, 4, n_boot=15)
    assert result.k == 4
    assert result.jaccard.shape == (4,)
    assert result.jaccard_values.shape == (15, 4)
    assert result.ari_values.shape == (15,)
    assert (result.sample_size, result.n_boot) == (600, 15)
    assert np.all(result.jaccard > 0.9)
    assert result.ari_mean > 0.9
    assert result.min_jaccard == pytest.approx(result.jaccard.min())


def test_uniform_noise_is_clearly_less_stable() -> None:
    X = np.random.default_rng(0).uniform(size=(600, 3))
    noise = bootstrap_stability(X, 5, n_boot=15)
    blobs, _ = make_blobs(n_samples=600, centers=5, n_features=3, cluster_std=0.5, random_state=4)
    clear = bootstrap_stability(blobs, 5, n_boot=15)
    # Measured: noise mean Jaccard ~0.6 with its least stable segment ~0.5; clear blobs > 0.95.
    assert noise.mean_jaccard < 0.75
    assert noise.min_jaccard < 0.6
    assert noise.ari_mean < 0.75
    assert clear.mean_jaccard - noise.mean_jaccard > 0.2


def test_segments_are_in_the_canonical_order_of_the_fit() -> None:
    # A large tight group (canonical segment 0) and two overlapping ones that k=3 splits
    # unreliably: the stable segment must be reported first.
    rng = np.random.default_rng(5)
    X = np.vstack(
        [
            rng.normal([0.0, 0.0], 0.3, size=(300, 2)),
            rng.normal([10.0, 0.0], 1.0, size=(100, 2)),
            rng.normal([11.0, 0.0], 1.0, size=(100, 2)),
        ]
    )
    fit = fit_kmeans(X, 3, random_state=0, n_init=1)
    assert np.bincount(fit.labels)[0] == 300
    result = bootstrap_stability(X, 3, n_boot=15)
    assert result.jaccard[0] > 0.99
    assert result.jaccard[0] > result.jaccard[1:].max()


def test_deterministic_and_row_order_free() -> None:
    X = np.random.default_rng(1).normal(size=(300, 2))
    a = bootstrap_stability(X, 4, n_boot=8, random_state=3)
    b = bootstrap_stability(X, 4, n_boot=8, random_state=3)
    shuffled = bootstrap_stability(
        X[np.random.default_rng(2).permutation(300)], 4, n_boot=8, random_state=3
    )
    for other in (b, shuffled):
        np.testing.assert_array_equal(other.jaccard_values, a.jaccard_values)
        np.testing.assert_array_equal(other.ari_values, a.ari_values)
    c = bootstrap_stability(X, 4, n_boot=8, random_state=4)
    assert not np.array_equal(c.jaccard_values, a.jaccard_values)


def test_large_data_use_the_sample() -> None:
    X, _ = make_blobs(n_samples=2000, centers=3, random_state=6)
    result = bootstrap_stability(X, 3, n_boot=3, sample_size=300)
    assert result.sample_size == 300


def test_sweep_matches_one_k_at_a_time() -> None:
    X, _ = make_blobs(n_samples=300, centers=3, cluster_std=0.6, random_state=2)
    table = stability_sweep(X, [4, 2, 3], n_boot=6)
    assert list(table.columns) == STABILITY_COLUMNS
    assert table["k"].tolist() == [2, 3, 4]
    for i, k in enumerate(table["k"].tolist()):
        one = bootstrap_stability(X, k, n_boot=6)
        assert table["mean_jaccard"].to_numpy()[i] == pytest.approx(one.mean_jaccard, abs=1e-15)
        assert table["min_jaccard"].to_numpy()[i] == pytest.approx(one.min_jaccard, abs=1e-15)
        assert table["ari_mean"].to_numpy()[i] == pytest.approx(one.ari_mean, abs=1e-15)
    assert table.loc[table["k"] == 3, "min_jaccard"].item() > 0.9
    assert table.loc[table["k"] == 4, "min_jaccard"].item() < 0.75


def test_bad_inputs_are_refused() -> None:
    X, _ = make_blobs(n_samples=40, random_state=0)
    with pytest.raises(ModelError, match=r"every k must be an integer ≥ 2, got \[1\]"):
        bootstrap_stability(X, 1)
    with pytest.raises(ModelError, match="n_boot must be ≥ 1, got 0"):
        bootstrap_stability(X, 2, n_boot=0)
    with pytest.raises(ModelError, match="n_init"):
        stability_sweep(X, [2, 3], n_init=0)
    with pytest.raises(DataQualityError, match="k=4 needs more than 4 distinct rows"):
        bootstrap_stability(np.repeat(X[:4], 5, axis=0), 4)
    bad = X.copy()
    bad[1, 0] = np.nan
    with pytest.raises(DataQualityError, match="column 0: 1 bad values"):
        stability_sweep(bad, [2])
    assert isinstance(stability_sweep(X, [2], n_boot=2), pd.DataFrame)


def test_reference_segments_are_assessed_in_their_own_ids() -> None:
    X, truth = make_blobs(n_samples=600, centers=3, cluster_std=0.5, random_state=4)
    # The planted blobs, with ids in an order k-means would not give them: still stable, and
    # reported under the reference's own ids.
    reference = (truth + 1) % 3
    result = bootstrap_stability(X, 3, n_boot=10, reference=reference)
    assert result.jaccard.shape == (3,)
    assert np.all(result.jaccard > 0.9)
    # Segments drawn at random are not recovered by any resampled fit.
    noise = np.random.default_rng(0).integers(0, 3, size=len(X))
    assert np.all(bootstrap_stability(X, 3, n_boot=10, reference=noise).jaccard < 0.5)


def test_reference_with_wrong_length_is_refused() -> None:
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ModelError, match=r"one id in 0\.\.1 per row"):
        bootstrap_stability(X, 2, reference=np.zeros(49, dtype=int))
