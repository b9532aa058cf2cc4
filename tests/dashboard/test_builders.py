"""The dashboard's pure builders: labels, filters, pages, member lists and their downloads."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from user_segmentation.dashboard.builders import (
    RowFilter,
    align_features,
    default_base_run,
    filter_rows,
    kpis,
    members_csv,
    members_excel,
    missing_share_table,
    page_count,
    page_rows,
    preprocessing_table,
    private_segments,
    run_label,
    segment_members,
    selection_summary,
    source_quality_table,
    strongest_variables,
    variable_catalog,
)
from user_segmentation.dashboard.settings import MIN_EXPORT_SIZE
from user_segmentation.errors import PrivacyError, SchemaError
from user_segmentation.export.members import MEMBER_COLUMNS
from user_segmentation.profile.stats import MIN_EXPORT_SIZE as EXPORT_DEFAULT

from .conftest import MIN_SIZE, RUN1_MEMBERS, RUN2_MEMBERS, make_run


@pytest.fixture(scope="module")
def run1():  # type: ignore[no-untyped-def]
    return make_run(RUN1_MEMBERS, update=False)


def test_default_minimum_size_is_the_exports() -> None:
    assert MIN_EXPORT_SIZE == EXPORT_DEFAULT


def test_kpis_of_the_hand_made_run(run1) -> None:  # type: ignore[no-untyped-def]
    # Revenue: segment 1 spends 500 + i for i = 1..60, segment 2 100 + i for i = 61..110,
    # segment 3 8 × 10.
    expected = (500 * 60 + sum(range(1, 61))) + (100 * 50 + sum(range(61, 111))) + 80
    assert kpis(run1) == {
        "customers": 118,
        "segments": 3,
        "revenue": pytest.approx(expected),
        "small_segments": 1,
    }


def test_run_labels_mark_published_and_current() -> None:
    published = {
        "run_id": 1,
        "created_at": "2025-01-31T09:00:00+00:00",
        "n_customers": 118,
        "k": 3,
        "published_at": "2025-01-31T09:01:00+00:00",
    }
    candidate = {**published, "run_id": 2, "published_at": pd.NA}
    assert run_label(published, current=1).endswith("published (current)")
    assert run_label(candidate, current=1) == (
        "run 2 · 2025-01-31 09:00 · 118 customers · k = 3 · candidate"
    )


def test_default_base_run_prefers_the_updated_run() -> None:
    assert default_base_run([3, 2, 1], 3, base_run_id=1) == 1
    assert default_base_run([3, 2, 1], 3, base_run_id=9) == 2  # gone: the previous run
    assert default_base_run([3, 2, 1], 1) is None


def test_variable_catalog_from_statistics_and_from_profiles(run1) -> None:  # type: ignore[no-untyped-def]
    expected = {"spend": "numeric", "visits": "numeric", "plan": "categorical"}
    assert variable_catalog(run1.statistics, run1.profiles) == expected
    assert variable_catalog(pd.DataFrame(), run1.profiles) == expected


def test_strongest_variables_rank_by_omnibus_effect(run1) -> None:  # type: ignore[no-untyped-def]
    catalog = variable_catalog(run1.statistics, run1.profiles)
    ranked = strongest_variables(run1.statistics, catalog, n=3)
    effects = run1.statistics.groupby("variable")["omnibus_effect"].max()
    assert ranked == list(effects.sort_values(ascending=False).index)


def test_align_features_follows_the_given_order() -> None:
    spend = pd.DataFrame({"customer_id": ["b", "a", "c"], "spend": [2.0, 1.0, 3.0]})
    plan = pd.DataFrame({"customer_id": ["a", "b"], "plan": ["x", "y"]})
    table = align_features(["a", "b", "c"], [spend, plan])
    assert table["customer_id"].tolist() == ["a", "b", "c"]
    assert table["spend"].tolist() == [1.0, 2.0, 3.0]
    assert table["plan"].tolist()[:2] == ["x", "y"] and pd.isna(table["plan"].iloc[2])
    assert spend["customer_id"].tolist() == ["b", "a", "c"]  # input untouched


def test_align_features_refuses_a_repeated_customer() -> None:
    twice = pd.DataFrame({"customer_id": ["a", "a"], "spend": [1.0, 2.0]})
    with pytest.raises(SchemaError, match="'a' appears twice"):
        align_features(["a"], [twice])


def test_filters_combine_and_leave_the_input_alone(run1) -> None:  # type: ignore[no-untyped-def]
    frame = run1.assignments.merge(run1.customers, on="customer_id")
    before = frame.copy()
    # Segment 1, spend 530..560: C030..C060 (31 customers).
    kept = filter_rows(frame, RowFilter(segments=(1,), variable="spend", low=530.0, high=560.0))
    assert kept["customer_id"].tolist() == [f"C{i:03d}" for i in range(30, 61)]
    # Customer C0nn is the j = nn - 1 of its segment, its confidence (j % 20) / 20 reaches
    # 0.5 for j % 20 ≥ 10: C011..C020, C031..C040, C051..C060; 20 of them in the range.
    confident = filter_rows(
        frame,
        RowFilter(segments=(1,), variable="spend", low=530.0, high=560.0, min_confidence=0.5),
    )
    expected = [f"C{i:03d}" for i in (*range(31, 41), *range(51, 61))]
    assert confident["customer_id"].tolist() == expected
    levels = filter_rows(frame, RowFilter(variable="plan", levels=("gold",)))
    assert len(levels) == 60
    pd.testing.assert_frame_equal(frame, before)


def test_filter_on_a_missing_column_names_it() -> None:
    with pytest.raises(SchemaError, match="'age'"):
        filter_rows(pd.DataFrame({"spend": [1.0]}), RowFilter(variable="age", low=1.0))


def test_pages_cover_every_row_once() -> None:
    frame = pd.DataFrame({"x": range(118)})
    n = page_count(len(frame), 50)
    assert n == 3
    pages = [page_rows(frame, p, 50)["x"].tolist() for p in range(1, n + 1)]
    assert [len(p) for p in pages] == [50, 50, 18]
    assert [x for p in pages for x in p] == list(range(118))
    assert page_rows(frame.iloc[:0], 1, 50).empty and page_count(0, 50) == 1


def test_members_of_a_segment_carry_the_chosen_columns(run1) -> None:  # type: ignore[no-untyped-def]
    members = segment_members(
        run1, run1.customers, 2, min_size=MIN_SIZE, features=["spend", "plan"]
    )
    assert list(members.columns) == [*MEMBER_COLUMNS, "spend", "plan"]
    assert members["customer_id"].tolist() == RUN1_MEMBERS[2]
    assert set(members["segment_name"]) == {"Bargain hunters"}
    assert members["spend"].tolist() == [100.0 + i for i in range(61, 111)]


def test_a_small_segment_is_refused(run1) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PrivacyError, match="segment 3 \\(Dormant\\) has 8 customers"):
        segment_members(run1, run1.customers, 3, min_size=MIN_SIZE)
    # Flagged small by its run, it stays refused even with a lower minimum here.
    with pytest.raises(PrivacyError, match="flagged small"):
        segment_members(run1, run1.customers, 3, min_size=2)
    # And the guard applies to the minimum given: 50 customers are too few for 51.
    with pytest.raises(PrivacyError, match="fewer than the minimum of 51"):
        segment_members(run1, run1.customers, 2, min_size=51)


def test_csv_download_reads_back_with_the_same_rows(run1) -> None:  # type: ignore[no-untyped-def]
    members = segment_members(run1, run1.customers, 1, min_size=MIN_SIZE, features=["spend"])
    back = pd.read_csv(io.BytesIO(members_csv(members)), dtype={"customer_id": str})
    pd.testing.assert_frame_equal(back, members, check_dtype=False)


def test_excel_download_reads_back_with_the_same_rows(run1) -> None:  # type: ignore[no-untyped-def]
    members = segment_members(
        run1, run1.customers, 1, min_size=MIN_SIZE, features=["spend", "plan"]
    )
    data = members_excel(members)
    back = pd.read_excel(io.BytesIO(data), sheet_name="members", dtype={"customer_id": str})
    assert len(back) == 60
    pd.testing.assert_frame_equal(back, members, check_dtype=False)


def test_leading_zeros_survive_both_downloads() -> None:
    members = pd.DataFrame({"customer_id": ["007", "0100"], "segment_id": [1, 1]})
    csv = pd.read_csv(io.BytesIO(members_csv(members)), dtype={"customer_id": str})
    xlsx = pd.read_excel(io.BytesIO(members_excel(members)), dtype={"customer_id": str})
    assert csv["customer_id"].tolist() == xlsx["customer_id"].tolist() == ["007", "0100"]


def test_excel_refuses_more_rows_than_a_sheet_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    import user_segmentation.dashboard.builders as builders

    monkeypatch.setattr(builders, "EXCEL_MAX_ROWS", 2)
    with pytest.raises(SchemaError, match="download the CSV instead"):
        members_excel(pd.DataFrame({"customer_id": ["a", "b", "c"]}))


def test_quality_tables(run1) -> None:  # type: ignore[no-untyped-def]
    sources = source_quality_table(run1.quality)
    assert sources["source"].tolist() == ["crm", "orders"]
    crm = sources.iloc[0]
    assert (int(crm["rows_read"]), int(crm["rows_dropped"]), int(crm["rows_kept"])) == (
        120,
        2,
        118,
    )
    assert crm["dropped_because"] == "duplicate_rows: 2"
    assert crm["key_changes"] == "whitespace_stripped: 3"
    assert int(sources.iloc[1]["rows_dropped"]) == 0
    assert pd.isna(sources.iloc[1]["distinct_customers"])
    assert missing_share_table(run1.quality).values.tolist() == [["spend", 0.05], ["visits", 0.0]]
    assert preprocessing_table(run1.quality).values.tolist() == [["spend", "transformed", "log1p"]]
    assert source_quality_table({}).empty


def test_selection_summary_names_the_choice(run1) -> None:  # type: ignore[no-untyped-def]
    summary = dict(selection_summary(run1.selection, run1.meta).values.tolist())
    assert summary["segments (k)"] == "3"
    assert summary["recommended k"] == "3"
    assert summary["silhouette"] == "exact"
    assert summary["method"] == "kmeans"


def test_run2_members_are_the_module_texts() -> None:
    # Guards the fixture the page tests rely on: 62 / 50 / 8 customers in run 2.
    run2 = make_run(RUN2_MEMBERS, update=True)
    assert run2.segments["size"].tolist() == [62, 50, 8]
    assert np.array_equal(run2.segments["small"].to_numpy(), [0, 0, 1])
    assert len(run2.moves) == 5 + 3 + 2 + 4


def test_private_segments_follow_the_minimum_and_the_flag(run1) -> None:  # type: ignore[no-untyped-def]
    assert private_segments(run1.segments, MIN_SIZE) == [3]
    assert private_segments(run1.segments, 51) == [2, 3]
    assert private_segments(run1.segments.assign(small=0), 2) == []
