"""Readers keep working while a run is written and only ever see complete runs (BAD_INPUTS #55)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, event

from user_segmentation.records import RunRecord
from user_segmentation.store import RunStore

WAIT = 30.0  # generous guard against a deadlocked test, never a speed expectation


@contextmanager
def paused_in(statement_prefix: str) -> Iterator[Any]:
    """Pause the thread that executes a statement starting with ``statement_prefix``.

    Yields ``(reached, release)`` events: ``reached`` is set once the statement has run inside
    the writer's open transaction; the writer then waits until ``release`` is set.
    """
    reached, release = threading.Event(), threading.Event()

    def hook(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(statement_prefix) and not reached.is_set():
            reached.set()
            release.wait(WAIT)

    event.listen(Engine, "after_cursor_execute", hook)
    try:
        yield reached, release
    finally:
        release.set()
        event.remove(Engine, "after_cursor_execute", hook)


def test_reader_sees_the_last_committed_run_while_a_writer_is_mid_transaction(
    store_path: Path, new_record: Callable[..., RunRecord]
):
    first = new_record(project="first")
    second = new_record(project="second", n_extra=5)
    with RunStore(store_path) as writer, RunStore(store_path) as reader:
        writer.save_run(first)
        errors: list[BaseException] = []

        def write() -> None:
            try:
                writer.save_run(second)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        with paused_in("INSERT INTO assignments") as (reached, release):
            thread = threading.Thread(target=write)
            thread.start()
            assert reached.wait(WAIT), "writer never reached the assignments insert"

            # The writer holds an open transaction with the runs row and half the tables.
            assert reader.latest_run_id() == 1
            assert reader.list_runs()["run_id"].tolist() == [1]
            during = reader.load_run()
            assert during.run_id == 1
            pd.testing.assert_frame_equal(during.assignments, first.assignments)

            release.set()
            thread.join(WAIT)
        assert not thread.is_alive() and errors == []

        after = reader.load_run()
        assert after.run_id == 2
        pd.testing.assert_frame_equal(after.assignments, second.assignments)


def test_readers_never_see_a_torn_run_while_runs_are_written(
    store_path: Path, new_record: Callable[..., RunRecord]
):
    sizes = [0, 40, 5, 80, 20, 60]
    with RunStore(store_path) as writer, RunStore(store_path) as reader:
        writer.save_run(new_record(n_extra=sizes[0]))
        done = threading.Event()
        problems: list[str] = []
        seen: list[int] = []

        def read() -> None:
            while not done.is_set() or len(seen) < 3:
                try:
                    run = reader.load_run()
                except Exception as exc:
                    problems.append(f"reader error: {exc!r}")
                    return
                n = run.meta["n_customers"]
                if not (len(run.assignments) == n == int(run.segments["size"].sum())):
                    problems.append(f"run {run.run_id}: torn ({len(run.assignments)} vs {n})")
                if seen and run.run_id < seen[-1]:
                    problems.append(f"went back from run {seen[-1]} to {run.run_id}")
                seen.append(int(run.run_id or 0))

        thread = threading.Thread(target=read)
        thread.start()
        try:
            for extra in sizes[1:]:
                writer.save_run(new_record(n_extra=extra))
        finally:
            done.set()
            thread.join(WAIT)

    assert problems == []
    assert seen and set(seen) <= set(range(1, len(sizes) + 1))


def test_two_writers_are_serialised_not_interleaved(
    store_path: Path, new_record: Callable[..., RunRecord]
):
    results: list[int] = []
    errors: list[BaseException] = []

    def write(project: str, extra: int) -> None:
        try:
            with RunStore(store_path) as store:
                results.append(store.save_run(new_record(project=project, n_extra=extra)))
        except BaseException as exc:
            errors.append(exc)

    RunStore(store_path).close()
    with paused_in("INSERT INTO assignments") as (reached, release):
        one = threading.Thread(target=write, args=("one", 10))
        one.start()
        assert reached.wait(WAIT)
        two = threading.Thread(target=write, args=("two", 20))
        two.start()  # waits on the write lock (busy_timeout) while "one" is paused
        release.set()
        one.join(WAIT)
        two.join(WAIT)

    assert errors == []
    assert sorted(results) == [1, 2]
    with RunStore(store_path) as store:
        for run_id in (1, 2):
            run = store.load_run(run_id)
            assert len(run.assignments) == run.meta["n_customers"]
