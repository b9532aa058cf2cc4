"""Segment names: RFM quintile scores, the R × FM grid, trait names and user overrides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.demo.personas import PERSONA_NAMES
from user_segmentation.errors import ConfigError, SchemaError
from user_segmentation.profile.names import (
    RFM_GRID,
    RFM_NAMES,
    apply_user_names,
    base_name,
    rfm_grid_name,
    rfm_scores,
    rfm_segment_names,
    trait_names,
    trait_word,
)
from user_segmentation.profile.stats import segment_statistics


def test_scores_by_hand() -> None:
    # Ten buyers: each value once, so the quintiles are pairs.
    f = pd.DataFrame(
        {
            "recency_days": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "frequency": [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
            "monetary": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        }
    )
    s = rfm_scores(f)
    assert s["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]  # fewer days is better
    assert s["F"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert s["M"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert s["FM"].tolist() == [3.0] * 10


def test_ties_share_a_score_whatever_the_row_order() -> None:
    f = pd.DataFrame(
        {
            "recency_days": [10.0, 10.0, 10.0, 50.0, 80.0, 90.0],
            "frequency": [1, 1, 3, 4, 5, 6],
            "monetary": [10.0, 20, 30, 40, 50, 60],
        }
    )
    s = rfm_scores(f)
    # Three customers tie on recency at mid-rank 5 of 6: percentile 5/6, score ceil(25/6) = 5.
    assert s["R"].tolist()[:3] == [5.0, 5.0, 5.0]
    # Two tie on frequency at mid-rank 1.5: percentile 0.25, score 2.
    assert s["F"].tolist()[:2] == [2.0, 2.0]
    shuffled = rfm_scores(f.iloc[[4, 1, 5, 0, 3, 2]])
    pd.testing.assert_frame_equal(shuffled.sort_index(), s)


def test_non_buyers_score_one_and_do_not_shift_the_buyers() -> None:
    buyers = pd.DataFrame(
        {"recency_days": [5.0, 50.0], "frequency": [4, 1], "monetary": [100.0, 20.0]}
    )
    browsers = pd.DataFrame(
        {"recency_days": [700.0] * 3, "frequency": [0] * 3, "monetary": [0.0] * 3}
    )
    both = pd.concat([buyers, browsers], ignore_index=True)
    s = rfm_scores(both)
    assert s.loc[2:, ["R", "F", "M"]].eq(1.0).all().all()
    pd.testing.assert_frame_equal(s.loc[:1], rfm_scores(buyers))
    everyone = rfm_scores(both, buyers_only=False)
    assert everyone.loc[1, "F"] > s.loc[1, "F"]  # the one-order buyer rises above non-buyers


def test_missing_values_stay_missing_and_errors() -> None:
    f = pd.DataFrame({"recency_days": [5.0, np.nan], "frequency": [2, 3], "monetary": [10.0, 20.0]})
    s = rfm_scores(f)
    assert np.isnan(s.loc[1, "R"]) and s.loc[1, "F"] == 5.0
    with pytest.raises(SchemaError, match="'monetary'"):
        rfm_scores(f.drop(columns="monetary"))


def test_grid_is_the_published_one() -> None:
    assert list(RFM_GRID.index) == [5, 4, 3, 2, 1]
    assert list(RFM_GRID.columns) == [1, 2, 3, 4, 5]
    assert set(RFM_GRID.to_numpy().ravel()) == set(RFM_NAMES)
    # Spot checks against the regex map: 5[4-5], [3-4][4-5], [4-5][2-3], 51, 41, 33,
    # 3[1-2], [1-2][3-4], [1-2]5, [1-2][1-2] (with 11 as Lost).
    cells = {
        (5, 5): "Champions",
        (5, 4): "Champions",
        (3, 4): "Loyal",
        (4, 5): "Loyal",
        (5, 2): "Potential loyalist",
        (4, 3): "Potential loyalist",
        (5, 1): "New",
        (4, 1): "Promising",
        (3, 3): "Need attention",
        (3, 2): "About to sleep",
        (2, 3): "At risk",
        (1, 4): "At risk",
        (2, 5): "Can't lose them",
        (2, 1): "Hibernating",
        (1, 2): "Hibernating",
        (1, 1): "Lost",
    }
    for (r, fm), name in cells.items():
        assert RFM_GRID.loc[r, fm] == name
        assert rfm_grid_name(r, fm) == name


def test_grid_name_rounds_half_up_and_clips() -> None:
    assert rfm_grid_name(3.5, 4.5) == "Loyal"  # → R 4, FM 5
    assert rfm_grid_name(3.49, 3.0) == "Need attention"  # → R 3, FM 3
    assert rfm_grid_name(0.2, 7.0) == "Can't lose them"  # → R 1, FM 5


def _two_segments_on_one_cell() -> tuple[pd.DataFrame, np.ndarray]:
    """Two segments on the same grid cell (R 3, FM 3): one buys often, the other buys big."""
    rng = np.random.default_rng(5)
    n = 40
    f = pd.DataFrame(
        {
            "recency_days": np.concatenate(
                [rng.uniform(1, 10, n), rng.uniform(20, 40, 2 * n), rng.uniform(300, 400, n)]
            ),
            "frequency": np.concatenate(
                [
                    rng.integers(30, 40, n),
                    rng.integers(18, 22, n),
                    rng.integers(4, 6, n),
                    rng.integers(1, 3, n),
                ]
            ),
            "avg_order_value": np.concatenate(
                [
                    rng.uniform(90, 110, n),
                    rng.uniform(20, 30, n),
                    rng.uniform(400, 500, n),
                    rng.uniform(20, 30, n),
                ]
            ),
        }
    )
    f["monetary"] = f["frequency"] * f["avg_order_value"]
    return f, np.repeat([1, 2, 3, 4], n)


def test_same_cell_names_are_made_unique_by_their_distinguishing_trait() -> None:
    f, ids = _two_segments_on_one_cell()
    names = rfm_segment_names(f, ids)
    assert names[1] == "Champions"
    assert base_name(names[2]) == base_name(names[3]) == "Need attention"
    # Between the two, order value differs most (in base standard deviations).
    assert names[2] == "Need attention · Small baskets"
    assert names[3] == "Need attention · Big baskets"
    assert len(set(names.values())) == 4


def test_disambiguation_ignores_identifiers_and_can_be_told_what_to_use() -> None:
    f, ids = _two_segments_on_one_cell()
    names = rfm_segment_names(f, ids, describe_with=["frequency"])
    assert (names[2], names[3]) == ("Need attention · Frequent", "Need attention · Infrequent")
    with pytest.raises(SchemaError, match="'basket'"):
        rfm_segment_names(f, ids, describe_with=["basket"])
    # Two segments with the same customers' values: only the (integer, all distinct) id
    # differs, and an id is no trait, so the segment id is what sets them apart.
    twins = pd.concat([f.iloc[:40], f.iloc[:40]], ignore_index=True)
    twins["customer_id"] = np.arange(80) + 1000
    names = rfm_segment_names(twins, np.repeat([1, 2], 40))
    assert base_name(names[1]) == base_name(names[2])
    assert (names[1], names[2]) == (f"{base_name(names[1])} #1", f"{base_name(names[1])} #2")


def test_rfm_names_leave_input_alone_and_check_ids() -> None:
    f, ids = _two_segments_on_one_cell()
    before = f.copy()
    rfm_segment_names(f, ids)
    pd.testing.assert_frame_equal(f, before)
    with pytest.raises(SchemaError, match="segment ids"):
        rfm_segment_names(f, ids[:-1])


def test_trait_words() -> None:
    assert trait_word("recency_days", -0.8) == "Recent"
    assert trait_word("recency_days", 0.8) == "Lapsed"
    assert trait_word("monetary", 1.0) == "High spend"
    assert trait_word("country=DE", 1.0) == "DE country"
    assert (
        trait_word("acquisition_channel=paid_social", -1.0) == "Few paid_social acquisition channel"
    )
    assert trait_word("basket_size", 0.3) == "High basket size"


def test_trait_names_from_statistics() -> None:
    f, ids = _two_segments_on_one_cell()
    stats = segment_statistics(f, ids, numeric=["recency_days", "frequency", "avg_order_value"])
    names = trait_names(stats, n=2)
    assert names[1].startswith("Frequent") or names[1].startswith("Recent")
    assert "Big baskets" in names[3]
    assert "Lapsed" in names[4]
    assert len(set(names.values())) == 4


def test_trait_names_unique_and_typical() -> None:
    stats = pd.DataFrame(
        {
            "segment": [1, 1, 2, 2, 3],
            "feature": ["monetary", "frequency", "monetary", "age", "monetary"],
            "cohens_d": [2.0, 0.5, 1.5, -0.4, 0.1],
            "significant": [True, True, True, True, False],
        }
    )
    names = trait_names(stats, n=1)
    assert names == {1: "High spend · Frequent", 2: "High spend · Younger", 3: "Typical customers"}


def test_apply_user_names() -> None:
    names = {1: "Champions", 2: "Lost", 3: "At risk"}
    assert apply_user_names(names, {2: "  Dormant  "}) == {
        1: "Champions",
        2: "Dormant",
        3: "At risk",
    }
    assert names[2] == "Lost"  # not modified
    with pytest.raises(ConfigError, match=r"segment\(s\) \[9\] do not exist"):
        apply_user_names(names, {9: "Ghosts"})
    with pytest.raises(ConfigError, match="segment 1: name ' ' is empty"):
        apply_user_names(names, {1: " "})
    with pytest.raises(ConfigError, match=r"segments \[1, 3\] would all be called"):
        apply_user_names(names, {3: "champions"})


@pytest.mark.slow
def test_demo_personas_get_matching_names(tmp_path_factory: pytest.TempPathFactory) -> None:
    from user_segmentation.cluster import fit_kmeans
    from user_segmentation.config import load_config
    from user_segmentation.demo.generate import generate_demo
    from user_segmentation.demo.project import write_demo_project
    from user_segmentation.pipeline.run import prepare

    folder: Path = tmp_path_factory.mktemp("demo_names")
    generate_demo(folder, 3000, seed=7)
    p = prepare(load_config(write_demo_project(folder)))
    ids = fit_kmeans(p.Z, 7, random_state=0).labels + 1
    names = rfm_segment_names(p.features, ids)
    assert len(set(names.values())) == len(names) == 7

    truth = pd.read_csv(folder / "truth" / "personas.csv", dtype={"customer_id": str})
    persona = p.features["customer_id"].astype(str).map(truth.set_index("customer_id")["persona"])
    assert persona.notna().all()
    table = pd.crosstab(persona.to_numpy(), ids)  # persona × segment
    matched = {
        who: base_name(names[int(table.loc[who].idxmax())]) in PERSONA_NAMES[who]
        for who in table.index
    }
    assert sum(matched.values()) >= 5, (names, matched)
    assert matched["champions"] and matched["loyal_regulars"] and matched["browsers"]
