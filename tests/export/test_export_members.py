"""Member lists and the privacy guard: small segments' members never leave the store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from user_segmentation.errors import PrivacyError, SchemaError
from user_segmentation.export import member_table, write_members
from user_segmentation.records import RunRecord


def _record() -> RunRecord:
    ids = [f"c{i}" for i in range(7)]
    return RunRecord(
        meta={},
        quality={},
        selection={},
        model={},
        timings={},
        k_scores=pd.DataFrame(),
        assignments=pd.DataFrame(
            {
                "customer_id": ids,
                "segment_id": [1, 2, 1, 3, 1, 2, 1],
                "confidence": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3],
            }
        ),
        segments=pd.DataFrame(
            {"segment_id": [1, 2, 3], "name": ["Loyal", "At risk", "Lost"], "size": [4, 2, 1]}
        ),
        profiles=pd.DataFrame(),
        # Customer table in a different order than assignments: the join is by id.
        customers=pd.DataFrame(
            {
                "customer_id": ids[::-1],
                "spend": [70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 10.0],
                "country": ["UK", "FR", "UK", "DE", "UK", "FR", "UK"],
            }
        ),
    )


def test_one_segment_lists_its_members_with_their_own_features() -> None:
    members = member_table(_record(), 1, min_size=2)
    assert members["customer_id"].tolist() == ["c0", "c2", "c4", "c6"]
    assert members["segment_name"].unique().tolist() == ["Loyal"]
    # c0 is the last row of the customer table (spend 10), c6 the first (spend 70).
    assert members["spend"].tolist() == [10.0, 30.0, 50.0, 70.0]
    assert list(members.columns[:4]) == ["customer_id", "segment_id", "segment_name", "confidence"]


def test_a_segment_below_the_minimum_is_refused_naming_it_and_its_size() -> None:
    with pytest.raises(PrivacyError, match=r"segment 3 \(Lost\) has 1 customer, fewer than .* 2"):
        member_table(_record(), 3, min_size=2)


def test_the_whole_base_leaves_small_segments_out() -> None:
    members = member_table(_record(), min_size=2)
    assert set(members["segment_id"]) == {1, 2}
    assert "c3" not in set(members["customer_id"])
    everyone = member_table(_record(), min_size=1)
    assert len(everyone) == 7


def test_the_default_minimum_is_fifty() -> None:
    with pytest.raises(PrivacyError, match="minimum of 50"):
        member_table(_record(), 1)
    assert member_table(_record()).empty


def test_unknown_segment_and_feature_are_schema_errors() -> None:
    with pytest.raises(SchemaError, match="no segment 9; segments: 1, 2, 3"):
        member_table(_record(), 9, min_size=1)
    with pytest.raises(SchemaError, match=r"no feature\(s\) \['age'\]"):
        member_table(_record(), 1, min_size=1, features=["age"])
    chosen = member_table(_record(), 1, min_size=1, features=["country"])
    assert list(chosen.columns) == [
        "customer_id",
        "segment_id",
        "segment_name",
        "confidence",
        "country",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_written_files_read_back_with_the_same_rows(tmp_path: Path, suffix: str) -> None:
    members = member_table(_record(), 1, min_size=1)
    path = write_members(members, tmp_path / f"members{suffix}")
    reader = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[suffix]
    back = reader(path)
    assert back["customer_id"].astype(str).tolist() == members["customer_id"].tolist()
    assert back["spend"].tolist() == members["spend"].tolist()
    assert [p.name for p in tmp_path.iterdir()] == [f"members{suffix}"]  # no temporary left


def test_an_unknown_format_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"'\.txt'; use one of \.csv, \.parquet, \.xlsx"):
        write_members(member_table(_record(), 1, min_size=1), tmp_path / "members.txt")
    assert list(tmp_path.iterdir()) == []
