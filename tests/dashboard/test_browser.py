"""The dashboard in a real browser, started as a user starts it (``segment dashboard``).

A demo store with two runs (a run, then an update made with a later observation date, so
customers move and drift is recorded) is served on a free port; Chromium visits every page,
changes filters, downloads a member list and checks its rows against the store, and saves a
screenshot of each page (to ``$DASHBOARD_SCREENSHOTS`` when set). The first-render and
interaction times are printed, never asserted.

Skipped when Debian's Chromium or Playwright is missing, unless ``SEGMENT_REQUIRE_BROWSER=1``
(as in CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_segmentation.config import load_config
from user_segmentation.export.members import MEMBER_COLUMNS
from user_segmentation.pipeline.run import run_project
from user_segmentation.pipeline.update import update_project
from user_segmentation.report.explore import key_features
from user_segmentation.store import RunStore

from .browser_flow import (
    MIN_CONFIDENCE,
    browser_missing,
    chromium,
    dashboard_server,
    expectations,
    free_port,
    read_download,
    walk,
)

pytestmark = pytest.mark.slow

N_CUSTOMERS = 600


@pytest.fixture(scope="module")
def demo_store(
    make_demo: Callable[[int, int], Path], tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A demo project's store holding a run and an update of it (customers moved)."""
    source = make_demo(N_CUSTOMERS, 42).parent
    folder = tmp_path_factory.mktemp("dashboard_demo")
    shutil.copytree(source, folder, dirs_exist_ok=True)
    for stale in folder.glob("segmentation.db*"):  # another test may have run this demo
        stale.unlink()
    project = folder / "segmentation.yaml"
    run_project(load_config(project))
    # A later observation date ages every customer: recency moves, so segments and drift do.
    text = project.read_text()
    assert "as_of: 2025-12-31" in text
    project.write_text(text.replace("as_of: 2025-12-31", "as_of: 2026-03-31"))
    update_project(load_config(project), refit=True)
    config = load_config(project)
    with RunStore(config.store_url()) as store:
        assert len(store.list_runs()) == 2
    return config.store_url()


def _require_browser() -> None:
    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("SEGMENT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SEGMENT_REQUIRE_BROWSER=1 but the browser test cannot run: {reason}")
    pytest.skip(f"real-browser test skipped: {reason}")


def test_dashboard_in_a_real_browser(
    demo_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _require_browser()
    folder = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path / "screenshots")
    expected = expectations(demo_store)
    with (
        chromium() as browser,
        dashboard_server(demo_store, free_port(), tmp_path / "server.log") as server,
    ):
        result = walk(browser, server, expected, folder)

    assert [p.name for p in result.screenshots] == [
        "01_overview.png",
        "02_choosing-k.png",
        "03_explore.png",
        "04_variables.png",
        "05_changes-over-time.png",
        "06_members.png",
        "07_data-quality.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in result.screenshots)

    # The download holds exactly the store's members of that segment above the confidence.
    assert result.download is not None
    got = read_download(result.download)
    with RunStore(demo_store) as store:
        record = store.load_run(expected.run_id, customers=False)
        features = key_features(record.profiles, 4)
        values = store.load_customers(expected.run_id, features=features)
    assignments = record.assignments
    wanted = assignments[
        (assignments["segment_id"] == expected.members_segment)
        & (assignments["confidence"] >= MIN_CONFIDENCE)
    ].merge(values, on="customer_id")
    assert list(got.columns) == [*MEMBER_COLUMNS, *features]
    assert len(got) == expected.members_after_filter == len(wanted) > 0
    assert got["customer_id"].tolist() == wanted["customer_id"].tolist()
    assert set(got["segment_id"]) == {expected.members_segment}
    np.testing.assert_allclose(got["confidence"], wanted["confidence"], rtol=1e-12)
    for feature in features:
        pd.testing.assert_series_equal(
            got[feature].astype(float), wanted[feature].astype(float), check_names=False
        )

    with capsys.disabled():
        print(f"\ndashboard timings ({expected.n_customers:,} customers, 2 runs):")
        print(result.table())
        print(f"screenshots: {folder}")
