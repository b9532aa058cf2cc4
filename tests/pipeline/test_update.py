"""``segment update`` on a customer base whose personas are known (see ``conftest.py``).

One first run is made per module; each test copies its folder (file, project and store) and
changes the customers as a month of business would.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.config import load_config
from user_segmentation.pipeline.run import run_project
from user_segmentation.pipeline.update import update_project
from user_segmentation.records import RunRecord
from user_segmentation.store import RunStore

from .conftest import FIRST_PERSONAS, PersonaBase, new_base, persona_segments, write_project

runner = CliRunner()

COUNTS = {"champions": 150, "loyal": 250, "at_risk": 200, "bargain_hunters": 180, "browsers": 220}


@dataclass
class First:
    """The module's first run and the base it was made from."""

    base: PersonaBase
    record: RunRecord

    def copy(self, folder: Path) -> tuple[PersonaBase, Path]:
        """A copy of the base, its project file and its store, in ``folder``."""
        base = self.base.copy_to(folder)
        return base, folder / "segmentation.yaml"

    @property
    def segments(self) -> dict[str, int]:
        return persona_segments(self.base.personas, self.record.assignments)


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> First:
    base = new_base(tmp_path_factory.mktemp("update_first"), COUNTS, seed=11)
    base.write()
    record = run_project(load_config(write_project(base.folder))).record
    assert persona_segments(base.personas, record.assignments).keys() == set(FIRST_PERSONAS)
    return First(base, record)


def _growth(base: PersonaBase, share: float) -> list[str]:
    """New customers in the first run's mix, ``share`` of the base."""
    return base.add({p: round(share * n) for p, n in COUNTS.items()})


def _runs(project: Path) -> list[int]:
    with RunStore(load_config(project).store_url()) as store:
        return sorted(int(i) for i in store.list_runs()["run_id"])


def _load(project: Path, run_id: int) -> RunRecord:
    with RunStore(load_config(project).store_url()) as store:
        return store.load_run(run_id)


def _agreement(ledger: pd.DataFrame, movers: pd.DataFrame, segments: dict[str, int]) -> float:
    """Share of simulated movers the ledger records from their old persona's segment to the new
    one's (the odd customer drawn at the edge of a persona may land elsewhere)."""
    found = ledger.set_index("customer_id").reindex(movers["customer_id"])
    agree = (found["from_segment"].to_numpy() == movers["from"].map(segments).to_numpy()) & (
        found["to_segment"].to_numpy() == movers["to"].map(segments).to_numpy()
    )
    return float(pd.Series(agree).fillna(False).astype(bool).mean())


def _text(output: str) -> str:
    """CLI output with line wrapping undone."""
    return " ".join(output.split())


def test_unchanged_inputs_make_no_new_run(first: First, tmp_path: Path) -> None:
    base, project = first.copy(tmp_path)
    done = update_project(load_config(project))
    assert done.result is None and done.decision is None
    assert done.skipped is not None and "unchanged since run 1" in done.skipped
    # The same bytes written again (a new modification time) are still the same input.
    base.csv.write_bytes(base.csv.read_bytes())
    result = runner.invoke(app, ["update", "-c", str(project), "-q"])
    assert result.exit_code == 0, result.output
    assert "Nothing to do" in _text(result.output)
    assert _runs(project) == [1]


def test_unchanged_inputs_make_no_new_run_while_a_candidate_awaits_publication(
    first: First, tmp_path: Path
) -> None:
    base, project = first.copy(tmp_path)
    settings = yaml.safe_load(project.read_text(encoding="utf-8"))
    settings["store"]["auto_publish"] = False
    project.write_text(yaml.safe_dump(settings), encoding="utf-8")
    with RunStore(load_config(project).store_url()) as store:
        store.publish(1)
    _growth(base, 0.05)
    base.write()
    candidate = update_project(load_config(project))
    assert candidate.result is not None and candidate.result.run_id == 2
    again = update_project(load_config(project))  # nothing changed since run 2
    assert again.result is None, f"run {again.result.run_id} repeats run 2"
    assert _runs(project) == [1, 2]


def test_more_customers_of_the_same_kinds_keep_the_model(first: First, tmp_path: Path) -> None:
    base, project = first.copy(tmp_path)
    arrivals = _growth(base, 0.1)
    base.write()
    done = update_project(load_config(project))
    assert done.decision is not None and done.decision.action == "keep", done.decision
    assert done.match is None and done.result is not None
    record = done.result.record
    # The model is the first run's; ids and names are unchanged.
    assert record.model["centroids"] == first.record.model["centroids"]
    assert record.model["segment_ids"] == first.record.model["segment_ids"]
    names = ["segment_id", "name"]
    pd.testing.assert_frame_equal(record.segments[names], first.record.segments[names])
    assert record.meta["base_run_id"] == 1
    assert record.meta["update"]["decision"] == "keep"
    # Every earlier customer stays where they were; the ledger lists exactly the arrivals, in
    # the segment of their persona (but the odd one drawn at the edge of its persona).
    ledger = _load(project, done.result.run_id).moves.set_index("customer_id")
    assert sorted(ledger.index) == sorted(arrivals)
    assert ledger["from_segment"].isna().all()
    expected = base.personas[ledger.index].map(first.segments)
    assert (ledger["to_segment"].astype(int) == expected).mean() >= 0.95
    # Nothing changed since: a second update makes no run.
    again = update_project(load_config(project))
    assert again.result is None
    assert _runs(project) == [1, 2]


def test_refit_on_request_keeps_the_ids_by_matching(first: First, tmp_path: Path) -> None:
    base, project = first.copy(tmp_path)
    _growth(base, 0.05)
    movers = base.move(30, among=FIRST_PERSONAS)
    base.write()
    result = runner.invoke(app, ["update", "-c", str(project), "--refit", "-q"])
    assert result.exit_code == 0, result.output
    text = _text(result.output)
    assert "refit — a refit was asked for (--refit)" in text
    assert "Segments born: none; retired: none" in text
    record = _load(project, 2)
    matching = record.meta["update"]["matching"]
    assert record.meta["update"]["decision"] == "refit"
    assert sorted(matching["id_map"].values()) == sorted(first.segments.values())
    assert matching["born"] == [] and matching["retired"] == []
    # Each persona keeps its segment id and name.
    assert persona_segments(base.personas, record.assignments) == first.segments
    names = record.segments.set_index("segment_id")["name"]
    first_names = first.record.segments.set_index("segment_id")["name"]
    pd.testing.assert_series_equal(names.sort_index(), first_names.sort_index())
    # The movers are in the ledger, from their old persona's segment to the new one's.
    assert _agreement(record.moves, movers, first.segments) >= 0.9


def test_a_threshold_in_the_project_changes_the_decision(first: First, tmp_path: Path) -> None:
    # 70 of 1,000 customers turn from browsers into loyal regulars: the segment mix moves by a
    # total variation of 0.07, under the default 0.1 but over a project's 0.05.
    default, default_project = first.copy(tmp_path / "default")
    default.move(70, among=FIRST_PERSONAS, source="browsers", to="loyal")
    default.write()
    strict, strict_project = first.copy(tmp_path / "strict")
    shutil.copyfile(default.csv, strict.csv)
    write_project(strict.folder, update={"share_total_variation": 0.05})

    kept = update_project(load_config(default_project))
    refit = update_project(load_config(strict_project))
    assert kept.decision is not None and refit.decision is not None
    assert kept.decision.action == "keep", kept.decision.reasons
    assert refit.decision.action == "refit", refit.decision.reasons
    assert any(
        re.search(r"total variation of 0\.07\d* .*≥ 0\.05", reason)
        for reason in refit.decision.reasons
    ), refit.decision.reasons
    assert refit.match is not None and refit.match.born == [] and refit.match.retired == []


def _first_table(output: str) -> dict[str, list[float]]:
    """Rows of the first table Rich printed: label -> numbers (box characters dropped)."""
    rows: dict[str, list[float]] = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│┃").split("│")]
        if len(cells) < 2 or not all(re.fullmatch(r"-?[\d,]+", c) for c in cells[1:]):
            if rows and not line.strip().startswith(("│", "├", "└", "┡", "┃")):
                break  # past the first table
            continue
        rows[cells[0]] = [float(c.replace(",", "")) for c in cells[1:]]
    return rows


def test_runs_diff_and_its_csv_agree_with_the_stored_ledger(first: First, tmp_path: Path) -> None:
    base, project = first.copy(tmp_path)
    leavers = base.drop(20)
    movers = base.move(30, among=FIRST_PERSONAS)
    arrivals = _growth(base, 0.05)
    base.write()
    update_project(load_config(project))
    out = tmp_path / "moves.csv"
    result = runner.invoke(app, ["runs", "diff", "1", "2", "-c", str(project), "--out", str(out)])
    assert result.exit_code == 0, result.output

    stored = _load(project, 2).moves
    written = pd.read_csv(out, dtype={"customer_id": str})
    pd.testing.assert_frame_equal(
        written.astype({"from_segment": "Int64", "to_segment": "Int64"}),
        stored.sort_values("customer_id").reset_index(drop=True),
        check_dtype=False,
    )
    assert f"{len(stored):,} customers changed segment, arrived or left" in _text(result.output)
    # The printed transition matrix counts the ledger's arrivals, leavers and moves.
    table = _first_table(result.output)
    ids = sorted(first.segments.values())
    assert sum(table["new"]) == stored["from_segment"].isna().sum() == len(arrivals)
    gone = sum(table[str(i)][-1] for i in ids)
    assert gone == stored["to_segment"].isna().sum() == len(leavers)
    moved = sum(v for i in ids for j, v in zip(ids, table[str(i)], strict=False) if i != j)
    assert moved == (stored["from_segment"].notna() & stored["to_segment"].notna()).sum()
    # And the ledger is the simulation's truth.
    ledger = stored.set_index("customer_id")
    assert sorted(ledger.index[ledger["to_segment"].isna()]) == sorted(leavers)
    assert _agreement(stored, movers, first.segments) >= 0.9


def test_a_keep_after_a_refit_that_reordered_ids_keeps_every_customer_in_place(
    first: First, tmp_path: Path
) -> None:
    base, project = first.copy(tmp_path)
    # Champions become the largest persona: the refit's canonical order (largest first) is no
    # longer the first run's, so the matched ids come out of order.
    base.add({"champions": 300})
    base.write()
    refit = update_project(load_config(project), refit=True)
    assert refit.result is not None
    ids = refit.result.record.model["segment_ids"]
    assert ids != sorted(ids)  # the case this test is about
    segments = persona_segments(base.personas, refit.result.record.assignments)
    assert segments == first.segments

    arrivals = _growth(base, 0.02)
    base.write()
    kept = update_project(load_config(project))
    assert kept.decision is not None and kept.decision.action == "keep"
    assert kept.result is not None
    record = kept.result.record
    assert persona_segments(base.personas, record.assignments) == segments
    assert sorted(record.moves["customer_id"]) == sorted(arrivals)
    assert np.array_equal(record.model["segment_ids"], ids)
