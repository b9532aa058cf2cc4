"""Console output of the CLI: progress on stderr, results on stdout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table

from user_segmentation.detect.proposal import InspectedSource
from user_segmentation.features.attributes import describe_range
from user_segmentation.pipeline.run import RunResult
from user_segmentation.report import defining_traits, format_trait
from user_segmentation.select import KSelection
from user_segmentation.tables import query_progress

#: Progress and errors go to stderr so stdout stays clean for results.
err_console = Console(stderr=True)
out_console = Console()


class StageProgress:
    """Shows each pipeline stage with a spinner, then a tick and its duration.

    While a stage runs, the spinner's text shows its seconds so far and how far DuckDB is
    through its current pass over the data, so a long read of a large log visibly moves.
    """

    #: Seconds between refreshes of the running stage's text.
    TICK = 0.5

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._current: str | None = None
        self._start = 0.0
        self._status = err_console.status("", spinner="dots") if not quiet else None

    def __call__(self, stage: str) -> None:
        self._finish_current()
        self._current, self._start = stage, time.perf_counter()
        if self._status is not None:
            self._status.update(self._label(stage, self._start))

    @staticmethod
    def _label(stage: str, start: float) -> str:
        took = time.perf_counter() - start
        done = query_progress()
        step = "" if done is None else f", {done:.0f}% of the current pass"
        return f"{stage} … {took:.0f} s{step}"

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
        stop = threading.Event()
        status = self._status

        def tick() -> None:
            while not stop.wait(self.TICK):
                stage, start = self._current, self._start
                if stage is not None:
                    status.update(self._label(stage, start))

        ticker = threading.Thread(target=tick, name="stage-progress", daemon=True)
        with status:
            ticker.start()
            try:
                yield self
                self._finish_current()
            finally:
                stop.set()
                ticker.join()


def print_quality(quality: dict[str, Any]) -> None:
    """The data-quality report of a run, one row per source (details are in the report)."""
    table = Table(title="Data quality")
    for col in ("source", "rows read", "kept", "dropped (why)", "coverage"):
        table.add_column(col, justify="left" if col in ("source", "dropped (why)") else "right")
    for name, info in quality.get("sources", {}).items():
        dropped = ", ".join(f"{why} {n:,}" for why, n in info.get("rows_dropped", {}).items())
        table.add_row(
            name,
            f"{info.get('rows_read', 0):,}",
            f"{info.get('rows_kept', 0):,}",
            dropped or "—",
            f"{info.get('coverage', 0):.0%}",
        )
    out_console.print(table)
    missing = quality.get("feature_missing_share", {})
    if missing:
        shares = ", ".join(f"{col} {share:.1%}" for col, share in missing.items())
        out_console.print(
            f"Missing feature values (imputed where segments use them): {shares}", style="dim"
        )
    for col, info in (quality.get("out_of_range") or {}).items():
        if not info.get("count"):
            continue
        lo, hi = info.get("range") or [None, None]
        treated = "treated as missing" if info.get("policy", "missing") == "missing" else "refused"
        out_console.print(
            f"Out of range: {col} {info['count']:,} value(s) ({info.get('share', 0):.1%}) "
            f"outside {describe_range(lo, hi)}, {treated}",
            style="yellow",
            markup=False,
        )


def print_summary(result: RunResult) -> None:
    """The segments table (id, size, share, defining traits) and where the outputs are."""
    rec = result.record
    meta = rec.meta
    print_quality(rec.quality)
    table = Table(title=f"{meta['k']} segments of {meta['n_customers']:,} customers")
    table.add_column("id", justify="right")
    table.add_column("segment")
    table.add_column("customers", justify="right")
    table.add_column("share", justify="right")
    revenue = "revenue_share" in rec.segments and rec.segments["revenue_share"].notna().any()
    if revenue:
        table.add_column("revenue", justify="right")
    table.add_column("defining traits (sd from the average customer)")
    traits = defining_traits(rec.profiles, n=3)
    for seg in rec.segments.to_dict("records"):
        described = ", ".join(format_trait(f, d) for f, d in traits.get(int(seg["segment_id"]), []))
        money = [f"{seg['revenue_share']:.1%}"] if revenue else []
        small = " [yellow](small)[/]" if seg.get("small") == 1 else ""
        table.add_row(
            str(seg["segment_id"]),
            f"{seg['name']}{small}",
            f"{seg['size']:,}",
            f"{seg['share']:.1%}",
            *money,
            described,
        )
    out_console.print(table)
    out_console.print(rec.selection.get("rationale", ""), style="dim")
    if meta.get("agreement_ari") is not None:
        methods = f"{meta['primary_method']} vs {meta['secondary_method']}"
        out_console.print(f"{methods} agreement: ARI {meta['agreement_ari']:.3f}")
    out_console.print(f"Report: {result.report_path}")
    out_console.print(f"Store:  {result.store_url}  (run {result.run_id})")


def print_inspection(found: list[InspectedSource]) -> None:
    """One row per inspected table: its guessed role, key and the columns it contributes."""
    table = Table(title="What segment init found")
    for col in ("source", "rows", "role", "customer key", "columns used"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for s in found:
        g = s.guess
        roles = [
            f"{r}={c.column}"
            for r, c in (("order", g.order), ("time", g.timestamp), ("amount", g.amount),
                         ("quantity", g.quantity), ("price", g.unit_price))
            if c is not None
        ]  # fmt: skip
        used = roles or [*g.numeric, *g.categorical, *g.dates]
        table.add_row(
            s.name,
            f"{s.rows:,}",
            g.role,
            g.key.column if g.key else "(row number)",
            ", ".join(used),
        )
    out_console.print(table)


#: Columns of the k-selection table: (score column, heading, format).
_SCORE_COLUMNS = (
    ("inertia", "inertia", "{:,.0f}"),
    ("silhouette", "silhouette", "{:.3f}"),
    ("davies_bouldin", "Davies-Bouldin", "{:.3f}"),
    ("calinski_harabasz", "Calinski-Harabasz", "{:,.1f}"),
    ("gap", "gap", "{:.3f}"),
    ("bic", "BIC", "{:,.0f}"),
    ("stability_jaccard", "stability", "{:.2f}"),
)


def print_selection(selection: KSelection) -> None:
    """One row per k with every computed index, the recommended k marked, then the verdict."""
    scores = selection.scores
    shown = [c for c in _SCORE_COLUMNS if scores[c[0]].notna().any()]
    table = Table(title="Choosing the number of segments")
    table.add_column("k", justify="right")
    for _, heading, _ in shown:
        table.add_column(heading, justify="right")
    sampled = selection.silhouette_method == "sampled"
    for row in scores.to_dict("records"):
        k = int(row["k"])
        cells = []
        for column, _, fmt in shown:
            text = fmt.format(row[column]) if row[column] == row[column] else "—"
            if column == "silhouette" and sampled:
                text += f" [{row['silhouette_low']:.3f}, {row['silhouette_high']:.3f}]"
            if selection.votes.get(column) == k:
                text = f"[bold]{text}[/]"
            cells.append(text)
        marker = "▶ " if k == selection.recommended_k else ""
        table.add_row(f"{marker}{k}", *cells)
    out_console.print(table)
    verdict = selection.verdict
    span = verdict.plausible_range
    out_console.print(
        f"Recommended k = {selection.recommended_k} (plausible {span[0]}–{span[1]}), "
        f"confidence {verdict.confidence}, structure {verdict.structure}."
        + ("" if verdict.clear_structure else " No clear cluster structure."),
        style="bold",
    )
    out_console.print(selection.rationale, style="dim")
