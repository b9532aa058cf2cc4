"""The consensus rule that turns the sweep's evidence into a recommended k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from user_segmentation.select import kneedle_elbow, mean_ranks, recommend_k


def scores(sil: list[float], db: list[float], ch: list[float], first_k: int = 2) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": np.arange(first_k, first_k + len(sil)),
            "silhouette": sil,
            "davies_bouldin": db,
            "calinski_harabasz": ch,
        }
    )


def test_majority_wins_and_rationale_cites_the_numbers() -> None:
    table = scores([0.30, 0.52, 0.41], [1.10, 0.70, 0.65], [200.0, 350.0, 300.0])
    k, votes, text = recommend_k(table, elbow_k=3)
    assert k == 3
    assert votes == {"elbow": 3, "silhouette": 3, "davies_bouldin": 4, "calinski_harabasz": 3}
    assert "k=3 is recommended by 3 of 4 criteria (elbow, silhouette, Calinski-Harabasz)" in text
    assert "silhouette 0.520 (highest)" in text
    assert "Davies-Bouldin 0.700 (lowest at k=4)" in text
    assert "Calinski-Harabasz 350.0 (highest)" in text
    assert "elbow of the inertia curve is at k=3" in text
    assert 2 <= text.count(". ") + 1 <= 4


def test_tie_goes_to_the_better_mean_rank() -> None:
    # k = 2, 3, 4. Votes: silhouette 2, elbow 2, Davies-Bouldin 4, Calinski-Harabasz 4.
    # Ranks (silhouette, DB, CH): k=2 (1, 2, 3) → 2.00; k=4 (2, 1, 1) → 1.33.
    table = scores([0.60, 0.30, 0.59], [0.52, 0.90, 0.51], [140.0, 150.0, 400.0])
    k, votes, text = recommend_k(table, elbow_k=2)
    assert votes == {"elbow": 2, "silhouette": 2, "davies_bouldin": 4, "calinski_harabasz": 4}
    assert k == 4
    assert "ties with k=2 at 2 of 4 votes" in text
    assert "(1.33 vs 2.00)" in text


def test_tie_on_votes_and_rank_goes_to_the_smaller_k() -> None:
    # Votes: silhouette 2, DB 2, CH 4, elbow 4. Ranks: k=2 (1, 1, 3) and k=4 (2, 2, 1), both 5/3.
    table = scores([0.60, 0.30, 0.59], [0.50, 0.90, 0.51], [100.0, 150.0, 400.0])
    k, _, text = recommend_k(table, elbow_k=4)
    assert k == 2
    assert "ties with k=4" in text


def test_without_an_elbow_three_criteria_vote_and_the_rationale_says_so() -> None:
    table = scores([0.30, 0.52, 0.41], [1.10, 0.70, 0.65], [200.0, 350.0, 300.0])
    k, votes, text = recommend_k(table, elbow_k=None)
    assert "elbow" not in votes
    assert k == 3
    assert "of 3 criteria" in text
    assert "no elbow" in text


def test_silhouette_note_appears_in_the_rationale() -> None:
    table = scores([0.30, 0.52], [1.10, 0.70], [200.0, 350.0])
    _, _, text = recommend_k(table, None, silhouette_note="sampled on 10,000 customers")
    assert "silhouette 0.520 (highest, sampled on 10,000 customers)" in text


def test_mean_ranks_by_hand() -> None:
    table = scores([0.5, 0.7, 0.7], [0.9, 0.6, 0.8], [300.0, 200.0, 100.0])
    # silhouette ranks (3, 1.5, 1.5); DB ranks (3, 1, 2); CH ranks (1, 2, 3).
    assert mean_ranks(table).tolist() == pytest.approx([7 / 3, 4.5 / 3, 6.5 / 3])


def test_kneedle_finds_the_bend() -> None:
    assert kneedle_elbow([1, 2, 3, 4, 5, 6, 7], [1000, 300, 100, 80, 70, 62, 55]) == 3


@pytest.mark.parametrize(
    ("ks", "inertia"),
    [([2, 3], [10.0, 5.0]), ([2, 3, 4, 5], [7.0, 7.0, 7.0, 7.0]), ([2, 3, 4, 5], [4, 3, 2, 1])],
)
def test_kneedle_returns_none_without_an_elbow(ks: list[int], inertia: list[float]) -> None:
    assert kneedle_elbow(ks, inertia) is None
