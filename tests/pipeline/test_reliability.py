"""The run store under faults and load: killed runs, concurrent readers, one writer, full disk.

BAD_INPUTS #51 (one writer at a time), #52 (a run killed mid-write), #53 (disk full mid-run) and
#55 (readers while a run writes), with the "fault and load checks" that go with them. The runs
are real ``segment`` processes on a small demo project. After every fault the store is checked
twice: with plain ``sqlite3`` (so that a bug in the loader cannot hide a torn run) and with
:class:`RunStore`.

The store-level versions of these checks (threads, hand-made records) are in tests/store/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from user_segmentation.config import load_config
from user_segmentation.errors import StoreError
from user_segmentation.pipeline.run import run_project
from user_segmentation.store import RunStore, writer_lock
from user_segmentation.store.lock import lock_path

N_CUSTOMERS = 1_500
WAIT = 180.0  # guard against a hung child process, never a speed expectation

#: The demo's model settings trimmed for speed (one k, no gap/BIC/bootstrap evidence): a run
#: then spends its time reading, profiling, storing and reporting, the stages at stake here.
FAST_MODEL = {
    "k": 4,
    "k_min": 4,
    "k_max": 4,
    "n_init": 3,
    "gap_refs": 0,
    "bic": False,
    "stability_boots": 0,
}

#: The ``segment`` command in a fresh interpreter. ``python -m user_segmentation.cli.main``
#: would only import the module (it has no ``__main__`` block), so the app is called directly.
SEGMENT = [sys.executable, "-c", "from user_segmentation.cli.main import app; app()", "-v"]

#: A wide terminal keeps Rich from wrapping the one-line error messages.
CHILD_ENV = {**os.environ, "COLUMNS": "1000"}

PROFILED = "stage profile took"  # logged just before the store stage opens the store
SAVED = "saved run"  # logged once the run's transaction has committed


# -- projects and processes -------------------------------------------------------------------


def fast_project(
    make_demo: Callable[[int], Path], folder: Path, name: str = "segmentation.yaml", **changes: Any
) -> Path:
    """Copy the demo project into ``folder`` (if not there yet) and write a fast variant.

    ``changes`` update sections of the project file, e.g. ``store={"auto_publish": False}``.
    """
    source = make_demo(N_CUSTOMERS).parent
    if not (folder / "data").is_dir():
        shutil.copytree(
            source,
            folder,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("segmentation.db*", "report*.html"),
        )
    raw = yaml.safe_load((source / "segmentation.yaml").read_text(encoding="utf-8"))
    raw["model"].update(FAST_MODEL)
    for section, values in changes.items():
        raw.setdefault(section, {}).update(values)
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


class Child:
    """A ``segment`` process whose log lines (stderr) are collected as they arrive."""

    def __init__(self, args: list[str], *, prelude: str | None = None) -> None:
        command = list(SEGMENT)
        if prelude is not None:
            command[2] = prelude + command[2]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [*command, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=CHILD_ENV,
        )
        self.lines: list[tuple[float, str]] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                self._changed.notify_all()
        with self._changed:
            self.lines.append((time.monotonic() - self.started, ""))  # end of output
            self._changed.notify_all()

    def seen(self, text: str) -> float | None:
        """Seconds after the start at which a line containing ``text`` arrived."""
        with self._changed:
            return next((t for t, line in self.lines if text in line), None)

    def wait_for(self, text: str) -> bool:
        """Wait until a line containing ``text`` arrives; False if the process ends first."""
        with self._changed:
            self._changed.wait_for(
                lambda: any(text in line for _, line in self.lines) or self._ended(), WAIT
            )
        return self.seen(text) is not None

    def _ended(self) -> bool:
        return bool(self.lines) and self.lines[-1][1] == "" and not self._reader.is_alive()

    def finish(self) -> int:
        """Wait for the process to end; its exit code (negative: killed by that signal)."""
        code = self.proc.wait(WAIT)
        self._reader.join(WAIT)
        return code

    @property
    def stderr(self) -> str:
        with self._changed:
            return "\n".join(line for _, line in self.lines)


def cli(*args: str, prelude: str | None = None) -> tuple[int, str]:
    """Run ``segment`` to the end: exit code and stderr."""
    child = Child(list(args), prelude=prelude)
    return child.finish(), child.stderr


def one_line(text: str) -> str:
    return " ".join(text.split())


# -- what the store holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """What must not change once a run is committed."""

    n_customers: int
    k: int
    sizes: tuple[tuple[int, int], ...]  # (segment id, size), by id
    n_assignments: int


def raw_summaries(store: Path) -> dict[int, RunSummary]:
    """Every ``runs`` row and its tables, read with sqlite3 alone; asserts none is torn."""
    with closing(sqlite3.connect(store)) as conn:
        rows = conn.execute("SELECT run_id, n_customers, k, status FROM runs").fetchall()
        found = {}
        for run_id, n, k, status in rows:
            assert status == "complete", f"run {run_id} has status {status!r}"
            sizes = conn.execute(
                "SELECT segment_id, size FROM segments WHERE run_id = ? ORDER BY segment_id",
                (run_id,),
            ).fetchall()
            (n_assigned,) = conn.execute(
                "SELECT COUNT(*) FROM assignments WHERE run_id = ?", (run_id,)
            ).fetchone()
            summary = RunSummary(n, k, tuple(sizes), n_assigned)
            assert n_assigned == n == sum(s for _, s in sizes), f"run {run_id} torn: {summary}"
            assert len(sizes) == k, f"run {run_id}: k = {k} but {len(sizes)} segments"
            found[run_id] = summary
        for table in ("segments", "assignments", "profiles", "k_scores", "customer_values"):
            (orphans,) = conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE run_id NOT IN (SELECT run_id FROM runs)"
            ).fetchone()
            assert orphans == 0, f"{orphans} rows of {table} belong to no run"
    return found


def loaded_summary(store: RunStore, run_id: int | None = None) -> RunSummary:
    run = store.load_run(run_id, customers=False)
    sizes = run.segments.sort_values("segment_id")[["segment_id", "size"]]
    return RunSummary(
        int(run.meta["n_customers"]),
        int(run.meta["k"]),
        tuple((int(i), int(s)) for i, s in sizes.itertuples(index=False)),
        len(run.assignments),
    )


def check_store(
    store_path: Path, committed: dict[int, RunSummary], *, load_all: bool = False
) -> set[int]:
    """Assert the store opens, holds only whole runs, and every run seen before is unchanged.

    Every run is checked with sqlite3; the current and the new runs (or all with ``load_all``)
    are also loaded with RunStore. New runs are added to ``committed``; returns their ids.
    """
    raw = raw_summaries(store_path)
    lost = {run_id for run_id in committed if run_id not in raw}
    assert not lost, f"committed run(s) {sorted(lost)} disappeared"
    for run_id, summary in committed.items():
        assert raw[run_id] == summary, f"run {run_id} changed after it was committed"
    new = set(raw) - set(committed)
    with RunStore(store_path) as store:
        assert sorted(store.list_runs()["run_id"]) == sorted(raw)
        if raw:
            current = store.current_run_id()
            assert current == max(raw)  # the demo project publishes every run
            for run_id in set(raw) if load_all else {current, *new}:
                assert loaded_summary(store, run_id) == raw[run_id]
    committed.update({run_id: raw[run_id] for run_id in new})
    return new


def lock_is_free(store_path: Path) -> bool:
    try:
        with writer_lock(store_path):
            return True
    except StoreError:
        return False


def report_is_whole(report: Path) -> bool:
    return not report.exists() or report.read_bytes().rstrip().endswith(b"</html>")


def stray_temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp"))


@pytest.fixture(scope="module")
def seeded(make_demo: Callable[[int], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fast demo project with one good run in its store (copy it before writing to it)."""
    folder = tmp_path_factory.mktemp("seeded")
    project = fast_project(make_demo, folder)
    run_project(load_config(project))
    return folder


def copy_of(seeded: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded project; returns its project file."""
    shutil.copytree(seeded, tmp_path / "project")
    return tmp_path / "project" / "segmentation.yaml"


# -- 1. killed runs (BAD_INPUTS #52) ----------------------------------------------------------

N_ANYWHERE = 14  # kills at a random moment of the whole run
N_IN_STORE = 6  # kills at a random moment of the store stage, timed from its start


@pytest.mark.slow
def test_sigkill_at_random_moments_never_loses_or_tears_a_run(seeded: Path, tmp_path: Path) -> None:
    project = copy_of(seeded, tmp_path)
    folder = project.parent
    store_path = folder / "segmentation.db"
    committed: dict[int, RunSummary] = {}
    assert check_store(store_path, committed) == {1}

    # One good run through the CLI, timed: the random kill moments are spread over it.
    timed = Child(["run", "-c", str(project), "-q"])
    assert timed.finish() == 0, timed.stderr
    duration = time.monotonic() - timed.started
    store_start, store_end = timed.seen(PROFILED), timed.seen("stage store took")
    assert store_start is not None and store_end is not None, timed.stderr
    store_span = store_end - store_start
    assert check_store(store_path, committed) == {2}

    rng = np.random.default_rng(52)
    kinds = rng.permutation(["anywhere"] * N_ANYWHERE + ["in store"] * N_IN_STORE)
    fractions = rng.uniform(size=len(kinds))
    outcomes: Counter[str] = Counter()
    for trial, (kind, fraction) in enumerate(zip(kinds, fractions, strict=True)):
        # Both ways of writing a run: a fresh run and an update that refits.
        command = ["run", "-c", str(project), "-q"]
        if trial % 2:
            command = ["update", "-c", str(project), "--refit", "-q"]
        child = Child(command)
        if kind == "anywhere":
            time.sleep(float(fraction) * duration)
        else:
            assert child.wait_for(PROFILED), f"trial {trial}: no writer started\n{child.stderr}"
            # A little past the stage's measured end, so that some kills follow the commit.
            time.sleep(float(fraction) * store_span * 1.25)
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGKILL)
        code = child.finish()
        assert code in (0, -signal.SIGKILL), f"trial {trial} failed:\n{child.stderr}"

        new = check_store(store_path, committed)
        assert len(new) <= 1 and (code != 0 or len(new) == 1), (trial, code, new)
        assert lock_is_free(store_path), f"trial {trial}: the killed writer left the lock held"
        assert report_is_whole(folder / "report.html")
        if code == 0:
            outcomes["finished before the kill"] += 1
        elif new:
            outcomes["after the commit"] += 1
        elif child.seen(PROFILED) is not None:
            outcomes["during the store stage"] += 1
        else:
            outcomes["before the store stage"] += 1

    print(
        f"\n{len(kinds)} kills over a {duration:.1f} s run (store stage {store_span:.2f} s): "
        + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
        + f"; {len(committed)} runs committed, all intact; "
        f"{len(stray_temp_files(folder))} report temp file(s) left by kills"
    )
    assert outcomes["during the store stage"] >= 1, outcomes
    assert outcomes["before the store stage"] >= 1, outcomes
    check_store(store_path, committed, load_all=True)


# -- 2. readers while a writer runs (BAD_INPUTS #55) --------------------------------------------

READER = """
import json, sys, time
from pathlib import Path
from user_segmentation.store import RunStore

store, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
reads, errors = [], []
with RunStore(store) as runs:
    out.with_suffix(".ready").touch()
    while not stop.exists():
        try:
            run = runs.load_run(customers=False)
            reads.append([run.run_id, int(run.meta["n_customers"]), int(run.meta["k"]),
                          len(run.assignments), int(run.segments["size"].sum()),
                          len(run.segments)])
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.1)  # a dashboard's pace, leaving CPU to the writer
out.write_text(json.dumps({"reads": reads, "errors": errors}))
"""

N_READERS = 2


@pytest.mark.slow
def test_reader_processes_see_only_whole_runs_while_runs_are_written(
    seeded: Path, tmp_path: Path, make_demo: Callable[[int], Path]
) -> None:
    project = copy_of(seeded, tmp_path)
    folder = project.parent
    store_path = folder / "segmentation.db"
    # Runs that differ in customers and k, so a read mixing two runs could not add up.
    variants = [
        fast_project(make_demo, folder, "k3.yaml", model={"k": 3, "k_min": 3, "k_max": 3}),
        fast_project(make_demo, folder, "crm.yaml", integrate={"population": ["crm"]}),
        fast_project(make_demo, folder, "k5.yaml", model={"k": 5, "k_min": 5, "k_max": 5}),
    ]
    stop = tmp_path / "stop"
    outputs = [tmp_path / f"reader{i}.json" for i in range(N_READERS)]
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(store_path), str(stop), str(out)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outputs
    ]
    written: dict[int, tuple[int, int]] = {}
    try:
        deadline = time.monotonic() + WAIT
        while not all(out.with_suffix(".ready").exists() for out in outputs):
            assert time.monotonic() < deadline and all(r.poll() is None for r in readers)
            time.sleep(0.05)
        with RunStore(store_path) as store:
            first = store.load_run(customers=False)
        written[1] = (int(first.meta["n_customers"]), int(first.meta["k"]))
        for variant in variants:
            result = run_project(load_config(variant))
            written[result.run_id] = (len(result.record.assignments), len(result.record.segments))
    finally:
        stop.touch()
        for reader in readers:
            _, err = reader.communicate(timeout=WAIT)
            assert reader.returncode == 0, err

    assert len(set(written.values())) == len(written), written  # every run is different
    reads: list[list[int]] = []
    for out in outputs:
        result = json.loads(out.read_text())
        assert result["errors"] == []
        ids = [read[0] for read in result["reads"]]
        assert ids == sorted(ids), "a reader went back to an older run"
        reads.extend(result["reads"])
    for run_id, n, k, n_assigned, size_sum, n_segments in reads:
        assert (n, k) == written[run_id]
        assert n_assigned == size_sum == n and n_segments == k
    seen = {read[0] for read in reads}
    print(f"\n{len(reads)} reads by {N_READERS} processes over runs {sorted(seen)}: no errors")
    assert len(seen) >= 3  # the reads overlapped the writes


# -- 3. one writer at a time (BAD_INPUTS #51) ---------------------------------------------------

HOLDER = """
import sys, time
from user_segmentation.store import writer_lock

with writer_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(600)
"""


class Holder:
    """Another process holding the writer lock of a store until it is killed."""

    def __init__(self, store_path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(store_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the lock is held (or it failed)
        if line.strip() != "held":
            self.kill()
            raise AssertionError(f"the lock holder failed: {self.proc.communicate()[1]}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=WAIT)


def test_lock_file_names_the_holder_and_is_cleared_on_release(tmp_path: Path) -> None:
    store_path = tmp_path / "new" / "runs.db"
    with writer_lock(store_path):
        holder = json.loads(lock_path(store_path).read_text())
        assert holder["pid"] == os.getpid()
        since = datetime.fromisoformat(holder["since"])
        assert since.tzinfo is not None and since <= datetime.now(UTC)
        assert not store_path.exists()  # the lock never creates the store
    assert lock_path(store_path).read_bytes() == b""
    assert lock_is_free(store_path)


def test_lock_is_released_when_the_body_raises(tmp_path: Path) -> None:
    store_path = tmp_path / "runs.db"
    with pytest.raises(RuntimeError), writer_lock(store_path):
        raise RuntimeError("the run failed")
    assert lock_is_free(store_path)


def test_lock_held_by_another_process_is_refused_naming_it_then_freed_by_its_death(
    tmp_path: Path,
) -> None:
    store_path = tmp_path / "runs.db"
    holder = Holder(store_path)
    try:
        with pytest.raises(StoreError) as info, writer_lock(store_path):
            pass
        since = json.loads(lock_path(store_path).read_text())["since"]
        assert f"a run is in progress (pid {holder.proc.pid}, since {since})" in str(info.value)
        assert str(store_path) in str(info.value)
    finally:
        holder.kill()
    assert holder.proc.returncode == -signal.SIGKILL
    # The kernel dropped the flock with the process; its stale note is simply overwritten.
    assert json.loads(lock_path(store_path).read_text())["pid"] == holder.proc.pid
    with writer_lock(store_path):
        assert json.loads(lock_path(store_path).read_text())["pid"] == os.getpid()


@pytest.mark.slow
def test_run_and_update_refuse_at_once_while_another_writer_holds_the_store(
    seeded: Path, tmp_path: Path
) -> None:
    project = copy_of(seeded, tmp_path)
    folder = project.parent
    store_path = folder / "segmentation.db"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    holder = Holder(store_path)
    try:
        since = json.loads(lock_path(store_path).read_text())["since"]
        children = [
            Child(["run", "-c", str(project), "-q"]),
            Child(["update", "-c", str(project), "--refit", "-q"]),
        ]
        for child in children:
            assert child.finish() == 5, child.stderr
            message = one_line(child.stderr)
            assert f"a run is in progress (pid {holder.proc.pid}, since {since})" in message
            assert "Traceback" not in message
            # Refused before any work: no source was read, no stage started.
            assert child.seen("read source") is None and child.seen("stage ") is None
    finally:
        holder.kill()

    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after.keys() == before.keys()
    changed = [name for name in after if after[name] != before[name]]
    assert changed == ["segmentation.db.lock"]  # only the holder's note: nothing else written
    assert raw_summaries(store_path).keys() == {1}


# -- 4. disk full (BAD_INPUTS #53) ------------------------------------------------------------

# A file-size limit makes every write past it fail (EFBIG; Python ignores SIGXFSZ), like a full
# disk, without privileges or a special file system. The store stage is the first to write
# anything big, so the limit hits it (or, when the limit is higher, the report).
LIMIT = "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, ({0}, {0})); "


@pytest.mark.slow
def test_a_write_failing_in_the_store_stage_keeps_the_last_good_run(
    seeded: Path, tmp_path: Path
) -> None:
    project = copy_of(seeded, tmp_path)
    folder = project.parent
    store_path = folder / "segmentation.db"
    committed: dict[int, RunSummary] = {}
    check_store(store_path, committed)
    report = (folder / "report.html").read_bytes()

    code, stderr = cli("run", "-c", str(project), "-q", prelude=LIMIT.format(1 << 20))

    message = one_line(stderr)
    assert code == 5, stderr
    assert f"error: store {store_path.resolve()}: could not save the run:" in message
    assert "Traceback" not in message
    assert check_store(store_path, committed) == set()  # run 1 intact, nothing half-written
    assert lock_is_free(store_path)
    assert (folder / "report.html").read_bytes() == report
    assert stray_temp_files(folder) == []


@pytest.mark.slow
def test_a_write_failing_in_the_report_stage_keeps_the_saved_run_and_the_old_report(
    seeded: Path, tmp_path: Path
) -> None:
    project = copy_of(seeded, tmp_path)
    folder = project.parent
    store_path = folder / "segmentation.db"
    committed: dict[int, RunSummary] = {}
    check_store(store_path, committed)
    report = (folder / "report.html").read_bytes()
    limit = 4 << 20
    # The premise: a run's store writes fit under the limit, its report (with plotly.js) not.
    assert len(report) > limit

    code, stderr = cli("run", "-c", str(project), "-q", prelude=LIMIT.format(limit))

    assert code == 1, stderr
    message = one_line(stderr)
    assert "error: run 2 was saved, but its report could not be written" in message
    assert f"cannot write {folder / 'report.html'}: File too large" in message
    assert "segment report 2" in message
    assert "Traceback" not in stderr
    assert check_store(store_path, committed) == {2}  # the run itself was saved whole
    assert (folder / "report.html").read_bytes() == report  # the old report, not half a new one
    assert stray_temp_files(folder) == []
    assert lock_is_free(store_path)
