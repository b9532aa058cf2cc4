"""What a run stores about each segment's value, its statistics, and the privacy guard."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.config import load_config
from user_segmentation.errors import PrivacyError
from user_segmentation.export import member_table
from user_segmentation.pipeline.run import run_project
from user_segmentation.records import RunRecord
from user_segmentation.store import RunStore


def _project(make_demo: Callable[[int], Path], folder: Path, **profile: object) -> Path:
    shutil.copytree(make_demo(3_000).parent, folder, dirs_exist_ok=True)
    path = folder / "segmentation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["profile"] = profile
    data["store"] = {"url": "runs.db"}
    data["model"] = {**data.get("model", {}), "k": 7}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def flagged(make_demo: Callable[[int], Path], tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("flagged")
    project = _project(make_demo, folder, min_segment_size=400)
    return project, run_project(load_config(project)).record


def test_revenue_shares_add_up_and_match_the_customer_table(flagged) -> None:
    _, record = flagged
    segments = record.segments
    assert segments["revenue_share"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(
        segments["value_index"], segments["revenue_share"] / segments["share"]
    )
    # Recomputed from the stored customer table and assignments, by hand.
    joined = record.assignments[["customer_id", "segment_id"]].merge(
        record.customers[["customer_id", "monetary"]], on="customer_id"
    )
    revenue = joined.groupby("segment_id")["monetary"].sum()
    np.testing.assert_allclose(segments.set_index("segment_id")["revenue"], revenue)


def test_statistics_and_customers_round_trip_through_the_store(flagged) -> None:
    project, record = flagged
    with RunStore(load_config(project).store_url()) as store:
        loaded = store.load_run()
    pd.testing.assert_frame_equal(
        loaded.statistics.reset_index(drop=True),
        record.statistics.reset_index(drop=True),
        check_dtype=False,
    )
    assert loaded.customers["customer_id"].tolist() == record.assignments["customer_id"].tolist()
    np.testing.assert_allclose(loaded.customers["monetary"], record.customers["monetary"])
    assert loaded.statistics["significant"].isin([0, 1]).all()
    assert set(loaded.statistics["kind"]) == {"numeric", "categorical"}


def test_segments_under_the_minimum_are_flagged_and_never_exported(flagged) -> None:
    project, record = flagged
    segments = record.segments
    small = segments.loc[segments["size"] < 400, "segment_id"].tolist()
    assert small, "the fixture needs at least one segment under 400 of 3,000 customers"
    assert segments.set_index("segment_id").loc[small, "small"].eq(1).all()
    assert segments.loc[segments["size"] >= 400, "small"].eq(0).all()
    with pytest.raises(PrivacyError):
        member_table(record, small[0], min_size=400)

    out = project.parent / "members.csv"
    result = CliRunner().invoke(app, ["export", str(out), "-c", str(project)])
    assert result.exit_code == 0, result.output
    assert "Left out segment(s)" in result.output
    written = pd.read_csv(out, dtype={"customer_id": str})
    assert not set(written["segment_id"]) & set(small)
    assert len(written) == int(segments.loc[segments["small"] == 0, "size"].sum())

    refused = CliRunner().invoke(
        app, ["export", str(project.parent / "one.csv"), "-c", str(project), "-s", str(small[0])]
    )
    assert refused.exit_code == PrivacyError.exit_code
    assert "never exported" in refused.output
    assert not (project.parent / "one.csv").exists()


def test_merge_policy_folds_small_segments_into_their_neighbours(
    make_demo: Callable[[int], Path], tmp_path: Path, flagged
) -> None:
    _, flagged_record = flagged
    project = _project(make_demo, tmp_path, min_segment_size=400, small_segments="merge")
    record: RunRecord = run_project(load_config(project)).record
    n_small = int(flagged_record.segments["small"].sum())
    assert record.meta["k"] == 7 - n_small
    assert record.segments["size"].min() >= 400
    assert record.segments["small"].eq(0).all()
    assert record.segments["segment_id"].tolist() == list(range(1, 8 - n_small))
    assert len(record.assignments) == len(flagged_record.assignments)


def test_a_store_without_room_for_the_run_is_refused_before_writing(
    flagged, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil as shutil_module

    from user_segmentation.errors import StoreError
    from user_segmentation.pipeline import run as run_module

    _, record = flagged
    usage = shutil_module.disk_usage(tmp_path)
    monkeypatch.setattr(
        run_module.shutil, "disk_usage", lambda _path: usage._replace(free=1_000_000)
    )
    with pytest.raises(StoreError, match=r"MB of free space needed .* 1 MB free"):
        run_module.check_free_space(f"sqlite:///{tmp_path / 'runs.db'}", record)
    assert not (tmp_path / "runs.db").exists()
