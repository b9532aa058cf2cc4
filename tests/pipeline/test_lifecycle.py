"""Candidate runs and publication: what readers get by default, and rolling back.

With ``store.auto_publish: false`` a new run is a candidate: the store's current run (what
exports, the report and updates use by default) stays the published one until ``segment
publish N``. Publishing an older run again makes it current again.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from user_segmentation.cli.main import app
from user_segmentation.store import RunStore

N_CUSTOMERS = 1_500

#: The demo's model settings trimmed for speed (one k, no gap/BIC/bootstrap evidence).
FAST_MODEL = {"n_init": 3, "gap_refs": 0, "bic": False, "stability_boots": 0}

runner = CliRunner()


def write_project(folder: Path, name: str, source: Path, k: int) -> Path:
    """The demo project with ``k`` segments, runs that wait for publication, and a fast model."""
    raw: dict[str, Any] = yaml.safe_load((source / "segmentation.yaml").read_text("utf-8"))
    raw["model"].update(FAST_MODEL, k=k, k_min=k, k_max=k)
    raw["store"]["auto_publish"] = False
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def squashed(text: str) -> str:
    """``text`` without whitespace: the console wraps long lines, even inside a path."""
    return re.sub(r"\s+", "", text)


def segment(*args: str) -> str:
    """Run ``segment`` in-process; assert it succeeded; its output without whitespace."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return squashed(result.output)


def says(output: str, expected: str) -> bool:
    return squashed(expected) in output


def report_run(path: Path) -> int:
    """The run a report shows (from its title)."""
    found = re.search(r"<title>[^<]*\(Run (\d+) ·", path.read_text(encoding="utf-8"))
    assert found is not None, f"{path} has no run in its title"
    return int(found.group(1))


def exported_run(project: Path, out: Path) -> int:
    """The run ``segment export`` writes by default."""
    found = re.search(r"customersofrun(\d+)to", segment("export", str(out), "-c", str(project)))
    assert found is not None
    return int(found.group(1))


@dataclass(frozen=True)
class History:
    folder: Path
    outputs: dict[str, str]  # what the CLI printed at each step of the fixture


@pytest.fixture(scope="module")
def history(make_demo: Callable[[int], Path], tmp_path_factory: pytest.TempPathFactory) -> History:
    """Run 1 (4 segments) published; run 2 (3 segments) a candidate made afterwards."""
    source = make_demo(N_CUSTOMERS).parent
    folder = tmp_path_factory.mktemp("lifecycle")
    shutil.copytree(
        source,
        folder,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("segmentation.db*", "report*.html"),
    )
    project = write_project(folder, "segmentation.yaml", source, k=4)
    other = write_project(folder, "k3.yaml", source, k=3)
    outputs = {"run 1": segment("run", "-c", str(project), "-q")}
    outputs["publish 1"] = segment("publish", "1", "-c", str(project))
    outputs["run 2"] = segment("run", "-c", str(other), "-q")
    return History(folder, outputs)


def copy_of(history: History, tmp_path: Path) -> Path:
    """A private copy of the fixture's project; returns its project file."""
    shutil.copytree(history.folder, tmp_path / "project")
    return tmp_path / "project" / "segmentation.yaml"


def test_the_first_run_is_current_until_a_run_is_published(history: History) -> None:
    # Nothing was published yet when run 1 was made, so it was the current run: its report
    # went to the project's report path.
    assert says(history.outputs["run 1"], f"Report: {history.folder / 'report.html'}")
    assert says(history.outputs["publish 1"], "Published run 1")


def test_a_candidate_does_not_replace_the_published_run(history: History, tmp_path: Path) -> None:
    project = copy_of(history, tmp_path)
    folder = project.parent
    assert says(history.outputs["run 2"], f"Report: {history.folder / 'report.run2.html'}")
    assert report_run(folder / "report.html") == 1
    assert report_run(folder / "report.run2.html") == 2

    with RunStore(folder / "segmentation.db") as store:
        assert store.latest_run_id() == 2
        assert store.current_run_id() == 1
        assert store.load_run(customers=False).run_id == 1
        published = store.list_runs().set_index("run_id")["published_at"]
    assert pd.isna(published[2]) and not pd.isna(published[1])

    assert exported_run(project, tmp_path / "members.csv") == 1
    assert says(segment("runs", "show", "-c", str(project)), "Run 1:")
    assert says(segment("report", "-c", str(project)), f"Report of run 1: {folder}/report.html")
    assert says(
        segment("report", "2", "-c", str(project)), f"Report of run 2: {folder}/report.run2.html"
    )
    assert report_run(folder / "report.html") == 1


def test_publishing_makes_a_run_current_and_publishing_an_older_one_rolls_back(
    history: History, tmp_path: Path
) -> None:
    project = copy_of(history, tmp_path)
    folder = project.parent
    store_path = folder / "segmentation.db"

    assert says(segment("publish", "2", "-c", str(project)), "Published run 2")
    with RunStore(store_path) as store:
        assert store.current_run_id() == 2
        assert len(store.load_run(customers=False).segments) == 3
    assert report_run(folder / "report.html") == 2
    assert exported_run(project, tmp_path / "members.csv") == 2

    assert says(segment("publish", "1", "-c", str(project)), "Published run 1")
    with RunStore(store_path) as store:
        assert store.current_run_id() == 1
        assert len(store.load_run(customers=False).segments) == 4
        # Rolling back hides nothing: run 2 is still there, whole.
        assert sorted(store.list_runs()["run_id"]) == [1, 2]
        again = store.load_run(2, customers=False)
    assert len(again.assignments) == again.meta["n_customers"] == again.segments["size"].sum()
    assert report_run(folder / "report.html") == 1
    assert exported_run(project, tmp_path / "members.csv") == 1


def test_publishing_a_run_that_does_not_exist_changes_nothing(
    history: History, tmp_path: Path
) -> None:
    project = copy_of(history, tmp_path)
    folder = project.parent
    report = (folder / "report.html").read_bytes()
    with RunStore(folder / "segmentation.db") as store:
        before = store.list_runs()

    result = runner.invoke(app, ["publish", "9", "-c", str(project)])

    assert result.exit_code == 5
    assert says(squashed(result.output), "has no run 9; runs that exist: 1-2")
    with RunStore(folder / "segmentation.db") as store:
        pd.testing.assert_frame_equal(store.list_runs(), before)
        assert store.current_run_id() == 1
    assert (folder / "report.html").read_bytes() == report


def test_an_update_starts_from_the_published_run_not_the_newest_candidate(
    history: History, tmp_path: Path
) -> None:
    # The project file and the data are those of run 1 (run 2 used k3.yaml): measured against
    # the published run there is nothing to do; against the candidate there would be.
    project = copy_of(history, tmp_path)
    assert says(
        segment("update", "-c", str(project), "-q"),
        "Nothing to do: inputs and project unchanged since run 1",
    )
    with RunStore(project.parent / "segmentation.db") as store:
        assert store.latest_run_id() == 2
