"""Same data and seed → same segments and ids, whatever the row order of the sources."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.config import load_config
from user_segmentation.pipeline.run import run_project
from user_segmentation.store import RunStore

N_CUSTOMERS = 3_000


def _shuffle_lines(path: Path, rng: np.random.Generator, header: bool) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head, body = (lines[:1], lines[1:]) if header else ([], lines)
    path.write_text("".join(head + [body[i] for i in rng.permutation(len(body))]), encoding="utf-8")


def _shuffle_sources(folder: Path, seed: int = 7) -> None:
    """Rewrite every demo source with its rows in a random order (content unchanged)."""
    rng = np.random.default_rng(seed)
    data = folder / "data"
    _shuffle_lines(data / "crm_customers.csv", rng, header=True)
    _shuffle_lines(data / "web_engagement.jsonl", rng, header=False)
    orders = pd.read_parquet(data / "orders.parquet")
    orders.iloc[rng.permutation(len(orders))].to_parquet(data / "orders.parquet", index=False)
    with sqlite3.connect(data / "support.db") as con:
        tickets = pd.read_sql("SELECT * FROM support_tickets", con)
        tickets.iloc[rng.permutation(len(tickets))].to_sql(
            "support_tickets", con, index=False, if_exists="replace"
        )
    con.close()
    sheets = pd.read_excel(data / "loyalty.xlsx", sheet_name=None, dtype={"member_id": str})
    members = sheets["members"]
    sheets["members"] = members.iloc[rng.permutation(len(members))]
    with pd.ExcelWriter(data / "loyalty.xlsx", engine="openpyxl") as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name, index=False)


@pytest.fixture(scope="module")
def project(make_demo: Callable[[int], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of a small demo project (tests here write runs into its store)."""
    folder = tmp_path_factory.mktemp("determinism")
    shutil.copytree(make_demo(N_CUSTOMERS).parent, folder, dirs_exist_ok=True)
    return folder / "segmentation.yaml"


def test_two_runs_on_the_same_data_give_identical_assignments(project: Path) -> None:
    config = load_config(project)
    first = run_project(config)
    second = run_project(config)
    assert second.run_id == first.run_id + 1
    with RunStore(config.store_url()) as store:
        a = store.load_run(first.run_id).assignments
        b = store.load_run(second.run_id).assignments
    pd.testing.assert_frame_equal(a, b)
    assert first.record.meta["input_fingerprint"] == second.record.meta["input_fingerprint"]


def test_shuffled_sources_give_the_same_segments_and_ids(project: Path, tmp_path: Path) -> None:
    before = run_project(load_config(project)).record
    copy = tmp_path / "shuffled"
    shutil.copytree(project.parent / "data", copy / "data")
    shutil.copy(project, copy / "segmentation.yaml")
    _shuffle_sources(copy)
    after = run_project(load_config(copy / "segmentation.yaml")).record
    assert after.meta["input_fingerprint"] != before.meta["input_fingerprint"]  # files did change
    pd.testing.assert_frame_equal(
        before.assignments[["customer_id", "segment_id", "secondary_segment_id"]],
        after.assignments[["customer_id", "segment_id", "secondary_segment_id"]],
    )
    pd.testing.assert_frame_equal(before.segments, after.segments)
    assert before.selection["recommended_k"] == after.selection["recommended_k"]
