"""``segment assign`` and :func:`assign_new`: new data scored with a stored model, checked first.

One small demo run per module; its exported member list is new data whose right answer is
known (the stored assignments). The bad inputs are BAD_INPUTS.md #42-46: each is refused with
every problem named, or handled and noted, and a refused assignment writes nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.config import load_config
from user_segmentation.errors import SchemaError
from user_segmentation.pipeline.assign import SCORED_COLUMNS, StoredModel, assign_new
from user_segmentation.pipeline.run import run_project
from user_segmentation.records import RunRecord
from user_segmentation.store import RunStore

runner = CliRunner()


@dataclass
class Demo:
    project: Path
    record: RunRecord  # the stored run, as loaded from the store
    members: pd.DataFrame  # its `segment export`, as read back from the CSV
    members_csv: Path

    @property
    def stored(self) -> pd.Series:
        """The stored segment of each customer."""
        return self.record.assignments.set_index("customer_id")["segment_id"]


@pytest.fixture(scope="module")
def demo(make_demo: Callable[[int], Path], tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("assign_demo")
    shutil.copytree(make_demo(3_000).parent, folder, dirs_exist_ok=True)
    project = folder / "segmentation.yaml"
    run_project(load_config(project))
    members_csv = folder / "members.csv"
    result = runner.invoke(app, ["export", str(members_csv), "-c", str(project)])
    assert result.exit_code == 0, result.output
    with RunStore(load_config(project).store_url()) as store:
        record = store.load_run()
    members = pd.read_csv(members_csv, dtype={"customer_id": str})
    assert record.meta["primary_method"] == "kmeans"
    assert len(members) == len(record.assignments)  # no segment too small to export
    return Demo(project, record, members, members_csv)


def _assign(demo: Demo, data: Path, out: Path, project: Path | None = None) -> tuple[int, str]:
    """Run `segment assign`; exit code and the output with line wrapping undone."""
    result = runner.invoke(
        app, ["assign", str(data), "-o", str(out), "-c", str(project or demo.project)]
    )
    return result.exit_code, " ".join(result.output.split())


def _runs(demo: Demo) -> list[int]:
    with RunStore(load_config(demo.project).store_url()) as store:
        return [int(i) for i in store.list_runs()["run_id"]]


def _assert_refused(demo: Demo, data: Path, out: Path, *expected: str) -> None:
    """The CLI refuses ``data`` naming every ``expected`` text, and writes nothing."""
    code, text = _assign(demo, data, out)
    assert code == SchemaError.exit_code, text
    for part in expected:
        assert part in text, text
    assert not out.exists()
    assert not data.with_name(f"{data.name.split('.')[0]}_segments.csv").exists()
    assert _runs(demo) == [1]


# The model is applied, not refitted ----------------------------------------------------------


def test_exported_members_assigned_again_get_their_stored_segments(
    demo: Demo, tmp_path: Path
) -> None:
    out = tmp_path / "assigned.csv"
    code, text = _assign(demo, demo.members_csv, out)
    assert code == 0, text
    assert f"Assigned {len(demo.members):,} customers with the model of run 1" in text
    assigned = pd.read_csv(out, dtype={"customer_id": str})
    assert list(assigned.columns) == SCORED_COLUMNS
    # k-means labels are the nearest centroid: the stored model gives the same segments.
    assert (assigned["segment_id"].to_numpy() == demo.stored[assigned["customer_id"]]).all()
    names = demo.record.segments.set_index("segment_id")["name"]
    assert (assigned["segment_name"] == assigned["segment_id"].map(names)).all()
    stored = demo.record.assignments.set_index("customer_id").loc[assigned["customer_id"]]
    np.testing.assert_allclose(assigned["confidence"], stored["confidence"], atol=1e-9)
    assert _runs(demo) == [1]  # assigning stores nothing


def test_assign_new_scores_with_the_stored_model(demo: Demo) -> None:
    scored = assign_new(demo.members, demo.record, source="members.csv")
    stored = demo.record.assignments.set_index("customer_id").loc[demo.members["customer_id"]]
    assert (scored.assignments["segment_id"].to_numpy() == stored["segment_id"].to_numpy()).all()
    np.testing.assert_allclose(scored.assignments["distance"], stored["distance"], rtol=1e-9)
    np.testing.assert_allclose(scored.assignments["margin"], stored["margin"], rtol=1e-9)
    # The same principal-component space as the run's.
    np.testing.assert_allclose(scored.Z[:, :3], stored[["pc1", "pc2", "pc3"]], atol=1e-9)
    assert scored.assignments["customer_id"].tolist() == demo.members["customer_id"].tolist()


def test_a_single_new_customer_can_be_assigned(demo: Demo) -> None:  # BAD_INPUTS #3
    one = demo.members.iloc[[7]]
    scored = assign_new(one, demo.record, source="one.csv")
    assert scored.assignments["segment_id"].tolist() == [demo.stored[one["customer_id"].iloc[0]]]


# BAD_INPUTS #42: a renamed column -------------------------------------------------------------


def test_a_renamed_column_is_refused_naming_the_similar_one(demo: Demo, tmp_path: Path) -> None:
    data = tmp_path / "renamed.csv"
    demo.members.rename(columns={"monetary": "monetary_value"}).to_csv(data, index=False)
    _assert_refused(
        demo,
        data,
        tmp_path / "out.csv",
        "required column 'monetary' missing; similar: monetary_value",
        "alias",
    )


def test_an_alias_in_the_project_maps_the_renamed_column(demo: Demo, tmp_path: Path) -> None:
    data = tmp_path / "renamed.csv"
    demo.members.rename(columns={"monetary": "monetary_value"}).to_csv(data, index=False)
    settings = yaml.safe_load(demo.project.read_text(encoding="utf-8"))
    settings["update"]["aliases"] = {"monetary_value": "monetary"}
    aliased = demo.project.with_name("aliased.yaml")  # same folder: same store
    aliased.write_text(yaml.safe_dump(settings), encoding="utf-8")
    out = tmp_path / "out.csv"
    code, text = _assign(demo, data, out, project=aliased)
    assert code == 0, text
    assigned = pd.read_csv(out, dtype={"customer_id": str})
    assert (assigned["segment_id"].to_numpy() == demo.stored[assigned["customer_id"]]).all()


def test_an_alias_to_no_feature_of_the_model_is_refused(demo: Demo) -> None:
    with pytest.raises(SchemaError, match=r"alias\(es\) \['spend'\] map to no feature"):
        assign_new(demo.members, demo.record, source="x.csv", aliases={"spend": "spending"})


# BAD_INPUTS #43: missing columns --------------------------------------------------------------


def test_every_missing_column_is_listed(demo: Demo, tmp_path: Path) -> None:
    frame = demo.members.drop(columns=["sessions", "email_clicks"])
    with pytest.raises(SchemaError) as caught:
        assign_new(frame, demo.record, source="partial.csv")
    message = str(caught.value)
    assert message.startswith("partial.csv: ")
    assert "required column 'sessions' missing" in message
    assert "required column 'email_clicks' missing" in message
    data = tmp_path / "partial.csv"
    frame.to_csv(data, index=False)
    _assert_refused(
        demo,
        data,
        tmp_path / "out.csv",
        "required column 'sessions' missing",
        "required column 'email_clicks' missing",
    )


def test_a_missing_customer_id_column_is_refused(demo: Demo) -> None:
    frame = demo.members.rename(columns={"customer_id": "client"})
    with pytest.raises(SchemaError, match="required column 'customer_id' missing"):
        assign_new(frame, demo.record, source="clients.csv")


# BAD_INPUTS #44: extra columns ----------------------------------------------------------------


def test_extra_columns_are_ignored_and_noted(demo: Demo, tmp_path: Path) -> None:
    frame = demo.members.assign(loyalty_score="not a number", churn_flag=1)
    scored = assign_new(frame, demo.record, source="extra.csv")
    assert (scored.assignments["segment_id"].to_numpy() == demo.members["segment_id"]).all()
    (note,) = [n for n in scored.notes if n.startswith("ignored column(s)")]
    assert "loyalty_score" in note and "churn_flag" in note
    features = StoredModel.from_record(demo.record).features
    assert not any(f in note.split(": ", 1)[1].split(", ") for f in features)
    data = tmp_path / "extra.csv"
    frame.to_csv(data, index=False)
    code, text = _assign(demo, data, tmp_path / "out.csv")
    assert code == 0, text
    assert "note: ignored column(s) the model does not use:" in text
    assert "loyalty_score" in text


# BAD_INPUTS #45: dtype drift ------------------------------------------------------------------


def test_numbers_stored_as_text_are_converted(demo: Demo) -> None:
    frame = demo.members.astype({"monetary": str, "sessions": object})
    frame["sessions"] = [f" {v} " for v in demo.members["sessions"]]  # padded text
    scored = assign_new(frame, demo.record, source="text.csv")
    assert (scored.assignments["segment_id"].to_numpy() == demo.members["segment_id"]).all()
    assert "column 'monetary' read as text, converted to numbers" in scored.notes
    assert "column 'sessions' read as text, converted to numbers" in scored.notes


def test_numbers_as_text_in_a_workbook_are_converted(demo: Demo, tmp_path: Path) -> None:
    features = StoredModel.from_record(demo.record).features
    frame = demo.members[["customer_id", *features]].astype({"frequency": str})
    data = tmp_path / "text_numbers.xlsx"
    frame.to_excel(data, index=False)
    out = tmp_path / "out.csv"
    code, text = _assign(demo, data, out)
    assert code == 0, text
    assert "column 'frequency' read as text, converted to numbers" in text
    assigned = pd.read_csv(out, dtype={"customer_id": str})
    assert (assigned["segment_id"].to_numpy() == demo.stored[assigned["customer_id"]]).all()


def test_values_that_are_not_numbers_are_listed_by_column_row_and_value(
    demo: Demo, tmp_path: Path
) -> None:
    frame = demo.members.astype({"monetary": object, "sessions": object})
    frame.loc[2, "monetary"] = "12,5a"
    frame.loc[6, "monetary"] = "lots"
    frame.loc[9, "sessions"] = "abc"
    data = tmp_path / "bad_values.csv"
    frame.to_csv(data, index=False)
    # Rows are physical lines of the file: the header is line 1, frame row 2 is line 4.
    _assert_refused(
        demo,
        data,
        tmp_path / "out.csv",
        "column 'monetary' is numeric in the model; not numbers: row 4: '12,5a', row 8: 'lots'",
        "column 'sessions' is numeric in the model; not numbers: row 11: 'abc'",
    )
    with pytest.raises(SchemaError, match=r"row 4: '12,5a'"):
        assign_new(frame, demo.record, source="bad_values.csv")


def test_many_bad_values_are_counted_not_all_quoted(demo: Demo) -> None:
    frame = demo.members.astype({"monetary": object})
    frame.loc[:8, "monetary"] = "?"
    with pytest.raises(SchemaError, match=r"row 6: '\?' and 4 more"):
        assign_new(frame, demo.record, source="many.csv")


# Duplicate customers --------------------------------------------------------------------------


def test_a_customer_listed_twice_is_refused(demo: Demo, tmp_path: Path) -> None:
    frame = pd.concat([demo.members, demo.members.iloc[[4]]], ignore_index=True)
    customer = demo.members["customer_id"].iloc[4]
    last_line = len(frame) + 1
    with pytest.raises(SchemaError, match="customer_id appears more than once"):
        assign_new(frame, demo.record, source="twice.csv")
    data = tmp_path / "twice.csv"
    frame.to_csv(data, index=False)
    _assert_refused(
        demo,
        data,
        tmp_path / "out.csv",
        f"customer_id appears more than once: row {last_line}: '{customer}'",
    )


# BAD_INPUTS #46: new categories (a model with a categorical feature) -------------------------


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunRecord]:
    """A run whose model uses a categorical feature: three plans, each its own segment."""
    folder = tmp_path_factory.mktemp("plans")
    rng = np.random.default_rng(3)
    spend = np.r_[rng.normal(20, 2, 20), rng.normal(80, 5, 20), rng.normal(200, 10, 20)]
    visits = np.r_[rng.normal(2, 0.5, 20), rng.normal(8, 1, 20), rng.normal(15, 1, 20)]
    pd.DataFrame(
        {
            "customer_id": [f"u{i:02d}" for i in range(60)],
            "spend": spend.round(1),
            "visits": visits.round(1),
            "plan": np.repeat(["basic", "pro", "team"], 20),
        }
    ).to_csv(folder / "customers.csv", index=False)
    project = folder / "segmentation.yaml"
    project.write_text(
        "project: plans\n"
        "sources:\n"
        "  crm: {kind: csv, path: customers.csv, key: customer_id, role: attributes}\n"
        "features:\n"
        "  attributes: {numeric: [spend, visits], categorical: [plan]}\n"
        "  model: [spend, visits, plan]\n"
        "model: {k: 3, k_max: 4, gap_refs: 0, stability_boots: 0, bic: false}\n"
        "profile: {min_segment_size: 5}\n",
        encoding="utf-8",
    )
    return project, run_project(load_config(project)).record


def test_an_unseen_category_scores_as_no_level_and_is_noted(
    plans: tuple[Path, RunRecord], tmp_path: Path
) -> None:
    project, record = plans
    new = pd.DataFrame(
        {
            "customer_id": ["n1", "n2", "n3"],
            "spend": [21.0, 195.0, 19.0],
            "visits": [2.1, 15.2, 1.8],
            "plan": ["enterprise", "team", "enterprise"],
        }
    )
    scored = assign_new(new, record, source="new.csv")
    segment = record.assignments.set_index("customer_id")["segment_id"]
    basic, team = int(segment["u00"]), int(segment["u59"])
    assert scored.assignments["segment_id"].tolist() == [basic, team, basic]
    assert scored.notes == [
        "column 'plan': 2 customer(s) with categories the model has not seen (enterprise); "
        "they match no level"
    ]
    # The unseen level is an all-zero indicator vector, a known level one indicator.
    model = StoredModel.from_record(record)
    names = list(model.preprocessor.feature_names_out_)
    X = model.preprocessor.transform(new)
    levels = [i for i, n in enumerate(names) if n.startswith("plan=")]
    assert X[0, levels].tolist() == [0.0, 0.0, 0.0]
    assert X[1, levels].tolist() == [0.0, 0.0, 1.0]
    # Through the CLI: assigned, noted, exit code 0.
    data = tmp_path / "new.csv"
    new.to_csv(data, index=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["assign", str(data), "-o", str(out), "-c", str(project)])
    text = " ".join(result.output.split())
    assert result.exit_code == 0, text
    assert "categories the model has not seen (enterprise)" in text
    assert pd.read_csv(out)["segment_id"].tolist() == [basic, team, basic]
