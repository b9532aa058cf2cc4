"""``segment runs list|show|diff``: the history of a project's store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from user_segmentation.cli.common import ConfigOption, errors
from user_segmentation.cli.output import out_console
from user_segmentation.config import load_config

runs_app = typer.Typer(help="List, show and compare the runs of a store.", no_args_is_help=True)


@runs_app.command("list")
def list_runs(config: ConfigOption = Path("segmentation.yaml")) -> None:
    """Every run, newest first: when, how many customers and segments, published or not."""
    from user_segmentation.store import RunStore

    with errors(), RunStore(load_config(config).store_url()) as store:
        runs = store.list_runs()
        current = store.current_run_id()
    table = Table(title=f"{len(runs)} run(s)")
    for column in ("run", "created", "customers", "k", "method", "published", ""):
        table.add_column(column, justify="right" if column in ("run", "customers", "k") else "left")
    for row in runs.to_dict("records"):
        published = row["published_at"]
        table.add_row(
            str(row["run_id"]),
            str(row["created_at"]),
            f"{row['n_customers']:,}",
            str(row["k"]),
            str(row["primary_method"]),
            "—" if pd.isna(published) else str(published)[:19],
            "current" if row["run_id"] == current else "",
        )
    out_console.print(table)


@runs_app.command("show")
def show_run(
    run_id: Annotated[
        int | None, typer.Argument(help="The run (default: the current one).")
    ] = None,
    config: ConfigOption = Path("segmentation.yaml"),
) -> None:
    """One run: its segments, what it was made from, and what an update decided."""
    from user_segmentation.store import RunStore

    with errors(), RunStore(load_config(config).store_url()) as store:
        record = store.load_run(run_id, customers=False)
    meta = record.meta
    out_console.print(
        f"Run {record.run_id}: {meta.get('n_customers', 0):,} customers, k = {meta.get('k')}, "
        f"{meta.get('primary_method')}, created {meta.get('created_at')}"
    )
    table = Table()
    for column in ("id", "segment", "customers", "share", "revenue", "action"):
        table.add_column(column)
    for seg in record.segments.to_dict("records"):
        revenue = seg.get("revenue_share")
        table.add_row(
            str(seg["segment_id"]),
            str(seg["name"]),
            f"{seg['size']:,}",
            f"{seg['share']:.1%}",
            "—" if revenue is None or pd.isna(revenue) else f"{revenue:.1%}",
            str(seg.get("action") or ""),
        )
    out_console.print(table)
    update = meta.get("update")
    if update:
        out_console.print(
            f"Update of run {meta.get('base_run_id')}: {update['decision']} — "
            + "; ".join(update["reasons"])
        )
        matching = update.get("matching")
        if matching:
            out_console.print(
                f"born {matching['born'] or 'none'}, retired {matching['retired'] or 'none'}, "
                f"splits {len(matching['splits'])}, merges {len(matching['merges'])}"
            )
        out_console.print(f"{len(record.moves):,} customers moved, arrived or left")


@runs_app.command("diff")
def diff_runs(
    run_a: Annotated[int, typer.Argument(help="The earlier run.")],
    run_b: Annotated[int, typer.Argument(help="The later run.")],
    config: ConfigOption = Path("segmentation.yaml"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Also write the moves (customer by customer) to this CSV."
        ),
    ] = None,
) -> None:
    """Who moved where between two runs: the transition matrix with counts (and revenue)."""
    from user_segmentation.store import RunStore
    from user_segmentation.track import moves, transition_matrix

    with errors():
        with RunStore(load_config(config).store_url()) as store:
            a = store.load_run(run_a)
            b = store.load_run(run_b)
        columns = ["customer_id", "segment_id"]
        value = "monetary" if "monetary" in b.customers else None
        current = b.assignments[columns]
        if value is not None:
            current = current.merge(b.customers[["customer_id", value]], on="customer_id")
        previous = a.assignments[columns]
        if value is not None:
            previous = previous.merge(a.customers[["customer_id", value]], on="customer_id")
        matrix = transition_matrix(previous, current, value=value)
        moved = moves(a.assignments[columns], b.assignments[columns], include_new_and_gone=True)
        if out is not None:
            moved.to_csv(out, index=False)
    _print_matrix(matrix.counts, f"Customers from run {run_a} (rows) to run {run_b} (columns)")
    if matrix.value is not None:
        _print_matrix(matrix.value.round(0), f"Revenue ({value}) by move")
    out_console.print(f"{len(moved):,} customers changed segment, arrived or left")
    if out is not None:
        out_console.print(f"Moves: {out}")


def _print_matrix(frame: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    table.add_column("")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for index, row in frame.iterrows():
        table.add_row(str(index), *(f"{v:,.0f}" for v in row.to_numpy()))
    out_console.print(table)
