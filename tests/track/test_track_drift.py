"""Drift measures: PSI, segment share shift, margin decay, far share."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from user_segmentation.errors import DataQualityError, ModelError, SchemaError
from user_segmentation.track import (
    drift_report,
    far_share,
    far_threshold,
    feature_psi,
    margin_decay,
    psi,
    share_shift,
)
from user_segmentation.track.drift import EPSILON


def _psi_by_hand(expected: list[float], actual: list[float]) -> float:
    return sum((a - e) * math.log(a / e) for e, a in zip(expected, actual, strict=True))


def test_psi_of_identical_samples_is_zero() -> None:
    values = np.random.default_rng(1).lognormal(size=500)
    assert psi(values, values) == pytest.approx(0.0, abs=1e-12)
    assert psi(values, values[::-1].copy()) == pytest.approx(0.0, abs=1e-12)
    assert psi(list("aabbbc"), list("cbbbaa"), categorical=True) == pytest.approx(0.0)


def test_psi_of_two_samples_of_one_distribution_is_small() -> None:
    rng = np.random.default_rng(2)
    assert psi(rng.normal(size=2000), rng.normal(size=2000)) < 0.02


def test_psi_on_two_bins_matches_the_hand_computation() -> None:
    # Reference 1..4 is cut at its median 2.5: shares 1/2, 1/2. New: 3 of 4 at or below 2.5.
    expected = _psi_by_hand([0.5, 0.5], [0.75, 0.25])
    assert expected == pytest.approx(0.25 * math.log(1.5) + 0.25 * math.log(2.0))
    assert psi([1, 2, 3, 4], [1, 2, 2.5, 4], bins=2) == pytest.approx(expected)
    # A value equal to the cut point belongs to the lower bin (bins are right-closed).
    assert psi([1, 2, 3, 4], [2.5, 2.5, 2.5, 3], bins=2) == pytest.approx(expected)


def test_an_empty_bin_counts_as_epsilon() -> None:
    # Everything new falls in the lower half: the upper bin's share 0 becomes EPSILON.
    value = psi([1, 2, 3, 4], [1, 1, 1, 1], bins=2)
    assert value == pytest.approx(_psi_by_hand([0.5, 0.5], [1.0, EPSILON]))


def test_values_outside_the_reference_range_fall_in_the_outer_bins() -> None:
    assert psi([1, 2, 3, 4], [-100, -100, 100, 100], bins=2) == pytest.approx(0.0)


def test_missing_values_form_a_bin_of_their_own() -> None:
    # New: 2 of 4 in the lower half, 1 in the upper, 1 missing (the reference has none).
    value = psi([1, 2, 3, 4], [1, 2, 3, None], bins=2)
    assert value == pytest.approx(_psi_by_hand([0.5, 0.5, EPSILON], [0.5, 0.25, 0.25]))


def test_repeated_values_merge_bins() -> None:
    ref = pd.DataFrame({"orders": [0] * 6 + [1, 2, 3, 4]})
    table = feature_psi(ref, ref, ["orders"], bins=10)
    # Deciles 0.1-0.5 are all 0, then 0.4, 1.3, 2.2, 3.1: six bins instead of ten.
    assert table["n_bins"].tolist() == [6]
    assert table["psi"].tolist() == [0.0]


def test_categorical_psi_on_level_shares_with_a_new_level() -> None:
    value = psi(["FR", "FR", "DE", "DE"], ["FR", "FR", "DE", "ES"], categorical=True)
    assert value == pytest.approx(_psi_by_hand([0.5, 0.5, EPSILON], [0.25, 0.5, 0.25]))
    as_category = psi(
        pd.Series(["FR", "FR", "DE", "DE"], dtype="category"),
        pd.Series(["FR", "FR", "DE", None], dtype="category"),
        categorical=True,
    )
    assert as_category == pytest.approx(_psi_by_hand([0.5, 0.5, EPSILON], [0.25, 0.5, 0.25]))


def test_a_mean_shift_of_one_standard_deviation_is_a_major_shift() -> None:
    rng = np.random.default_rng(3)
    assert psi(rng.normal(size=2000), rng.normal(1.0, size=2000)) > 0.25


def test_feature_psi_lists_every_feature_in_order() -> None:
    ref = pd.DataFrame({"spend": [1, 2, 3, 4], "country": ["FR", "FR", "DE", "DE"]})
    new = pd.DataFrame({"spend": [1, 1, 1, 4], "country": ["FR", "FR", "DE", "DE"]})
    before = new.copy()
    table = feature_psi(ref, new, ["spend"], ["country"], bins=2)
    assert table.columns.tolist() == ["feature", "kind", "psi", "n_bins"]
    assert table["feature"].tolist() == ["spend", "country"]
    assert table["kind"].tolist() == ["numeric", "categorical"]
    assert table["psi"].tolist() == pytest.approx([_psi_by_hand([0.5, 0.5], [0.75, 0.25]), 0.0])
    pd.testing.assert_frame_equal(new, before)


def test_feature_psi_names_the_bad_column() -> None:
    ref = pd.DataFrame({"spend": [1.0, 2.0], "tenure": [1.0, 2.0]})
    with pytest.raises(SchemaError, match=r"new data: missing feature column\(s\) \['tenure'\]"):
        feature_psi(ref, ref[["spend"]], ["spend", "tenure"])
    with pytest.raises(
        DataQualityError, match=r"column 'spend' \(new\): value '12,5a' at position 2"
    ):
        feature_psi(ref, pd.DataFrame({"spend": ["1", "12,5a"]}), ["spend"])
    with pytest.raises(DataQualityError, match=r"column 'spend' \(reference\): 1 infinite"):
        feature_psi(pd.DataFrame({"spend": [1.0, np.inf]}), ref, ["spend"])
    with pytest.raises(DataQualityError, match="column 'spend': the new side has no values"):
        feature_psi(ref, ref.iloc[:0], ["spend"])
    with pytest.raises(SchemaError, match="more than once"):
        feature_psi(ref, ref, ["spend"], ["spend"])
    with pytest.raises(ModelError, match="bins"):
        psi([1, 2], [1, 2], bins=1)


def test_share_shift_by_hand() -> None:
    # Counts are normalised: 50/50 against 30/60/10.
    shift = share_shift(pd.Series({1: 50, 2: 50}), {2: 0.6, 1: 0.3, 3: 0.1})
    assert shift.table["segment_id"].tolist() == [1, 2, 3]
    assert shift.table["old_share"].tolist() == pytest.approx([0.5, 0.5, 0.0])
    assert shift.table["shift"].tolist() == pytest.approx([-0.2, 0.1, 0.1])
    assert shift.total_variation == pytest.approx(0.2)
    assert share_shift({1: 2, 2: 2}, {1: 10, 2: 10}).total_variation == 0.0


def test_share_shift_refuses_bad_shares() -> None:
    with pytest.raises(DataQualityError, match=r"segment 2 has share -0\.1"):
        share_shift({1: 1.0, 2: -0.1}, {1: 1.0})
    with pytest.raises(DataQualityError, match="sum to 0"):
        share_shift({1: 0.0}, {1: 1.0})


def test_margin_decay_by_hand() -> None:
    # Medians 2 → 1.5: a quarter lower.
    assert margin_decay([1.0, 2.0, 3.0], [0.5, 1.5, 2.0]) == 0.25
    assert margin_decay([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == -1.0
    assert margin_decay([0.0, 0.0, 1.0], [0.0]) == 0.0
    with pytest.raises(DataQualityError, match=r"negative value -1\.0 at position 2"):
        margin_decay([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(DataQualityError, match="no values"):
        margin_decay([], [1.0])


def test_far_share_by_hand() -> None:
    reference = np.arange(1.0, 101.0)  # 99% quantile ("higher"): 100
    assert far_threshold(reference) == 100.0
    assert far_share([50.0, 100.0, 100.5, 300.0], reference) == 0.5
    assert far_share(reference, reference) == 0.0
    # With few reference customers the threshold is still an observed distance.
    assert far_share([0.3], [0.1, 0.2, 0.1, 0.3]) == 0.0
    with pytest.raises(ModelError, match="quantile"):
        far_share([1.0], [1.0], quantile=1.0)
    with pytest.raises(DataQualityError, match="missing or infinite"):
        far_share([np.nan], [1.0])


def _assignments(segment: list[int], distance: list[float], margin: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"segment_id": segment, "distance": distance, "margin": margin})


def test_drift_report_gathers_every_measure_and_serialises() -> None:
    ref_features = pd.DataFrame({"spend": [1, 2, 3, 4], "country": ["FR", "FR", "DE", "DE"]})
    new_features = pd.DataFrame({"spend": [1, 1, 1, 4], "country": ["FR", "FR", "DE", "DE"]})
    ref = _assignments([1, 1, 2, 2], [0.1, 0.2, 0.1, 0.3], [2.0, 2.0, 1.0, 1.0])
    new = _assignments([1, 1, 1, 2], [0.1, 0.2, 5.0, 0.3], [1.0, 1.0, 1.0, 1.0])
    report = drift_report(
        ref_features,
        new_features,
        numeric=["spend"],
        categorical=["country"],
        reference_assignments=ref,
        new_assignments=new,
        bins=2,
    )
    assert report.psi["psi"].tolist() == pytest.approx([0.2746530722, 0.0])
    assert report.shares is not None
    assert report.shares.total_variation == pytest.approx(0.25)
    assert report.margin_decay == pytest.approx(1 - 1.0 / 1.5)
    assert report.far_distance == 0.3
    assert report.far_share == 0.25
    assert (report.n_reference, report.n_new) == (4, 4)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["psi"][0] == {
        "feature": "spend",
        "kind": "numeric",
        "psi": pytest.approx(0.27465307),
        "n_bins": 2,
    }
    assert data["shares"]["segments"][0]["new_share"] == 0.75


def test_drift_report_needs_the_assignment_columns() -> None:
    frame = pd.DataFrame({"spend": [1.0]})
    ok = _assignments([1], [0.0], [1.0])
    with pytest.raises(SchemaError, match=r"new assignments: missing column\(s\) \['margin'\]"):
        drift_report(
            frame,
            frame,
            numeric=["spend"],
            reference_assignments=ok,
            new_assignments=ok.drop(columns="margin"),
        )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.integers(2, 12),
)
def test_psi_is_never_negative_and_zero_on_a_reordering(
    reference: list[float], new: list[float], bins: int
) -> None:
    assert psi(reference, new, bins=bins) >= 0.0
    assert psi(reference, reference[::-1], bins=bins) == pytest.approx(0.0, abs=1e-12)
