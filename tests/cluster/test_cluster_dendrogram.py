"""The stored top of a Ward tree: leaf sizes and the cut height."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from user_segmentation.cluster import dendrogram_data, fit_ward
from user_segmentation.errors import ModelError


@pytest.mark.parametrize("exact_max", [10_000, 500])
def test_leaves_count_every_customer_and_the_cut_gives_k(exact_max: int) -> None:
    X, _ = make_blobs(n_samples=2_000, centers=4, cluster_std=0.6, random_state=2)
    result = fit_ward(X, 4, exact_max=exact_max)
    data = dendrogram_data(result.linkage, 4, leaf_sizes=result.leaf_sizes)
    assert sum(data["leaf_labels"]) == 2_000  # micro-cluster sizes when two-step
    assert len(data["leaf_labels"]) == 30
    # Cutting the tree at the stored height undoes the last k - 1 merges: k segments.
    assert result.linkage is not None
    assert int((result.linkage[:, 2] > data["cut_height"]).sum()) == 3


def test_leaf_sizes_must_match_the_tree() -> None:
    X, _ = make_blobs(n_samples=50, centers=2, random_state=0)
    result = fit_ward(X, 2)
    with pytest.raises(ModelError, match="leaf_sizes"):
        dendrogram_data(result.linkage, 2, leaf_sizes=np.ones(3))
    with pytest.raises(ModelError, match="k=60"):
        dendrogram_data(result.linkage, 60)
