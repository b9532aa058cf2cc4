"""Gap statistic: the paper's rule, its reference distribution, and its answers on known data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from user_segmentation.cluster.sorted_rows import sort_rows
from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.select.gap import GAP_COLUMNS, gap_choice, gap_statistic
from user_segmentation.select.silhouette import canonical_sample


def _table(gap: list[float], se: list[float], ks: list[int] | None = None) -> pd.DataFrame:
    ks = ks if ks is not None else list(range(1, len(gap) + 1))
    return pd.DataFrame({"k": ks, "gap": gap, "gap_se": se})


def test_rule_by_hand() -> None:
    # k=1: 0.30 >= 0.50 - 0.05? No. k=2: 0.50 >= 0.52 - 0.05 = 0.47? Yes -> 2.
    assert gap_choice(_table([0.30, 0.50, 0.52, 0.60], [0.01, 0.05, 0.05, 0.05])) == 2
    # k=1 already within one standard error of k=2: no structure.
    assert gap_choice(_table([0.40, 0.42, 0.90], [0.01, 0.03, 0.01])) == 1
    # Equality satisfies the rule: 0.5 >= 0.6 - 0.1 (binary-exact values).
    assert gap_choice(_table([0.5, 0.625, 0.0], [0.0, 0.125, 0.0])) == 1
    # The gap still climbs at the largest k: the largest k is returned.
    assert gap_choice(_table([0.1, 0.2, 0.3], [0.01, 0.01, 0.01])) == 3
    # Row order of the table does not matter; "k+1" is the next k present.
    shuffled = _table([0.52, 0.30, 0.50], [0.05, 0.01, 0.05], ks=[5, 2, 3])
    assert gap_choice(shuffled) == 3
    with pytest.raises(ModelError, match="empty"):
        gap_choice(_table([], []))


def test_log_wk_by_hand() -> None:
    # Two pairs on a line: around the mean 5.5, W_1 = 2·(5.5² + 4.5²) = 101; with the pairs as
    # segments, W_2 = 4·0.5² = 1.
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    table = gap_statistic(X, [1, 2], n_refs=3)
    assert list(table.columns) == GAP_COLUMNS
    assert table["log_wk"].tolist() == pytest.approx([np.log(101.0), 0.0], abs=1e-12)
    assert table["gap"].to_numpy() == pytest.approx(
        (table["ref_log_wk_mean"] - table["log_wk"]).to_numpy(), abs=1e-15
    )


def test_reference_box_follows_the_principal_axes() -> None:
    # Points evenly spread on the diagonal segment from (0, 0) to (L, L): the principal-axis
    # box is that segment, so every reference lies on it too and its W_1 is n·len²/12 up to
    # sampling noise (len = L√2). An axis-aligned box would be the square, with W_1 twice as big.
    n, length = 1000, 10.0
    t = np.linspace(0.0, length, n)
    X = np.column_stack([t, t])
    table = gap_statistic(X, [1, 2], n_refs=10)
    segment_w1 = n * (length * np.sqrt(2.0)) ** 2 / 12.0
    assert table["ref_log_wk_mean"].to_numpy()[0] == pytest.approx(np.log(segment_w1), abs=0.05)
    # Uniform data against a uniform reference on the same segment: gap near 0.
    assert abs(table["gap"].to_numpy()[0]) < 0.05


def test_well_separated_blobs_give_the_true_k() -> None:
    for true_k, seed in ((3, 0), (4, 1), (5, 2)):
        X, _ = make_blobs(
            n_samples=500,
            centers=true_k,
            n_features=3,
            cluster_std=0.4,
            random_state=seed,
            center_box=(-15, 15),
        )
        assert gap_choice(gap_statistic(X, range(1, 8), random_state=seed)) == true_k


def test_uniform_noise_gives_one() -> None:
    # The paper's null model: 200 points uniform in the 10-dimensional unit hypercube.
    for seed in range(3):
        X = np.random.default_rng(seed).uniform(size=(200, 10))
        table = gap_statistic(X, range(1, 6), random_state=seed)
        assert gap_choice(table) == 1


def test_standard_error_formula() -> None:
    # W_1 involves no k-means, and B references are the first B draws of one seeded stream, so
    # B = 2 and B = 3 share log W*_1 for their first two references: v0, v1 = mean_2 ± sd_2
    # and v2 = 3·mean_3 - 2·mean_2. The paper's s_k = sd_k·sqrt(1 + 1/B), sd with divisor B.
    X, _ = make_blobs(n_samples=200, centers=2, random_state=0)
    two = gap_statistic(X, [1, 2], n_refs=2).iloc[0]
    three = gap_statistic(X, [1, 2], n_refs=3).iloc[0]
    sd_2 = two["gap_se"] / np.sqrt(1 + 1 / 2)
    v = np.array(
        [
            two["ref_log_wk_mean"] - sd_2,
            two["ref_log_wk_mean"] + sd_2,
            3 * three["ref_log_wk_mean"] - 2 * two["ref_log_wk_mean"],
        ]
    )
    expected = np.sqrt(np.mean((v - v.mean()) ** 2)) * np.sqrt(1 + 1 / 3)
    assert three["gap_se"] == pytest.approx(expected, rel=1e-9)
    assert three["ref_log_wk_mean"] == pytest.approx(v.mean(), rel=1e-12)


def test_row_order_and_seed() -> None:
    X, _ = make_blobs(n_samples=400, centers=3, random_state=3)
    perm = np.random.default_rng(0).permutation(400)
    a = gap_statistic(X, range(1, 5), n_refs=4)
    b = gap_statistic(X[perm], range(1, 5), n_refs=4)
    pd.testing.assert_frame_equal(a, b)
    c = gap_statistic(X, range(1, 5), n_refs=4, random_state=1)
    assert not np.allclose(a["ref_log_wk_mean"], c["ref_log_wk_mean"])


def test_large_data_use_the_seeded_sample() -> None:
    X, _ = make_blobs(n_samples=3000, centers=3, n_features=4, random_state=4)
    table = gap_statistic(X, [1, 2, 3], n_refs=3, sample_size=500, random_state=2)
    sample = canonical_sample(X, 500, random_state=2)
    assert sample.n == 500
    on_sample = gap_statistic(sample.X, [1, 2, 3], n_refs=3, sample_size=500, random_state=2)
    pd.testing.assert_frame_equal(table, on_sample)
    # Rows sorted beforehand are taken as they are.
    pd.testing.assert_frame_equal(
        table, gap_statistic(sort_rows(X), [1, 2, 3], n_refs=3, sample_size=500, random_state=2)
    )


def test_bad_inputs_are_refused() -> None:
    X, _ = make_blobs(n_samples=50, random_state=0)
    with pytest.raises(ModelError, match=r"every k must be an integer ≥ 1, got \[0, 2\]"):
        gap_statistic(X, [0, 2])
    with pytest.raises(ModelError, match="no k given"):
        gap_statistic(X, [])
    with pytest.raises(ModelError, match=r"got \[1, 2.5\]"):
        gap_statistic(X, [1, 2.5])  # type: ignore[list-item]
    with pytest.raises(ModelError, match="n_refs must be ≥ 2, got 1"):
        gap_statistic(X, [1, 2], n_refs=1)
    with pytest.raises(ModelError, match="n_init"):
        gap_statistic(X, [1, 2], n_init=0)
    few = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [2.0, 2.0]])
    with pytest.raises(DataQualityError, match=r"k=3 needs more than 3 distinct rows, .* has 3"):
        gap_statistic(few, [1, 2, 3])
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(DataQualityError, match="column 1: 1 bad values"):
        gap_statistic(bad, [1, 2])
