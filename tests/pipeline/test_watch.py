"""`segment watch`: poll a folder, debounce changes, update once per real change."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from user_segmentation.config import load_config
from user_segmentation.errors import SourceError
from user_segmentation.pipeline.run import run_project
from user_segmentation.pipeline.watch import snapshot, watch
from user_segmentation.store import RunStore


class FakeTime:
    """A clock that moves only when the watch sleeps; ``actions`` run at given sleeps."""

    def __init__(self, actions: dict[int, Callable[[], None]]) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.actions = actions

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        if self.sleeps in self.actions:
            self.actions[self.sleeps]()


def test_snapshot_sees_content_changes_and_skips_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_text("x\n")
    (tmp_path / ".hidden").write_text("")
    (tmp_path / "c.csv.tmp").write_text("")
    first = snapshot(tmp_path)
    assert sorted(first) == ["a.csv", "sub/b.csv"]
    (tmp_path / "a.csv").write_text("x\n1\n2\n")
    assert snapshot(tmp_path) != first
    with pytest.raises(SourceError, match="not a folder"):
        snapshot(tmp_path / "missing")


def test_watch_updates_once_per_settled_change_and_never_for_the_same_data(
    make_demo: Callable[[int], Path], tmp_path: Path
) -> None:
    shutil.copytree(make_demo(1_500).parent, tmp_path, dirs_exist_ok=True)
    project = tmp_path / "segmentation.yaml"
    config = load_config(project)
    run_project(config)
    crm = tmp_path / "data" / "crm_customers.csv"
    lines = crm.read_text(encoding="utf-8").splitlines()

    def change() -> None:  # one customer's age changes: new content
        header, first, *rest = lines
        cells = first.split(",")
        cells[3] = "77"
        crm.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")

    def touch_same() -> None:  # rewritten with the same bytes: a new mtime, same content
        crm.write_bytes(crm.read_bytes())

    # interval 1 s, debounce 3 s: the change at sleep 2 is acted on 3 quiet seconds later; the
    # second write at sleep 4 restarts the wait (debounce) and gives the same content as the
    # first change, so only one new run appears; the later touch changes nothing.
    fake = FakeTime({2: change, 4: change, 10: touch_same})
    log = watch(
        config,
        tmp_path / "data",
        interval=1.0,
        debounce=3.0,
        max_checks=16,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    assert not log.errors
    made = [r for r in log.results if r.result is not None]
    skipped = [r for r in log.results if r.result is None]
    assert len(made) == 1  # one real change → one run
    assert len(skipped) == 2  # at start (data as run 1) and after the same-content touch
    assert all("unchanged" in (r.skipped or "") for r in skipped)
    with RunStore(config.store_url()) as store:
        assert len(store.list_runs()) == 2
        latest = store.load_run(2, customers=False)
    assert latest.meta["base_run_id"] == 1
    assert latest.meta["update"]["decision"] == "keep"
