"""Matching a refit's segments to the previous run's: ids, births, retirements, splits, merges."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from user_segmentation.errors import DataQualityError, ModelError
from user_segmentation.track import (
    SegmentMerge,
    SegmentSplit,
    default_max_distance,
    label_centroids,
    match_segments,
)

# Three previous segments, 10 apart: nearest-neighbour distances 10, 10, 10 → cut-off 5.
OLD = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
OLD_IDS = [1, 2, 3]


def test_permuted_centroids_recover_the_permutation() -> None:
    rng = np.random.default_rng(0)
    permutation = [2, 0, 1]  # new label 1 is old row 2 (id 3), label 2 is id 1, label 3 is id 2
    new = OLD[permutation] + rng.normal(scale=0.2, size=OLD.shape)
    m = match_segments(OLD, new, old_ids=OLD_IDS)
    assert m.id_map == {1: 3, 2: 1, 3: 2}
    assert m.matched == m.id_map
    assert m.born == [] and m.retired == []
    assert m.splits == [] and m.merges == []


def test_a_far_new_centroid_is_born_with_the_next_id() -> None:
    new = np.r_[OLD, [[30.0, 30.0]]]
    m = match_segments(OLD, new, old_ids=OLD_IDS)
    assert m.id_map == {1: 1, 2: 2, 3: 3, 4: 4}
    assert m.born == [4]
    assert m.matched == {1: 1, 2: 2, 3: 3}
    # Its nearest previous centroid (id 3 at (0, 10)) is 36.06 away, beyond the 5.0 cut-off.
    assert m.distances.loc[4].min() == pytest.approx(np.hypot(30, 20))
    assert m.max_distance == 5.0


def test_born_ids_start_after_the_largest_id_ever_used() -> None:
    new = np.r_[OLD, [[30.0, 30.0]], [[-30.0, -30.0]]]
    m = match_segments(OLD, new, old_ids=[1, 2, 5], first_new_id=8)
    # Born segments in ascending new label: 4 → 8, 5 → 9.
    assert m.id_map == {1: 1, 2: 2, 3: 5, 4: 8, 5: 9}
    assert m.born == [8, 9]
    with pytest.raises(ModelError, match="reuse"):
        match_segments(OLD, new, old_ids=[1, 2, 5], first_new_id=5)


def test_a_removed_segment_is_retired() -> None:
    m = match_segments(OLD, OLD[[0, 2]] + 0.1, old_ids=OLD_IDS)
    assert m.id_map == {1: 1, 2: 3}
    assert m.retired == [2]
    assert m.born == []


def test_a_centroid_beyond_the_cut_off_is_not_matched_even_when_alone() -> None:
    # Previous (0, 0) and new (6, 0): 6 > 5, so the previous is retired and the new is born.
    m = match_segments(OLD, [[6.0, 0.0], [10.0, 0.0], [0.0, 10.0]], old_ids=OLD_IDS)
    assert m.id_map == {1: 4, 2: 2, 3: 3}
    assert m.born == [4] and m.retired == [1]
    wider = match_segments(
        OLD, [[6.0, 0.0], [10.0, 0.0], [0.0, 10.0]], old_ids=OLD_IDS, max_distance=6.0
    )
    assert wider.id_map == {1: 1, 2: 2, 3: 3}


def test_the_assignment_minimises_the_total_distance_not_greedily() -> None:
    # Greedy nearest-first pairs 1.1↔2 (0.9) then 3.5↔0 (3.5): total 4.4.
    # The optimum pairs 1.1↔0 (1.1) and 3.5↔2 (1.5): total 2.6.
    m = match_segments([[0.0], [2.0]], [[1.1], [3.5]], old_ids=[1, 2], max_distance=np.inf)
    assert m.id_map == {1: 1, 2: 2}


def test_as_many_pairs_as_possible_are_made_under_the_cut_off() -> None:
    # Cut-off 1.0: x=1.0 may go to 0 or 2, y=2.9 only to 2. Pairing x↔2 alone (distance 1.0)
    # would leave y unmatched; the matching keeps both.
    m = match_segments([[0.0], [2.0]], [[1.0], [2.9]], old_ids=[1, 2], max_distance=1.0)
    assert m.id_map == {1: 1, 2: 2}


def test_default_cut_off_is_half_the_median_nearest_neighbour_distance() -> None:
    # Nearest-neighbour distances: 0 → 2, 2 → 2, 6 → 4, 20 → 14; median 3; half 1.5.
    assert default_max_distance([[0.0], [2.0], [6.0], [20.0]]) == 1.5
    assert default_max_distance([[1.0, 2.0]]) == np.inf


def test_result_does_not_depend_on_the_order_of_the_previous_segments() -> None:
    new = np.array([[0.2, 0.0], [9.0, 0.0], [30.0, 30.0]])
    a = match_segments(OLD, new, old_ids=OLD_IDS)
    b = match_segments(OLD[[2, 1, 0]], new, old_ids=[3, 2, 1])
    assert a.id_map == b.id_map == {1: 1, 2: 2, 3: 4}
    assert a.retired == b.retired == [3]
    pd.testing.assert_frame_equal(a.distances, b.distances)


def test_new_labels_can_be_given() -> None:
    m = match_segments(OLD, OLD[[1, 0]], old_ids=OLD_IDS, new_ids=[7, 4])
    assert m.id_map == {4: 1, 7: 2}
    assert m.distances.index.tolist() == [4, 7]


def test_split_and_merge_are_detected_from_memberships() -> None:
    old_members = {c: 1 for c in "abcdef"} | {c: 2 for c in "ghij"} | {c: 3 for c in "klmn"}
    # Previous 1 is cut in two (a-c → new 1, d-f → new 3); previous 2 and 3 merge into new 2.
    new_members = pd.Series(
        {c: 1 for c in "abc"} | {c: 3 for c in "def"} | dict.fromkeys("ghijklmn", 2)
    )
    new = np.array([[0.0, -0.5], [5.0, 5.0], [0.0, 1.0]])
    m = match_segments(OLD, new, old_ids=OLD_IDS, old_members=old_members, new_members=new_members)
    # New 1 (0.5 from previous 1) keeps id 1 over new 3 (1.0 from it), which is born as 5;
    # new 2 at (5, 5) is 7.07 from every previous centroid, beyond the cut-off 5: born as 4.
    assert m.id_map == {1: 1, 2: 4, 3: 5}
    assert m.retired == [2, 3]
    assert m.splits == [SegmentSplit(old_id=1, into=(1, 5), shares=(0.5, 0.5), customers=6)]
    assert m.merges == [SegmentMerge(into=4, old_ids=(2, 3), shares=(1.0, 1.0), customers=8)]


def test_a_small_leak_is_neither_a_split_nor_a_merge() -> None:
    # 1 of 10 customers of previous 1 moved to new 2: 10% < 30%.
    old_members = {f"c{i}": 1 for i in range(10)} | {f"d{i}": 2 for i in range(10)}
    new_members = {f"c{i}": 1 for i in range(9)} | {"c9": 2} | {f"d{i}": 2 for i in range(10)}
    m = match_segments(
        [[0.0], [10.0]],
        [[0.0], [10.0]],
        old_ids=[1, 2],
        old_members=old_members,
        new_members=new_members,
    )
    assert m.splits == [] and m.merges == []
    lower = match_segments(
        [[0.0], [10.0]],
        [[0.0], [10.0]],
        old_ids=[1, 2],
        old_members=old_members,
        new_members=new_members,
        min_share=0.1,
    )
    assert lower.splits == [SegmentSplit(1, (1, 2), (0.9, 0.1), 10)]


def test_customers_in_only_one_run_are_ignored_for_splits() -> None:
    m = match_segments(
        [[0.0], [10.0]],
        [[0.0], [10.0]],
        old_ids=[1, 2],
        old_members={"a": 1, "b": 1, "gone": 2},
        new_members={"a": 1, "b": 2, "new": 2},
    )
    # a and b are the only shared customers: previous 1 splits 50/50.
    assert m.splits == [SegmentSplit(1, (1, 2), (0.5, 0.5), 2)]


def test_stable_ids_translates_customer_labels() -> None:
    m = match_segments(OLD, np.r_[OLD[[1, 0, 2]], [[30.0, 30.0]]], old_ids=OLD_IDS)
    assert m.stable_ids(np.array([1, 2, 4, 4])).tolist() == [2, 1, 4, 4]
    with pytest.raises(ModelError, match=r"\[9\]"):
        m.stable_ids([1, 9])


def test_label_centroids_gives_each_label_its_mean() -> None:
    ids, centroids = label_centroids([[0.0, 1.0], [2.0, 3.0], [10.0, 10.0]], [2, 2, 1])
    assert ids.tolist() == [1, 2]
    assert centroids.tolist() == [[10.0, 10.0], [1.0, 2.0]]


def test_inputs_are_not_modified() -> None:
    old, new = OLD.copy(), OLD[::-1].copy()
    ids = np.array([3, 1, 2])
    match_segments(old, new, old_ids=ids)
    assert np.array_equal(old, OLD) and np.array_equal(new, OLD[::-1])
    assert ids.tolist() == [3, 1, 2]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"new_centroids": [[0.0, 0.0, 0.0]]}, ModelError, "shared space"),
        ({"old_ids": [1, 1, 2]}, ModelError, r"repeats id\(s\) \[1\]"),
        ({"old_ids": [1, 2]}, ModelError, "one id per centroid"),
        ({"old_ids": [1.5, 2, 3]}, ModelError, "integers"),
        ({"new_centroids": [[np.nan, 0.0]]}, ModelError, r"row\(s\) \[0\]"),
        ({"max_distance": -1.0}, ModelError, "max_distance"),
        ({"min_share": 0.0}, ModelError, "min_share"),
        ({"old_members": {"a": 1}}, ModelError, "both"),
        (
            {"old_members": {"a": 1}, "new_members": {"a": 2}},
            ModelError,
            "customer 'a' is in segment 2",
        ),
        (
            {"old_members": {"a": 7}, "new_members": {"a": 1}},
            ModelError,
            "customer 'a' is in segment 7",
        ),
        (
            {"old_members": pd.Series([1, 2], index=["a", "a"]), "new_members": {"a": 1}},
            DataQualityError,
            r"\['a'\] appear more than once",
        ),
        (
            {"old_members": {"a": None}, "new_members": {"a": 1}},
            DataQualityError,
            "no segment",
        ),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    args: dict[str, Any] = {
        "old_centroids": OLD,
        "new_centroids": [[0.0, 0.0]],
        "old_ids": OLD_IDS,
    }
    args.update(kwargs)
    with pytest.raises(error, match=message):
        match_segments(**args)


coordinates = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def segment_sets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int]]:
    d = draw(st.integers(1, 3))
    old = draw(arrays(np.float64, (draw(st.integers(1, 5)), d), elements=coordinates))
    new = draw(arrays(np.float64, (draw(st.integers(1, 5)), d), elements=coordinates))
    permutation = draw(st.permutations(range(new.shape[0])))
    return old, new, list(permutation)


@settings(max_examples=150, deadline=None)
@given(segment_sets(), st.sampled_from([None, 0.0, 1.0, np.inf]))
def test_matching_does_not_depend_on_the_order_of_the_new_centroids(
    case: tuple[np.ndarray, np.ndarray, list[int]], max_distance: float | None
) -> None:
    old, new, permutation = case
    old_ids = list(range(10, 10 + old.shape[0]))
    new_ids = np.arange(1, new.shape[0] + 1)
    a = match_segments(old, new, old_ids=old_ids, max_distance=max_distance)
    b = match_segments(
        old,
        new[permutation],
        old_ids=old_ids,
        new_ids=new_ids[permutation],
        max_distance=max_distance,
    )
    assert a.id_map == b.id_map
    assert a.born == b.born and a.retired == b.retired
    # Invariants: each previous id is taken at most once, every previous id is either taken
    # or retired, and born ids are fresh.
    matched = a.matched
    assert len(set(matched.values())) == len(matched)
    assert sorted([*matched.values(), *a.retired]) == old_ids
    assert all(b_id > max(old_ids) for b_id in a.born)
    assert len(a.id_map) == new.shape[0]
    assert all(a.distances.loc[n, o] <= a.max_distance for n, o in matched.items())
