"""Console output of the CLI: progress on stderr, results on stdout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table

from user_segmentation.pipeline.run import RunResult
from user_segmentation.report import defining_traits

#: Progress and errors go to stderr so stdout stays clean for results.
err_console = Console(stderr=True)
out_console = Console()


class StageProgress:
    """Shows each pipeline stage with a spinner, then a tick and its duration."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._current: str | None = None
        self._start = 0.0
        self._status = err_console.status("", spinner="dots") if not quiet else None

    def __call__(self, stage: str) -> None:
        self._finish_current()
        self._current, self._start = stage, time.perf_counter()
        if self._status is not None:
            self._status.update(f"{stage} …")

    def _finish_current(self) -> None:
        if self._current is not None and not self.quiet:
            took = time.perf_counter() - self._start
            err_console.print(f"[green]✓[/] {self._current} [dim]{took:.1f} s[/]")
        self._current = None

    @contextmanager
    def running(self) -> Iterator[StageProgress]:
        """Context in which the spinner is live."""
        if self._status is None:
            yield self
            return
        with self._status:
            yield self
            self._finish_current()


def print_summary(result: RunResult) -> None:
    """The segments table (id, size, share, defining traits) and where the outputs are."""
    rec = result.record
    meta = rec.meta
    table = Table(title=f"{meta['k']} segments of {meta['n_customers']:,} customers")
    table.add_column("id", justify="right")
    table.add_column("segment")
    table.add_column("customers", justify="right")
    table.add_column("share", justify="right")
    table.add_column("defining traits (segment mean ÷ overall mean)")
    traits = defining_traits(rec.profiles, n=3)
    for row in rec.segments.itertuples(index=False):
        described = ", ".join(f"{f} ×{lift:.2f}" for f, lift in traits.get(int(row.segment_id), []))
        table.add_row(
            str(row.segment_id), str(row.name), f"{row.size:,}", f"{row.share:.1%}", described
        )
    out_console.print(table)
    out_console.print(rec.selection.get("rationale", ""), style="dim")
    out_console.print(
        f"k-means vs Ward ({meta['hierarchical_method']}) agreement: ARI {meta['agreement_ari']:.3f}"
    )
    out_console.print(f"Report: {result.report_path}")
    out_console.print(f"Store:  {result.store_url}  (run {result.run_id})")
